"""Measured interactions with a live system, for assertions: every probe returns what it saw
and how long the call took, and waits are conditions with deadlines, never fixed sleeps.

Two kinds: probes that read what our own stacks write (the sink queue), and probes that observe
a function nobody instrumented — its log lines and REPORT lines, its mapping's state, its DLQ —
for a team testing its own unmodified consumer."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Received:
    messages: list[dict[str, Any]]
    seconds: float

    @property
    def bodies(self) -> list[str]:
        return [m["Body"] for m in self.messages]


@dataclass(frozen=True)
class Counts:
    visible: int
    in_flight: int
    delayed: int

    @property
    def total(self) -> int:
        return self.visible + self.in_flight + self.delayed


@dataclass(frozen=True)
class Invocation:
    """A synchronous Lambda invoke: the decoded result, the client-side duration, and the
    Duration the runtime reported in its REPORT line (the figure users see)."""

    payload: Any
    status: int
    function_error: str | None
    client_seconds: float
    reported_ms: float | None
    log_tail: str


class ConditionTimeout(AssertionError):
    """The AWS behaviour did not show up: a wait-until that ran out of time, or a check of
    something waiting cannot change (a reply, a message's attribute). Says what was awaited and
    what was last seen; a declared divergence's strict xfail expects exactly this."""


def wait_until(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    timeout: float,
    interval: float = 0.25,
    what: str = "condition",
) -> tuple[T, float]:
    """Call `probe` until `done(result)` or `timeout`; returns (last result, seconds waited)."""
    started = time.monotonic()
    while True:
        value = probe()
        elapsed = time.monotonic() - started
        if done(value):
            return value, elapsed
        if elapsed >= timeout:
            raise ConditionTimeout(f"{what}: not met after {timeout:.1f}s; last seen: {value!r}")
        time.sleep(min(interval, max(timeout - elapsed, 0.01)))


def holds_for(
    probe: Callable[[], T],
    holds: Callable[[T], bool],
    seconds: float,
    interval: float = 0.25,
    what: str = "condition",
) -> tuple[T, int]:
    """Call `probe` for `seconds`, checking `holds(result)` each time: for a behaviour that is
    the absence of something (a disabled mapping consumes nothing). Returns (last result, number
    of samples); the first sample that breaks it raises `ConditionTimeout` (the AWS behaviour
    did not hold), saying when and what was seen."""
    started = time.monotonic()
    samples = 0
    while True:
        value = probe()
        samples += 1
        elapsed = time.monotonic() - started
        if not holds(value):
            raise ConditionTimeout(
                f"{what}: broken after {elapsed:.1f}s of {seconds:.1f}s; seen: {value!r}"
            )
        if elapsed >= seconds:
            return value, samples
        time.sleep(min(interval, max(seconds - elapsed, 0.01)))


def send(sqs: Any, queue_url: str, body: str, **kwargs: Any) -> tuple[str, float]:
    """SendMessage; returns (message id, seconds)."""
    started = time.monotonic()
    response = sqs.send_message(QueueUrl=queue_url, MessageBody=body, **kwargs)
    return response["MessageId"], time.monotonic() - started


def receive(
    sqs: Any,
    queue_url: str,
    wait: int | None = None,
    max_messages: int = 10,
    visibility: int | None = None,
) -> Received:
    """One ReceiveMessage call with all attributes; `wait=None` uses the queue's own setting."""
    kwargs: dict[str, Any] = {
        "QueueUrl": queue_url,
        "MaxNumberOfMessages": max_messages,
        "AttributeNames": ["All"],
        "MessageAttributeNames": ["All"],
    }
    if wait is not None:
        kwargs["WaitTimeSeconds"] = wait
    if visibility is not None:
        kwargs["VisibilityTimeout"] = visibility
    started = time.monotonic()
    response = sqs.receive_message(**kwargs)
    return Received(response.get("Messages", []), time.monotonic() - started)


def queue_attributes(sqs: Any, queue_url: str, *names: str) -> dict[str, str]:
    """The named attributes as SQS reports them: what a stack really applied."""
    return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(names))["Attributes"]


