"""What a rehearsal of AWS's clock states and keeps: its figures and rates (`Rehearsal`),
each client's seeded stream of fates (`fates`), what was injected (`Counts`), and AWS's slow
state changes replayed from the calls themselves (`AwsStates`: IAM propagation, a mapping's
Creating and Deleting, a function's cold start). The proxy (`proxy`) applies them."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.rehearsal import protocols
from sqs_lambda_harness.rehearsal.protocols import CLIENTS, Answer, Call
from sqs_lambda_harness.targets.aws import AWS_CLOCK, AwsClock

KINDS = (
    "throttle",
    "server_error",
    "mapping_creating",
    "mapping_deleting",
    "iam_propagation",
    "cold_start",
)
RETRIED_BY_SDKS = ("throttle", "server_error")  # what botocore and aws-sdk-go-v2 retry themselves
_MAPPING = re.compile(r"^/2015-03-31/event-source-mappings/([^/?]+)")
_INVOKE = re.compile(r"^/2015-03-31/functions/([^/?]+)/invocations")


@dataclass(frozen=True)
class Rehearsal:
    """What the proxy rehearses. Delays and windows default to AWS's own (`AWS_CLOCK`,
    targets/aws.py, with its sources); `of` scales the windows down for a test that must stay
    short, and records the scale. The rates are this rehearsal's statement, not AWS's: AWS
    publishes no throttling or 5xx rate. 5 % throttled and 2 % failed calls give a run of a few
    hundred calls tens of faults, while botocore's 5 attempts all failing stays unlikely
    (0.07^5 ≈ 2e-6 a call; the provider makes 25)."""

    seed: int = 0
    delay_ms: tuple[float, float] = AWS_CLOCK.api_round_trip_ms  # each call, uniform in range
    throttle_rate: float = 0.05
    server_error_rate: float = 0.02  # half HTTP 500, half 503
    iam_propagation_s: float = AWS_CLOCK.iam_propagation_s
    mapping_creating_s: float = AWS_CLOCK.mapping_creating_s
    mapping_deleting_s: float = AWS_CLOCK.mapping_deleting_s
    cold_start_s: float = AWS_CLOCK.cold_start_s
    time_scale: float = 1.0  # the windows above are AWS's x this

    def __post_init__(self) -> None:
        low, high = self.delay_ms
        rates = (self.throttle_rate, self.server_error_rate)
        windows = (
            self.iam_propagation_s,
            self.mapping_creating_s,
            self.mapping_deleting_s,
            self.cold_start_s,
        )
        if not (0 <= low <= high) or min(rates) < 0 or sum(rates) > 1 or min(windows) < 0:
            raise HarnessError(
                f"Not a rehearsal: delay {self.delay_ms} ms, rates {rates}, windows {windows}.",
                fix="give 0 <= low <= high ms, rates >= 0 adding up to at most 1, and "
                "windows >= 0 s.",
            )

    @classmethod
    def of(
        cls, clock: AwsClock = AWS_CLOCK, time_scale: float = 1.0, **overrides: Any
    ) -> Rehearsal:
        """AWS's windows (IAM propagation, Creating, Deleting, cold start) x `time_scale`."""
        scaled = {
            "iam_propagation_s": clock.iam_propagation_s * time_scale,
            "mapping_creating_s": clock.mapping_creating_s * time_scale,
            "mapping_deleting_s": clock.mapping_deleting_s * time_scale,
            "cold_start_s": clock.cold_start_s * time_scale,
            "delay_ms": clock.api_round_trip_ms,
        }
        return cls(**{**scaled, **overrides, "time_scale": time_scale})


def fates(rehearsal: Rehearsal, client: str) -> Iterator[tuple[float, str | None, int]]:
    """What the calls of `client` meet, in order: (delay in s, fault or None, the status a
    server error would have). Each client has a stream of its own, seeded by the rehearsal's
    seed and the client's name: its n-th call meets the same whatever the other clients do, and
    however their calls interleave. Three draws a call, whatever it meets."""
    generator = random.Random(f"{rehearsal.seed}/{client}")
    low, high = rehearsal.delay_ms
    while True:
        delay = generator.uniform(low, high) / 1000
        roll = generator.random()
        status = 500 if generator.random() < 0.5 else 503
        fault = None
        if roll < rehearsal.throttle_rate:
            fault = "throttle"
        elif roll < rehearsal.throttle_rate + rehearsal.server_error_rate:
            fault = "server_error"
        yield delay, fault, status


