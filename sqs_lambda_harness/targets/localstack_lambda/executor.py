"""LocalStack's side: the `RuntimeExecutor` that `LAMBDA_RUNTIME_EXECUTOR=harness-host` selects.

LocalStack creates one executor per execution environment, calls `start` with the function's
variables (and expects it to return once the runtime is ready), `invoke` one event at a time,
and `stop` on idle expiry, delete, update and shutdown. `prepare_version` runs when a function
is created or updated: an exception there is the function's `Failed` reason, so a runtime this
executor cannot run fails there, with the fix in the message. LocalStack writes the `logs` of
each `InvocationResult` to the function's log group.
"""

from __future__ import annotations

import collections
import logging
import threading

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor

from . import runtimes
from .environment import Sandbox, process_environment
from .instance import FunctionInstance, InitFailed, LaunchSpec, Request

LOG = logging.getLogger(__name__)
NAME = "harness-host"
HISTORY = 200  # invocations whose logs `get_logs` keeps


class HostRuntimeExecutor(RuntimeExecutor):
    """One execution environment: a function process on this host, restarted after a
    timeout or crash at the next invoke."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._lock = threading.Lock()
        self._instance: FunctionInstance | None = None
        self._spec: LaunchSpec | None = None
        self._sandbox: Sandbox | None = None
        self._stopped = False
        self._history: collections.deque[str] = collections.deque(maxlen=HISTORY)

    def start(self, env_vars: dict[str, str]) -> None:
        settings = self.function_version.config
        python = runtimes.ensure(settings.runtime)
        self._sandbox = Sandbox(self.function_version.id.function_name, self.id)
        code_dir = settings.code.get_unzipped_code_location()
        env = process_environment(
            env_vars,
            dict(settings.environment or {}),
            code_dir,
            python.parent,
            self._sandbox,
            execution_env=f"AWS_Lambda_{settings.runtime}",
        )
        timeout = float(config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)
        self._spec = LaunchSpec(python, settings.handler, code_dir, env, timeout)
        with self._lock:
            self._launch()

    def stop(self) -> None:
        self._stopped = True
        instance = self._instance
        if instance is not None:
            instance.kill()
        if self._sandbox is not None:
            self._sandbox.remove()

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        host = config.GATEWAY_LISTEN[0].host
        return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host

    def get_runtime_endpoint(self) -> str:
        port = config.GATEWAY_LISTEN[0].port
        return f"http://{self.get_endpoint_from_executor()}:{port}/_localstack_lambda/{self.id}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        version = self.function_version
        request = Request(
            request_id=payload["invoke-id"],
            payload=payload["payload"].encode(),
            function_arn=payload["invoked-function-arn"],
            trace_id=payload.get("trace-id", ""),
            timeout_seconds=float(version.config.timeout),
            memory_size_mb=int(version.config.memory_size),
            version=version.id.qualifier,
        )
        with self._lock:
            if self._instance is None or not self._instance.alive:
                self._launch()  # after a timeout or a crash: a fresh process, as on AWS
            assert self._instance is not None
            outcome = self._instance.invoke(request)
        self._history.append(outcome.logs)
        return InvocationResult(request.request_id, outcome.payload, outcome.is_error, outcome.logs)

    def get_logs(self) -> str:
        return "".join(self._history)

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        settings = function_version.config
        if settings.package_type != PackageType.Zip:
            raise runtimes.RuntimeUnavailable(
                "container-image functions cannot run on the harness's host Lambda executor, "
                "which runs Python zip functions only; use a python3.x zip package."
            )
        runtimes.ensure(settings.runtime)
        if settings.layers:
            LOG.warning(
                "%s: the host executor does not apply layers",
                function_version.id.function_name,
            )
        if settings.code:
            settings.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing: LocalStack removes the unzipped code; environments clean up on stop."""

    def _launch(self) -> None:
        """A new process for this environment; StatusErrorException (the invoke's error
        payload, as LocalStack expects from a failed init) if its handler does not load."""
        if self._stopped:
            raise StatusErrorException("Environment was stopped", payload=b"")
        assert self._spec is not None
        self._instance = FunctionInstance(self._spec)
        try:
            self._instance.initialise()
        except InitFailed as failed:
            self._history.append(failed.logs)
            raise StatusErrorException(
                "Environment startup failed", payload=failed.payload
            ) from None


class HostRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """What the entry point names; LocalStack calls `load` to get the executor class."""

    name = NAME

    def load(self, *args: object, **kwargs: object) -> type[RuntimeExecutor]:
        return HostRuntimeExecutor