def counts(sqs: Any, queue_url: str) -> Counts:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return Counts(
        visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
    )


def drain(
    sqs: Any,
    queue_url: str,
    until: Callable[[list[dict[str, Any]]], bool],
    timeout: float,
    what: str = "drain",
) -> list[dict[str, Any]]:
    """Receive and delete until `until(all received so far)` holds; short polls, 1 s waits."""
    collected: list[dict[str, Any]] = []

    def step() -> list[dict[str, Any]]:
        batch = receive(sqs, queue_url, wait=1).messages
        if batch:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )
            collected.extend(batch)
        return collected

    wait_until(step, until, timeout, interval=0.0, what=what)
    return collected


def invoke(
    lambda_client: Any,
    function_name: str,
    payload: Any,
    logs: Any = None,
    log_timeout: float = 30.0,
) -> Invocation:
    """Invoke synchronously and read the runtime's `REPORT … Duration` line.

    AWS returns it in the invocation's log tail. Where the tail lacks it (MiniStack fills the
    tail only when the function printed something), pass a CloudWatch Logs client: the same
    line is then read from the function's log group, where AWS and emulators both write it.
    """
    started_ms = int(time.time() * 1000)
    started = time.monotonic()
    response = lambda_client.invoke(
        FunctionName=function_name,
        InvocationType="RequestResponse",
        LogType="Tail",
        Payload=json.dumps(payload).encode(),
    )
    client_seconds = time.monotonic() - started
    raw = response["Payload"].read()
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = raw.decode(errors="replace")
    log_tail = base64.b64decode(response.get("LogResult", "") or b"").decode(errors="replace")
    reported = reported_duration_ms(log_tail)
    if reported is None and logs is not None:
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        reported, _ = wait_until(
            lambda: _report_from_log_group(logs, function_name, started_ms, request_id),
            lambda found: found is not None,
            timeout=log_timeout,
            interval=0.5,
            what=f"REPORT line of {function_name} in CloudWatch Logs",
        )
    return Invocation(
        payload=decoded,
        status=response["StatusCode"],
        function_error=response.get("FunctionError"),
        client_seconds=client_seconds,
        reported_ms=reported,
        log_tail=log_tail,
    )


def _report_from_log_group(
    logs: Any, function_name: str, since_ms: int, request_id: str
) -> float | None:
    """The Duration of the REPORT line for `request_id`; failing that, of the only REPORT line
    logged since the invocation started (None while it is not there yet)."""
    try:
        events = logs.filter_log_events(
            logGroupName=f"/aws/lambda/{function_name}",
            startTime=since_ms,
            filterPattern='"REPORT RequestId"',
        ).get("events", [])
    except logs.exceptions.ResourceNotFoundException:
        return None
    reports = [e["message"] for e in events if e["message"].startswith("REPORT RequestId")]
    matching = [m for m in reports if request_id and request_id in m]
    chosen = matching or (reports if len(reports) == 1 else [])
    return reported_duration_ms(chosen[0]) if chosen else None


def reported_duration_ms(log_tail: str) -> float | None:
    """`REPORT RequestId: … Duration: 20012.34 ms …` -> 20012.34 (None if absent)."""
    match = re.search(r"REPORT RequestId:.*?\tDuration: ([\d.]+) ms", log_tail)
    return float(match.group(1)) if match else None


@dataclass
class Sink:
    """Delivery evidence: the sink queue a stack's consumer writes one JSON entry to per
    delivery attempt. Entries are kept across calls, so a test can wait in stages."""

    sqs: Any
    queue_url: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    def collect(
        self, until: Callable[[list[dict[str, Any]]], bool], timeout: float, what: str = "sink"
    ) -> list[dict[str, Any]]:
        def step() -> list[dict[str, Any]]:
            for message in drain(self.sqs, self.queue_url, lambda got: True, timeout=1):
                entry = json.loads(message["Body"])
                entry["_sink_received_at"] = time.time()
                self.entries.append(entry)
            return self.entries

        return wait_until(step, until, timeout, interval=0.1, what=what)[0]

    def ids(self, outcome: str | None = None) -> list[str]:
        return [e["id"] for e in self.entries if outcome is None or e.get("outcome") == outcome]


