"""A host runtime executor for LocalStack: it runs Python zip functions as local processes, so
LocalStack's Lambda (and its SQS event source mappings) works without Docker.

This package runs inside LocalStack's own environment, not the harness's: `install.install_into`
copies it there as the top-level package `harness_localstack_executor` and registers
`executor.HostRuntimeExecutorPlugin` in the entry-point group
`localstack.lambda.runtime_executor` under the name `harness-host`. Hence its modules import
only the standard library, `localstack` (executor.py alone) and each other, relatively; so
they start processes and take file locks with the standard library, not through the harness's
`processes`/`locks` modules (each with a time limit and killed with its group all the same).
"""
