"""MiniStack, the `embedded` target (alias `ministack`): installed in the project venv, run as a
plain process; it runs Python Lambdas as local processes, so the whole SQS -> Lambda path works
with no Docker."""

from __future__ import annotations

import os
import sys

from sqs_lambda_harness.targets.capabilities import diverges, unsupported
from sqs_lambda_harness.targets.registry import (
    LOCALSTACK_HEALTH_PATH,
    EmulatorSpec,
    InVenv,
    Launch,
)
from sqs_lambda_harness.targets.tolerances import Tolerances


def command(launch: Launch) -> list[str]:
    return [sys.executable, "-m", "ministack"]


def environment(launch: Launch) -> dict[str, str]:
    """Ours, with MiniStack's settings; the harness's own AWS settings must not leak into the
    emulator's Lambda runtime."""
    env = {
        **os.environ,
        "GATEWAY_PORT": str(launch.port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "LOG_LEVEL": os.environ.get("HARNESS_EMULATOR_LOG_LEVEL", "INFO"),
    }
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(name, None)
    return env


SPEC = EmulatorSpec(
    name="embedded",
    aliases=("ministack",),
    product="MiniStack",
    install=InVenv(distribution="ministack", extra="embedded"),
    command=command,
    environment=environment,
    health_path=LOCALSTACK_HEALTH_PATH,  # MiniStack copies LocalStack's
    tolerances=Tolerances(
        delivery_timeout=15.0,
        why="MiniStack on the loopback: over ten runs of the suite the slowest delivery through "
        "a mapping took 3.6 s and a whole-batch redelivery came at most 1.3 s after its "
        "visibility timeout, so 15 s (four times the slowest seen) bounds a delivery; a known "
        "divergence is declared after that long without the AWS behaviour, not after 30 s",
    ),
    capabilities={
        "dlq_message_move": unsupported(
            "MiniStack does not implement StartMessageMoveTask (DLQ redrive back to source)"
        ),
        "batch_response_validation": diverges(
            "MiniStack treats a batchItemFailures entry with an empty or unknown "
            "itemIdentifier as success and deletes the batch; AWS fails the whole batch"
        ),
        "function_info_logs": diverges(
            "MiniStack's Python runtime installs no Lambda log handler, so `logging` lines "
            "below WARNING never reach the log group (measured: logger.info dropped, "
            "logger.warning kept); AWS's runtime writes them at the function's log level"
        ),
    },
    unreachable_fix="check that the emulator at HARNESS_ENDPOINT_URL is running, or unset it.",
)
