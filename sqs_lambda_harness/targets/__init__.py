"""Where stacks are applied: the targets (an emulator from the registry or an allow-listed AWS
account), the emulators the harness runs itself, and what each does unlike AWS."""

from sqs_lambda_harness.targets.capabilities import KNOWN_CAPABILITIES, Capability
from sqs_lambda_harness.targets.emulator import (
    Emulator,
    EmulatorDied,
    Started,
    health_ok,
    health_path,
    start_for,
    started,
)
from sqs_lambda_harness.targets.target import (
    AWS_RESOURCE_CAP,
    EMULATOR_CREDENTIALS,
    TEARDOWN_MODES,
    Target,
    parse_allowlist,
    resolve_target,
    resolve_teardown,
    target_names,
    verify_target,
)
from sqs_lambda_harness.targets.tolerances import Tolerances

__all__ = [
    "AWS_RESOURCE_CAP",
    "EMULATOR_CREDENTIALS",
    "KNOWN_CAPABILITIES",
    "TEARDOWN_MODES",
    "Capability",
    "Emulator",
    "EmulatorDied",
    "Started",
    "Target",
    "Tolerances",
    "health_ok",
    "health_path",
    "parse_allowlist",
    "resolve_target",
    "resolve_teardown",
    "start_for",
    "started",
    "target_names",
    "verify_target",
]
