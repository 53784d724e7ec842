"""moto's server (moto 5.2.5, measured 2026-11-24) from its own pinned environment: SQS in real
time; its Lambda needs Docker or is a stub that never runs the handler. What it does unlike AWS
is the same whether the harness starts it or not."""

from __future__ import annotations

from sqs_lambda_harness.targets.capabilities import diverges, unsupported
from sqs_lambda_harness.targets.envs import EmulatorEnv
from sqs_lambda_harness.targets.registry import EmulatorSpec, Launch
from sqs_lambda_harness.targets.tolerances import Tolerances

ENV = EmulatorEnv(
    name="moto",
    product="moto",
    distribution="moto",
    version="5.2.5",
    min_python=(3, 9),
    tested_python=(3, 11),
    why_python="moto 5.2.5 supports Python >= 3.9",
    expected="≈20 s from PyPI here and 320 MB",
)


def command(launch: Launch) -> list[str]:
    server = launch.environment / "bin" / "moto_server"
    return [str(server), "-H", "127.0.0.1", "-p", str(launch.port)]


SPEC = EmulatorSpec(
    name="moto",
    product=ENV.product,
    install=ENV,
    command=command,
    health_path="/moto-api/",  # moto has no health endpoint; its dashboard answers
    tolerances=Tolerances(
        why="moto keeps SQS timers in real time (three runs: empty poll 20.01 s, a 4 s "
        "visibility timeout ended after 4.02-4.03 s, a 5 s delay after 5.02 s): the default "
        "bounds hold",
    ),
    capabilities={
        "lambda_execution": unsupported(
            "moto runs a handler only in Docker; without it Invoke is a stub that never "
            "runs the handler, and a mapping delivers nothing"
        ),
        "dlq_message_move": unsupported(
            "moto 5.2.5 does not implement StartMessageMoveTask (HTTP 500 NotImplemented)"
        ),
        "redrive_allow_policy": unsupported(
            "moto 5.2.5 accepts a DLQ's RedriveAllowPolicy but never returns it, so the "
            "provider waits for it forever: DLQs are applied without one (stacks/queues "
            "restrict_dlq_sources = false)"
        ),
        "dlq_source_arn": diverges(
            "moto 5.2.5 redrives the message to the DLQ without the DeadLetterQueueSourceArn "
            "attribute AWS adds"
        ),
        "fifo_duplicate_message_id": diverges(
            "moto 5.2.5 drops a FIFO duplicate but answers its SendMessage with a new "
            "MessageId; AWS returns the original message's id"
        ),
    },
)
