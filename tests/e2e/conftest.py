"""Shared plumbing for the behaviour suite: a live pipeline with its producer, queues and sink."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sqs_lambda_harness import probes
from sqs_lambda_harness.targets import Target
from sqs_lambda_harness.terraform.stacks import AppliedStack


@dataclass
class Pipeline:
    """stacks/pipeline, applied: producer Lambda -> queue (+DLQ) -> mapping -> consumer -> sink."""

    applied: AppliedStack
    sqs: Any
    lambda_client: Any
    sink: probes.Sink

    def produce(self, messages: list[dict[str, Any]]) -> float:
        """Send through the producer Lambda (10 per SendMessageBatch); returns the send time."""
        sent_at = time.time()
        result = probes.invoke(
            self.lambda_client, self.applied["producer_function_name"], {"messages": messages}
        )
        assert result.function_error is None, result.payload
        assert result.payload["failed"] == [], result.payload
        assert len(result.payload["sent"]) == len(messages)
        return sent_at

    def source_empty(self) -> bool:
        return probes.counts(self.sqs, self.applied["queue_url"]).total == 0

    def start_mapping(self, timeout: float = 60) -> None:
        """Enable a mapping applied with mapping_enabled=false, once the test filled the queue.

        Batch rules are only visible in a batch of several messages; a mapping that polls while
        the producer sends may take the first message alone.
        """
        uuid = self.applied["mapping_uuid"]
        self.lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
        probes.wait_until(
            lambda: self.lambda_client.get_event_source_mapping(UUID=uuid)["State"],
            lambda state: state == "Enabled",
            timeout=timeout,
            interval=1.0,
            what="event source mapping enabled",
        )

    def first_batch_of(self, message_id: str) -> set[str]:
        """The ids that shared the invocation of `message_id`'s first delivery (from the sink)."""
        entries = self.sink.entries
        first = next(e for e in entries if e["id"] == message_id and e["receive_count"] == 1)
        return {e["id"] for e in entries if e["request_id"] == first["request_id"]}


def body(message_id: str, directive: str = "ok", **extra: Any) -> str:
    return json.dumps({"id": message_id, "directive": directive, **extra})


# The queue-only scenarios each use their own queue and never touch another's, so one
# application of stacks/queues holds them all: one apply, one set of provider waits. Their
# `xdist_group` keeps them on one worker (one emulator) under `--dist loadgroup`.
QUEUES = {
    "empty-poll": {"receive_wait_time_seconds": 20},
    "early-poll": {"receive_wait_time_seconds": 20},
    "visibility": {"visibility_timeout_seconds": 4, "receive_wait_time_seconds": 0},
    "change-vis": {"visibility_timeout_seconds": 4, "receive_wait_time_seconds": 0},
    "delay": {"delay_seconds": 5, "receive_wait_time_seconds": 0},
    "fifo-order": {"fifo": True, "receive_wait_time_seconds": 0},
    "fifo-dedup": {"fifo": True, "receive_wait_time_seconds": 0},
}
shares_queues = pytest.mark.xdist_group("queues")
# Queues with a dead-letter queue: their redrive policy is a second provider wait (~30 s) after
# both queues exist, so they are an application of their own on a worker of their own, and the
# queues above do not wait for it. A 1 s visibility timeout makes each receive count cheap.
# Every one has the same settings.
DLQ_QUEUE = {
    "visibility_timeout_seconds": 1,
    "receive_wait_time_seconds": 0,
    "max_receive_count": 2,
    "create_dlq": True,
}
DLQ_QUEUES = {name: DLQ_QUEUE for name in ("redrive", "source-arn")}
shares_dlq_queues = pytest.mark.xdist_group("dlq-queues")


@pytest.fixture
def queue_of(shared_stack) -> Callable[[str], dict[str, Any]]:
    """`queue_of("delay")` -> {"url", "arn", "name", ...} of that scenario's own queue."""
    applied = shared_stack("stacks/queues", {"queues": QUEUES}, label="queues")
    return lambda name: applied["queues"][name]


@pytest.fixture
def dlq_queue_of(shared_stack, harness_target: Target) -> Callable[[str], dict[str, Any]]:
    """`dlq_queue_of("redrive")` -> {"url", "arn", "dlq_url", "dlq_arn", ...}. Where the target
    cannot hold a DLQ's redrive-allow policy (declared), the DLQs are applied without one."""
    restrict = harness_target.capability("redrive_allow_policy").supported
    queues = {key: {**queue, "restrict_dlq_sources": restrict} for key, queue in DLQ_QUEUES.items()}
    applied = shared_stack("stacks/queues", {"queues": queues}, label="dlq-queues")
    return lambda name: applied["queues"][name]


@pytest.fixture
def pipeline(stack, aws) -> Callable[..., Pipeline]:
    def apply(label: str, **variables: Any) -> Pipeline:
        applied = stack("stacks/pipeline", variables, label=label)
        return Pipeline(
            applied, aws("sqs"), aws("lambda"), probes.Sink(aws("sqs"), applied["sink_queue_url"])
        )

    return apply


@pytest.fixture
def tolerances(harness_target: Target):
    return harness_target.tolerances
