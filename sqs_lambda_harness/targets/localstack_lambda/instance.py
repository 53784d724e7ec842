"""One running function: a runtime client process and the Runtime API it polls, from init to
kill. It knows nothing of LocalStack, so tests drive it directly.

An invoke that outlives the function's timeout kills the process group: the caller sees
`alive` turn false and starts a fresh instance for the next invoke, as Lambda does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import reports
from .process import FunctionProcess
from .runtime_api import Invocation, RuntimeApi

RUNTIME_CLIENT = "awslambdaric"


@dataclass(frozen=True)
class LaunchSpec:
    """How to start the function: the runtime's interpreter, its handler, code and variables."""

    python: Path
    handler: str
    code_dir: Path
    env: dict[str, str]
    init_timeout: float


@dataclass(frozen=True)
class Request:
    """One invoke as the platform sees it."""

    request_id: str
    payload: bytes
    function_arn: str
    trace_id: str
    timeout_seconds: float
    memory_size_mb: int
    version: str = "$LATEST"


@dataclass(frozen=True)
class InvokeOutcome:
    payload: bytes
    is_error: bool
    logs: str
    timed_out: bool = False


class InitFailed(Exception):
    """The handler did not load: the payload is the error the invoke returns."""

    def __init__(self, payload: bytes, logs: str) -> None:
        super().__init__(payload.decode(errors="replace"))
        self.payload = payload
        self.logs = logs


class FunctionInstance:
    """Starts the process; `initialise` waits for its init; `invoke` runs one event at a time.
    Two steps, so that a `kill` from another thread can end a wait for a slow init."""

    def __init__(self, spec: LaunchSpec) -> None:
        self.spec = spec
        self.returncode: int | None = None
        self.api = RuntimeApi()
        self.api.start()
        self._started = time.monotonic()
        env = {**spec.env, "AWS_LAMBDA_RUNTIME_API": self.api.address}
        self.process = FunctionProcess(
            spec.python, [RUNTIME_CLIENT, spec.handler], spec.code_dir, env, self._exited
        )
        self.init_duration_ms: float | None = None
        self._init_output = ""

    def initialise(self) -> None:
        """Wait until the handler has loaded; InitFailed (process killed) if it does not."""
        initialised = self.api.wait_initialised(self.spec.init_timeout)
        self.init_duration_ms = (time.monotonic() - self._started) * 1000
        if not initialised:
            self._fail_init(self.spec.init_timeout)
        self._init_output = self.process.output.take()

    @property
    def alive(self) -> bool:
        return self.api.ended is None and self.process.alive

    def kill(self) -> None:
        self.process.kill()
        self.api.end("stopped")

    def invoke(self, request: Request) -> InvokeOutcome:
        preamble, self._init_output = self._init_output, ""
        init_ms, self.init_duration_ms = self.init_duration_ms, None  # reported once
        invocation = Invocation(
            request.request_id,
            request.payload,
            request.function_arn,
            request.trace_id,
            deadline_ms=int((time.time() + request.timeout_seconds) * 1000),
        )
        started = time.monotonic()
        self.api.submit(invocation)
        finished = invocation.done.wait(request.timeout_seconds)
        duration_ms = (time.monotonic() - started) * 1000
        memory = self.process.max_memory_mb()
        if not finished:
            self.kill()
        output = self.process.output.take()
        payload, is_error, note = self._result(request, invocation, finished)
        report = reports.Report(
            request.request_id,
            duration_ms,
            request.memory_size_mb,
            memory,
            init_ms,
            timed_out=not finished,
        )
        logs = "".join(
            [
                preamble,
                reports.start_line(request.request_id, request.version),
                _with_newline(output),
                note,
                reports.end_line(request.request_id),
                report.line(),
            ]
        )
        return InvokeOutcome(payload, is_error, logs, timed_out=not finished)

    def _result(
        self, request: Request, invocation: Invocation, finished: bool
    ) -> tuple[bytes, bool, str]:
        """(payload, is_error, a platform line for the log) of an invoke."""
        if not finished:
            return (
                reports.timeout_payload(request.request_id, request.timeout_seconds),
                True,
                reports.timeout_line(request.request_id, request.timeout_seconds),
            )
        outcome = invocation.outcome
        assert outcome is not None
        if outcome.error_type == "Runtime.Exited":  # the process ended mid-invoke
            self.process.popen.wait()
            payload = reports.exit_payload(request.request_id, self.process.popen.returncode)
            return payload, True, payload.decode() + "\n"
        return outcome.body, outcome.is_error, ""

    def _exited(self, returncode: int) -> None:
        self.returncode = returncode
        self.api.end(f"exited with code {returncode}")

    def _fail_init(self, timeout: float) -> None:
        init_error = self.api.init_error
        ended = self.api.ended is not None
        self.kill()
        logs = self.process.output.take()
        if init_error is not None:
            raise InitFailed(init_error.body, logs)
        if ended:
            raise InitFailed(reports.init_exit_payload(self.process.popen.returncode, logs), logs)
        raise InitFailed(reports.init_timeout_payload(timeout), logs)


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
