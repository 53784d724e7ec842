"""What a run used of AWS, counted from the run itself: the requests the harness's own clients
made (by service and operation, with their retries), and what its stacks' functions did, read
from their logs before each stack is torn down (one REPORT line per invocation, its billed
duration and memory; every log event's bytes). `prices` turns it into dollars.

Not counted, and said so wherever the figures are shown: requests made by Terraform's
provider, by Lambda's SQS pollers and by the functions themselves.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

NOT_COUNTED = (
    "requests made by Terraform's provider (plans, applies, destroys), by Lambda's SQS pollers "
    "and by the functions themselves"
)
# CloudWatch Logs counts each event's UTF-8 message plus 26 bytes (its PutLogEvents quota;
# the same size is what ingestion is metered on).
LOG_EVENT_OVERHEAD_BYTES = 26
REPORT_PREFIX = "REPORT RequestId"
_BILLED = re.compile(r"Billed Duration: (\d+) ms")
_MEMORY = re.compile(r"Memory Size: (\d+) MB")


@dataclass
class Usage:
    """Counts that add up across workers. `requests` and `retries` are keyed
    `service:Operation` (`sqs:SendMessage`); `fifo_requests` is the part of the SQS requests
    made to FIFO queues (priced higher)."""

    requests: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    fifo_requests: int = 0
    lambda_invocations: int = 0
    lambda_gb_seconds: float = 0.0
    log_events: int = 0
    log_bytes: int = 0
    logs_unread: int = 0  # stacks whose logs could not be read (their functions not counted)

    def add(self, other: Usage) -> None:
        for mine, theirs in ((self.requests, other.requests), (self.retries, other.retries)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.fifo_requests += other.fifo_requests
        self.lambda_invocations += other.lambda_invocations
        self.lambda_gb_seconds += other.lambda_gb_seconds
        self.log_events += other.log_events
        self.log_bytes += other.log_bytes
        self.logs_unread += other.logs_unread

    def service_requests(self, service: str) -> dict[str, int]:
        """{operation: count} of one service, most frequent first."""
        mine = {k.split(":", 1)[1]: v for k, v in self.requests.items() if k.startswith(service)}
        return dict(sorted(mine.items(), key=lambda item: (-item[1], item[0])))

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "requests": dict(sorted(self.requests.items())),
            "retries": dict(sorted(self.retries.items())),
            "lambda_gb_seconds": round(self.lambda_gb_seconds, 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Usage:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Meter:
    """One process's usage, counted from every boto3 client it is asked to watch (the
    target's clients are: `Target.client`). Thread-safe: destroys run in a pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usage = Usage()

    def watch(self, client: Any) -> Any:
        """Count every call `client` makes; returns the client."""
        events = client.meta.events
        events.register("before-parameter-build", _note_fifo_queue)
        events.register("after-call", self._count_call)
        return client

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._usage.add(usage)

    def snapshot(self) -> Usage:
        with self._lock:
            copy = Usage()
            copy.add(self._usage)
            return copy

    def _count_call(self, parsed: Any, model: Any, context: Any = None, **_: Any) -> None:
        """One API call (an error answer too: it reached AWS), and its retried attempts."""
        key = f"{model.service_model.endpoint_prefix}:{model.name}"
        retried = int(((parsed or {}).get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
        call = Usage(requests={key: 1}, retries={key: retried} if retried else {})
        call.fifo_requests = int(bool((context or {}).get("harness_fifo_queue")))
        self.add(call)


def _note_fifo_queue(params: Any, context: Any, **_: Any) -> None:
    """Mark a call to a FIFO queue (its URL ends in .fifo) for `_count_call`."""
    if isinstance(params, dict) and str(params.get("QueueUrl", "")).endswith(".fifo"):
        context["harness_fifo_queue"] = True


def from_log_events(messages: Iterable[str]) -> Usage:
    """Usage read from a function's log events: each event's ingested bytes, and each REPORT
    line as one invocation of `Billed Duration` x `Memory Size` GB-seconds (GB = 1024 MB)."""
    usage = Usage()
    for message in messages:
        usage.log_events += 1
        usage.log_bytes += len(message.encode()) + LOG_EVENT_OVERHEAD_BYTES
        if not message.startswith(REPORT_PREFIX):
            continue
        billed, memory = _BILLED.search(message), _MEMORY.search(message)
        usage.lambda_invocations += 1
        if billed and memory:
            usage.lambda_gb_seconds += int(billed.group(1)) / 1000 * int(memory.group(1)) / 1024
    return usage


def of_functions(logs: Any, name_prefix: str) -> Usage:
    """What the functions named `<name_prefix>-*` did, from their log groups."""
    messages: list[str] = []
    groups = logs.get_paginator("describe_log_groups")
    for page in groups.paginate(logGroupNamePrefix=f"/aws/lambda/{name_prefix}-"):
        for group in page.get("logGroups", []):
            messages += _all_messages(logs, group["logGroupName"])
    return from_log_events(messages)


def _all_messages(logs: Any, group: str) -> list[str]:
    kwargs: dict[str, Any] = {"logGroupName": group}
    messages: list[str] = []
    while True:
        page = logs.filter_log_events(**kwargs)
        messages += [event["message"] for event in page.get("events", [])]
        # A page may be empty while more follow: only a missing (or repeated) token ends it.
        if not page.get("nextToken") or page["nextToken"] == kwargs.get("nextToken"):
            return messages
        kwargs["nextToken"] = page["nextToken"]
