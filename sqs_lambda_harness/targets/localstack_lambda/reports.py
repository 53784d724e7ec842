"""The platform's lines in a function's log, and the error payloads the platform (not the handler)
produces, in AWS Lambda's format.

Durations as AWS writes them: two decimals in ms; Billed Duration rounded up to the next ms and,
for an invoke that started a new process, including its Init Duration (AWS bills the init phase
of on-demand zip functions since August 2025).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Report:
    """What one invoke's REPORT line says."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    timed_out: bool = False

    @property
    def billed_ms(self) -> int:
        return math.ceil(self.duration_ms + (self.init_duration_ms or 0.0))

    def line(self) -> str:
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.timed_out:
            fields.append("Status: timeout")
        return "\t".join(fields) + "\n"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def timeout_line(request_id: str, timeout_seconds: float) -> str:
    """`2026-11-28T12:00:03.004Z <id> Task timed out after 3.00 seconds`."""
    return f"{_now()} {request_id} Task timed out after {timeout_seconds:.2f} seconds\n"


def timeout_payload(request_id: str, timeout_seconds: float) -> bytes:
    return _error(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds",
    )


def exit_payload(request_id: str, returncode: int | None) -> bytes:
    """A process that ended in the middle of an invoke, as AWS words it."""
    if returncode is not None and returncode < 0:
        how = f"signal: {_signal_name(-returncode)}"
    else:
        how = f"exit status {returncode}"
    return _error(
        "Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: {how}"
    )


def init_exit_payload(returncode: int | None, last_output: str) -> bytes:
    """A process that ended before its handler loaded, without posting an init error."""
    tail = "".join(f"\n{line}" for line in last_output.strip().splitlines()[-5:])
    return _error("Runtime.ExitError", f"Runtime exited with error: exit status {returncode}{tail}")


def init_timeout_payload(seconds: float) -> bytes:
    return _error("Sandbox.Timedout", f"Init phase did not finish within {seconds:.2f} seconds")


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _signal_name(number: int) -> str:
    names = {9: "killed", 15: "terminated", 6: "aborted", 11: "segmentation fault"}
    return names.get(number, str(number))