class Counts:
    """What the proxy saw and injected, per kind and per client (terraform, boto3, other), and
    per `service:Operation` the faults an SDK retries and the retries it made (requests with
    `amz-sdk-request: attempt=2` and up). Thread-safe."""

    def __init__(self, rehearsal: Rehearsal) -> None:
        self.rehearsal = rehearsal
        self._lock = threading.Lock()
        self.requests = dict.fromkeys(CLIENTS, 0)  # AWS API calls, by client
        self.not_api = 0  # requests passed through untouched (health checks, ...)
        self.delay_seconds = dict.fromkeys(CLIENTS, 0.0)
        self.injected: dict[str, dict[str, int]] = {k: dict.fromkeys(CLIENTS, 0) for k in KINDS}
        self.faults: dict[str, dict[str, int]] = {c: {} for c in CLIENTS}
        self.retries: dict[str, dict[str, int]] = {c: {} for c in CLIENTS}

    def call(self, call: Call, delay: float) -> None:
        with self._lock:
            self.requests[call.client] += 1
            self.delay_seconds[call.client] += delay
            if call.attempt > 1:
                _bump(self.retries[call.client], call.key)

    def inject(self, kind: str, call: Call) -> None:
        with self._lock:
            self.injected[kind][call.client] += 1
            if kind in RETRIED_BY_SDKS:
                _bump(self.faults[call.client], call.key)

    def passed(self) -> None:
        with self._lock:
            self.not_api += 1

    def of(self, kind: str, client: str | None = None) -> int:
        """How many of `kind` were injected (into `client`'s calls, or all)."""
        with self._lock:
            by_client = self.injected[kind]
            return by_client[client] if client else sum(by_client.values())

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rehearsal": asdict(self.rehearsal),
                "requests": dict(self.requests),
                "not_api": self.not_api,
                "delay_seconds": {c: round(s, 3) for c, s in self.delay_seconds.items()},
                "injected": {kind: dict(by) for kind, by in self.injected.items()},
                "faults": {c: dict(sorted(f.items())) for c, f in self.faults.items()},
                "retries": {c: dict(sorted(r.items())) for c, r in self.retries.items()},
            }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")


def _bump(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


class AwsStates:
    """AWS's slow state changes, replayed from what the calls themselves say: when a role was
    created, when a mapping was created or deleted, which functions were invoked yet."""

    def __init__(self, rehearsal: Rehearsal, counts: Counts) -> None:
        self.rehearsal = rehearsal
        self.counts = counts
        self._lock = threading.Lock()
        self._roles: dict[str, float] = {}  # role name -> when CreateRole answered
        self._creating: dict[str, float] = {}  # mapping UUID -> when it was created
        self._deleting: dict[str, tuple[float, dict[str, Any]]] = {}  # UUID -> (when, mapping)
        self._invoked: set[str] = set()

    def before(self, call: Call, path: str, body: bytes) -> Answer | None:
        """An answer in AWS's place, or None to forward (after any cold start's wait)."""
        now = time.monotonic()
        if call.operation == "CreateFunction" and self._role_unpropagated(body, now):
            self.counts.inject("iam_propagation", call)
            return protocols.role_not_assumable()
        if call.operation == "GetEventSourceMapping":
            deleted = self._still_deleting(_uuid_in(path), now)
            if deleted is not None:
                self.counts.inject("mapping_deleting", call)
                return protocols.json_answer(200, {**deleted, "State": "Deleting"})
        if call.operation == "Invoke" and self._first_invoke(path):
            self.counts.inject("cold_start", call)
            time.sleep(self.rehearsal.cold_start_s)
        return None

    def after(self, call: Call, path: str, status: int, payload: bytes) -> bytes:
        """The emulator's answer, with AWS's state where AWS would still show another."""
        now = time.monotonic()
        if status >= 300:
            return payload
        if call.operation == "CreateRole" and call.params.get("RoleName"):
            with self._lock:
                self._roles[call.params["RoleName"]] = now
            return payload
        if call.operation == "DeleteEventSourceMapping":
            mapping = _json_object(payload)
            if mapping is not None:
                with self._lock:
                    self._creating.pop(_uuid_in(path), None)
                    self._deleting[_uuid_in(path)] = (now, mapping)
            return payload
        if call.operation == "CreateEventSourceMapping":
            mapping = _json_object(payload)
            if mapping is not None and mapping.get("UUID"):
                with self._lock:
                    self._creating[mapping["UUID"]] = now
        if call.operation in ("CreateEventSourceMapping", "GetEventSourceMapping"):
            return self._creating_state(call, payload, now)
        return payload

    def _role_unpropagated(self, body: bytes, now: float) -> bool:
        request = _json_object(body) or {}
        role = str(request.get("Role", "")).rsplit("/", 1)[-1]
        with self._lock:
            created = self._roles.get(role)
        return created is not None and now - created < self.rehearsal.iam_propagation_s

    def _still_deleting(self, mapping_uuid: str, now: float) -> dict[str, Any] | None:
        with self._lock:
            deleted = self._deleting.get(mapping_uuid)
        if deleted is None or now - deleted[0] >= self.rehearsal.mapping_deleting_s:
            return None
        return deleted[1]

    def _creating_state(self, call: Call, payload: bytes, now: float) -> bytes:
        mapping = _json_object(payload)
        if mapping is None:
            return payload
        with self._lock:
            created = self._creating.get(str(mapping.get("UUID")))
        if created is None or now - created >= self.rehearsal.mapping_creating_s:
            return payload
        self.counts.inject("mapping_creating", call)
        return json.dumps({**mapping, "State": "Creating"}).encode()

    def _first_invoke(self, path: str) -> bool:
        match = _INVOKE.match(path)
        if match is None:
            return False
        name = urllib.parse.unquote(match.group(1))
        name = name.split(":function:", 1)[-1].split(":", 1)[0]  # an ARN, maybe qualified
        with self._lock:
            first = name not in self._invoked
            self._invoked.add(name)
        return first


def _uuid_in(path: str) -> str:
    match = _MAPPING.match(path)
    return urllib.parse.unquote(match.group(1)) if match else ""


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(payload or b"null")
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
