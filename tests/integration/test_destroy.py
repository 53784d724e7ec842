"""Every stack the project ships is destroyed to nothing through the provider.

The behaviour suite discards its stacks with the emulator by default; this is what keeps that
honest: each stack under terraform/stacks/ and each example is applied and destroyed once,
in parallel (one test each), and afterwards the sweeper finds nothing of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.terraform.stacks import StackManager
from tests.integration.conftest import REPO

pytestmark = pytest.mark.emulator
TERRAFORM = REPO / "terraform"
# Inputs for stacks with required variables; every other stack applies with its defaults. The
# queues also carry the module's settings that depend on the provider release (the 1 MiB message
# size arrived in hashicorp/aws 6.9.0) and on FIFO, so the pinned provider is seen to apply them.
INPUTS = {
    "stacks/queues": {
        "queues": {
            "plain": {},
            "with-dlq": {"create_dlq": True, "max_receive_count": 3},
            "big": {"max_message_size": 1048576},
            "ordered": {
                "fifo": True,
                "content_based_deduplication": True,
                "deduplication_scope": "messageGroup",
                "fifo_throughput_limit": "perMessageGroupId",
            },
        }
    },
    # Every kind of mapping the behaviour suite uses: a DLQ with its own redrive policy, a
    # function with reserved concurrency, FIFO, a filter, a window and a concurrency cap.
    "stacks/mappings": {
        "mappings": {
            "plain": {},
            "ordered": {"fifo": True, "enabled": False},
            "retry": {"function": "throttled", "create_dlq": True, "max_receive_count": 2},
            "shaped": {
                "filter_patterns": ['{"body": {"kind": ["match"]}}'],
                "batch_size": 100,
                "maximum_batching_window_in_seconds": 2,
                "maximum_concurrency": 2,
            },
        },
        "functions": {
            "consumer": {},
            "throttled": {"timeout": 1, "reserved_concurrent_executions": 0},
        },
    },
}
APPLIED_ATTRIBUTES = {  # what SQS reports for those settings after the apply
    "big": {"MaximumMessageSize": "1048576"},
    "ordered": {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
    },
}


def shipped_stacks() -> list[str]:
    roots = [*sorted((TERRAFORM / "stacks").iterdir()), *sorted((TERRAFORM / "examples").iterdir())]
    return [str(p.relative_to(TERRAFORM)) for p in roots if any(p.glob("*.tf"))]


@pytest.mark.parametrize("path", shipped_stacks())
def test_stack_applies_then_destroys_to_nothing(
    path: str, stack_manager: StackManager, aws, harness_target, harness_run
) -> None:
    applied = stack_manager.apply(path, INPUTS.get(path), label=f"destroy-{Path(path).name}")

    def remaining() -> list[str]:
        found = sweeper.find(harness_target, harness_run.id)
        mappings = aws("lambda").list_event_source_mappings().get("EventSourceMappings", [])
        return [x.name for x in found if applied.prefix in x.name] + [
            m["UUID"] for m in mappings if applied.prefix in m["EventSourceArn"]
        ]

    assert applied.resources > 0
    assert remaining(), "the sweeper must see what the apply made, or 'nothing' proves nothing"
    if path == "stacks/queues":
        for key, expected in APPLIED_ATTRIBUTES.items():
            url = applied["queues"][key]["url"]
            attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
            assert {k: attributes["Attributes"].get(k) for k in expected} == expected, key
    stack_manager.destroy(applied)
    (record,) = [r for r in stack_manager.history if r.prefix == applied.prefix]
    assert (record.teardown, record.ok) == ("destroy", True)
    assert remaining() == []


def test_every_shipped_stack_is_covered() -> None:
    """A new stack or example is proven too, as long as it applies with INPUTS or defaults."""
    assert {"stacks/queue", "stacks/queues", "stacks/pipeline", "stacks/poller"} <= set(
        shipped_stacks()
    )
    assert any(p.startswith("examples/") for p in shipped_stacks())
