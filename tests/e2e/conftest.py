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
    """stacks/pipeline, applied: producer Lambda -> queue (+DLQ if asked) -> mapping -> consumer
    -> sink."""

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
    """`pipeline(label, **variables)` applies stacks/pipeline. Without a DLQ unless the scenario
    asks for one (`create_dlq=True`): the redrive policy is a second provider wait (~25 s) that
    a scenario which never redrives would only sit through."""

    def apply(label: str, **variables: Any) -> Pipeline:
        variables = {"create_dlq": False, **variables}
        applied = stack("stacks/pipeline", variables, label=label)
        return Pipeline(
            applied, aws("sqs"), aws("lambda"), probes.Sink(aws("sqs"), applied["sink_queue_url"])
        )

    return apply


@pytest.fixture
def tolerances(harness_target: Target):
    return harness_target.tolerances


# The mapping scenarios (tests/e2e/test_mapping_*.py): one application of stacks/mappings per
# group, a queue and mapping per scenario on a few consumer functions (the provider creates
# functions one at a time), every consumer writing to one sink (each row names its source
# queue). A queue's visibility timeout is 6 x its function's timeout (+ window), the AWS minimum
# the trigger module enforces, so a function that fails on purpose gets the shortest timeout.
FILTER_PATTERN = '{"body": {"kind": ["match"]}}'
MAPPINGS = {
    "window": {"maximum_batching_window_in_seconds": 5},
    "batch10": {},
    "batch100": {"batch_size": 100, "maximum_batching_window_in_seconds": 2, "enabled": False},
    "concurrency": {"batch_size": 1, "maximum_concurrency": 2},
    "filter": {"filter_patterns": [FILTER_PATTERN]},
    "disabled": {"enabled": False},
    "record": {},
    "record-fifo": {"fifo": True},
    "timeout": {"function": "short", "enabled": False},
    "fifo-partial": {"fifo": True, "function": "short", "enabled": False},
    "fifo-groups": {"fifo": True, "batch_size": 1},
}
FUNCTIONS = {"consumer": {"timeout": 3}, "short": {"timeout": 1}}
shares_mappings = pytest.mark.xdist_group("mappings")
# The throttled function's mapping has a DLQ: its redrive policy is a second provider wait
# (~25 s) after the queues exist, so it is an application (and a worker) of its own, and the
# scenarios above do not wait for it.
RETRY_FUNCTIONS = {"throttled": {"timeout": 1, "reserved_concurrent_executions": 0}}
RETRY_MAPPINGS = {
    "throttled": {"function": "throttled", "create_dlq": True, "max_receive_count": 2},
}
shares_retry_mappings = pytest.mark.xdist_group("mapping-retries")


@dataclass
class SourceSink:
    """The rows of one source queue in a sink shared by several mappings."""

    shared: probes.Sink
    source: str

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [e for e in self.shared.entries if e.get("source") == self.source]

    def collect(
        self, until: Callable[[list[dict[str, Any]]], bool], timeout: float, what: str = "sink"
    ) -> list[dict[str, Any]]:
        self.shared.collect(lambda _: until(self.entries), timeout, what=what)
        return self.entries

    def ids(self, outcome: str | None = None) -> list[str]:
        return [e["id"] for e in self.entries if outcome is None or e.get("outcome") == outcome]

    def refresh(self) -> list[dict[str, Any]]:
        """Whatever the sink holds now (one drain pass)."""
        return self.collect(lambda _: True, timeout=1)


