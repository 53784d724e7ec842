"""sqs_lambda_harness: apply Terraform stacks to an emulator or an allow-listed AWS account,
test SQS <-> Lambda behaviour with pytest, and always tear down.

The public surface for tests: `probes` (measured interactions with a live system, and
`ConditionTimeout`, raised by a wait that gave up) and the evidence a test records (`Evidence`,
`Measurement`, from `reporting.evidence`). The pytest plugin registers itself by entry
point and stays inert until a test uses one of its fixtures.

Layers, each a subpackage: `terraform` (the CLI, its runner, the stacks), `targets` (where
stacks go: the emulators and AWS, and what each does unlike AWS), `cleanup` (ledger and
sweeper), `reporting` (the evidence a test records, the run report, its HTML page, the fidelity
matrix), `pytest_plugin`. Shared by all: `errors`, `log`, `processes`, `waits`, `locks`, `cache`.
"""

from sqs_lambda_harness import probes
from sqs_lambda_harness.probes import ConditionTimeout
from sqs_lambda_harness.reporting.evidence import Evidence, Measurement

__all__ = ["ConditionTimeout", "Evidence", "Measurement", "probes"]