def has_ids(expected: Iterable[str], outcome: str | None = "ok") -> Callable[[list[dict]], bool]:
    """Condition for `Sink.collect`: every expected id has an entry (with `outcome`)."""
    wanted = set(expected)

    def check(entries: list[dict[str, Any]]) -> bool:
        seen = {e["id"] for e in entries if outcome is None or e.get("outcome") == outcome}
        return wanted <= seen

    return check


# --------------------------------------------------- observing a function nobody instrumented


@dataclass(frozen=True)
class LogLine:
    at: float  # epoch seconds of the event
    message: str


def log_lines(logs: Any, function_name: str, since: float, text: str = "") -> list[LogLine]:
    """Every line the function logged since `since` (epoch seconds) that contains `text`, in
    time order, from all streams of its log group (none yet: no group yet)."""
    kwargs: dict[str, Any] = {
        "logGroupName": f"/aws/lambda/{function_name}",
        "startTime": int(since * 1000),
    }
    if text:
        kwargs["filterPattern"] = json.dumps(text)  # a quoted term: the literal text
    lines: list[LogLine] = []
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            lines += [
                LogLine(e["timestamp"] / 1000, e["message"].rstrip("\n"))
                for e in page.get("events", [])
                if text in e["message"]
            ]
            # A page may be empty while more follow: only a missing token ends the listing.
            if not page.get("nextToken") or page["nextToken"] == kwargs.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return sorted(lines, key=lambda line: line.at)


def wait_for_log_line(
    logs: Any, function_name: str, text: str, since: float, timeout: float, count: int = 1
) -> tuple[list[LogLine], float]:
    """Wait until the function has logged `text` at least `count` times since `since`."""
    return wait_until(
        lambda: log_lines(logs, function_name, since, text),
        lambda lines: len(lines) >= count,
        timeout,
        interval=0.5,
        what=f"{count} x {text!r} in the logs of {function_name}",
    )


def reported_durations(logs: Any, function_name: str, since: float) -> list[float]:
    """The Duration (ms) of every REPORT line, one per invocation, since `since`."""
    lines = log_lines(logs, function_name, since, "REPORT RequestId")
    return [d for d in (reported_duration_ms(line.message) for line in lines) if d is not None]


@dataclass(frozen=True)
class MappingState:
    """An event source mapping as Lambda reports it."""

    uuid: str
    state: str  # Creating, Enabled, Disabled, ...
    last_processing_result: str  # "No records processed", "OK", "PROBLEM: ..."
    batch_size: int
    source_arn: str

    @property
    def problem(self) -> bool:
        return self.last_processing_result.upper().startswith("PROBLEM")


def mapping_state(lambda_client: Any, uuid: str) -> MappingState:
    mapping = lambda_client.get_event_source_mapping(UUID=uuid)
    return MappingState(
        uuid=uuid,
        state=mapping.get("State", ""),
        last_processing_result=mapping.get("LastProcessingResult", ""),
        batch_size=int(mapping.get("BatchSize", 0)),
        source_arn=mapping.get("EventSourceArn", ""),
    )


def peek(sqs: Any, queue_url: str, max_messages: int = 10) -> list[dict[str, Any]]:
    """Read messages without taking them (visibility 0: they stay receivable), e.g. a DLQ.
    Each read still counts as a receive: on a queue with a redrive policy it moves messages
    towards their DLQ, so peek at DLQs and queues without one."""
    return receive(sqs, queue_url, wait=1, max_messages=max_messages, visibility=0).messages
