"""Where stacks are applied: the targets (an emulator or an allow-listed AWS account), the
emulators the harness runs itself, and what each does unlike AWS."""

from sqs_lambda_harness.targets.target import (
    AWS_RESOURCE_CAP,
    EMULATOR_CREDENTIALS,
    HARNESS_STARTED,
    KNOWN_CAPABILITIES,
    TARGET_NAMES,
    TEARDOWN_MODES,
    Capability,
    Target,
    Tolerances,
    parse_allowlist,
    resolve_target,
    resolve_teardown,
    verify_target,
)

__all__ = [
    "AWS_RESOURCE_CAP",
    "EMULATOR_CREDENTIALS",
    "HARNESS_STARTED",
    "KNOWN_CAPABILITIES",
    "TARGET_NAMES",
    "TEARDOWN_MODES",
    "Capability",
    "Target",
    "Tolerances",
    "parse_allowlist",
    "resolve_target",
    "resolve_teardown",
    "verify_target",
]