@dataclass
class Mapping:
    """One mapping of stacks/mappings, applied: its queue, function, mapping and sink rows."""

    name: str
    outputs: dict[str, Any]
    sqs: Any
    lambda_client: Any
    logs: Any
    sink: SourceSink

    def __getitem__(self, key: str) -> Any:
        return self.outputs[key]

    @property
    def visibility(self) -> int:
        return int(self.outputs["visibility_timeout_seconds"])

    def send(self, bodies: list[str], **per_message: Any) -> float:
        """SendMessageBatch in tens (FIFO: group and deduplication id from `per_message`
        callables of the index); returns the time the first send began."""
        sent_at = time.time()
        for start in range(0, len(bodies), 10):
            entries = []
            for offset, text in enumerate(bodies[start : start + 10]):
                entry: dict[str, Any] = {"Id": str(offset), "MessageBody": text}
                for key, make in per_message.items():
                    entry[key] = make(start + offset)
                entries.append(entry)
            response = self.sqs.send_message_batch(QueueUrl=self["queue_url"], Entries=entries)
            assert not response.get("Failed"), response["Failed"]
        return sent_at

    def state(self) -> str:
        return probes.mapping_state(self.lambda_client, self["mapping_uuid"]).state

    def enable(self, timeout: float = 60) -> float:
        """Enable a mapping applied with enabled = false; returns when Lambda reports it
        Enabled (seconds waited)."""
        self.lambda_client.update_event_source_mapping(UUID=self["mapping_uuid"], Enabled=True)
        _, seconds = probes.wait_until(
            self.state,
            lambda state: state == "Enabled",
            timeout=timeout,
            interval=0.5,
            what=f"mapping {self.name} enabled",
        )
        return seconds

    def queue_counts(self) -> probes.Counts:
        return probes.counts(self.sqs, self["queue_url"])


_SHARED_SINKS: dict[str, probes.Sink] = {}


def _mapping_factory(applied: AppliedStack, aws: Callable[[str], Any]) -> Callable[[str], Mapping]:
    url = applied["sink_queue_url"]
    shared = _SHARED_SINKS.setdefault(url, probes.Sink(aws("sqs"), url))

    def of(name: str) -> Mapping:
        outputs = applied["mappings"][name]
        return Mapping(
            name,
            outputs,
            aws("sqs"),
            aws("lambda"),
            aws("logs"),
            SourceSink(shared, outputs["queue_name"]),
        )

    return of


@pytest.fixture
def mapping_of(shared_stack, aws) -> Callable[[str], Mapping]:
    """`mapping_of("window")` -> that scenario's mapping in the shared stacks/mappings."""
    applied = shared_stack(
        "stacks/mappings", {"mappings": MAPPINGS, "functions": FUNCTIONS}, label="mappings"
    )
    return _mapping_factory(applied, aws)


@pytest.fixture
def retry_mapping_of(shared_stack, aws) -> Callable[[str], Mapping]:
    """`retry_mapping_of("throttled")` -> the throttled function's mapping, with its DLQ."""
    applied = shared_stack(
        "stacks/mappings",
        {"mappings": RETRY_MAPPINGS, "functions": RETRY_FUNCTIONS},
        label="mapping-retries",
    )
    return _mapping_factory(applied, aws)


def overlaps(intervals: list[tuple[float, float]]) -> int:
    """The most intervals (start, end) open at one instant; one ending as another starts do not
    overlap."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, step in events:  # at equal times -1 sorts before +1
        current += step
        peak = max(peak, current)
    return peak


def reached_function_at(row: dict[str, Any]) -> float:
    """When the delivery a sink row records reached the function, on the function's clock: the
    init's start for the first invocation of an environment (a cold start; emulators that
    discard an environment after a failed invocation make every retry one, and its length on a
    busy machine is not the mapping's), else the handler's start."""
    if row.get("invocation_in_environment") == 1:
        return row["environment_started_at"]
    return row["started_at"]


def retry_back_after(failed: list[dict[str, Any]], retried: list[dict[str, Any]]) -> float:
    """How long after the failed receive a retry reached the function: from the failed rows'
    first receive (SQS's clock: where the visibility timeout starts, earlier than the handler's
    start by any cold start) to the earliest retried row's `reached_function_at`."""
    received_at = min(row["first_received_at"] for row in failed)
    return min(reached_function_at(row) for row in retried) - received_at


def invocations(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Sink rows by invocation (request id), each in batch order."""
    by_request: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_request.setdefault(entry["request_id"], []).append(entry)
    return {
        rid: sorted(rows, key=lambda e: e.get("position", 0)) for rid, rows in by_request.items()
    }
