"""The Lambda Runtime API (version 2018-06-01) for one function process, on a loopback port.

The runtime client in the process (awslambdaric) long-polls `invocation/next`, runs the handler
and posts `invocation/{id}/response` or `/error`; a handler that fails to import posts
`init/error`. One server per process: a process that died while polling `next` leaves a
connection behind that must not take the next process's event.

Nagle's algorithm is off on every connection: the client writes headers and body separately,
and delayed ACKs would add ≈ 40 ms to each warm invoke.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


@dataclass
class Outcome:
    """What the runtime posted for one invocation: a response, or an error with its type."""

    body: bytes
    is_error: bool
    error_type: str = ""


@dataclass
class Invocation:
    """One event on its way to the handler, and the outcome the runtime posts for it."""

    request_id: str
    payload: bytes
    function_arn: str
    trace_id: str
    deadline_ms: int
    outcome: Outcome | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def finish(self, outcome: Outcome) -> None:
        if self.outcome is None:
            self.outcome = outcome
            self.done.set()


class RuntimeApi:
    """The API one process talks to. `wait_initialised` tells whether the handler loaded (the
    first `next`), failed to (`init/error`), or the process ended first (`end`)."""

    def __init__(self) -> None:
        self._pending: queue.Queue[Invocation | None] = queue.Queue()
        self._inflight: dict[str, Invocation] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.initialised = False
        self.init_error: Outcome | None = None
        self.ended: str | None = None
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lambda-runtime-api", daemon=True
        )

    @property
    def address(self) -> str:
        """`host:port`, the value of AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def wait_initialised(self, timeout: float) -> bool:
        """True once the process polls `next`; False on an init error, its end, or timeout."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.initialised or self.init_error is not None or self.ended is not None,
                timeout,
            )
            return self.initialised and self.ended is None

    def submit(self, invocation: Invocation) -> None:
        """Hand an event to the next (or the waiting) `next` call."""
        with self._lock:
            if self.ended is not None:
                invocation.finish(Outcome(b"", is_error=True, error_type="Runtime.Exited"))
                return
            self._inflight[invocation.request_id] = invocation
        self._pending.put(invocation)

    def end(self, reason: str) -> None:
        """The process is gone (or going): fail what it holds and stop serving."""
        with self._changed:
            if self.ended is not None:
                return
            self.ended = reason
            inflight, self._inflight = list(self._inflight.values()), {}
            self._changed.notify_all()
        for invocation in inflight:
            invocation.finish(Outcome(b"", is_error=True, error_type="Runtime.Exited"))
        self._pending.put(None)  # wakes a `next` that is waiting
        threading.Thread(target=self._close_server, name="lambda-runtime-api-close").start()

    def _close_server(self) -> None:
        """In the background: `shutdown` waits for the serving loop's next poll."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    # Called from the request handler threads.

    def next_invocation(self) -> Invocation | None:
        with self._changed:
            self.initialised = True
            self._changed.notify_all()
        invocation = self._pending.get()
        if invocation is None:
            self._pending.put(None)  # for any other waiting `next`
        return invocation

    def finish(self, request_id: str, outcome: Outcome) -> bool:
        with self._lock:
            invocation = self._inflight.pop(request_id, None)
        if invocation is None:
            return False
        invocation.finish(outcome)
        return True

    def fail_init(self, outcome: Outcome) -> None:
        with self._changed:
            if self.init_error is None:
                self.init_error = outcome
            self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api: RuntimeApi

    def handle_error(self, request: object, client_address: object) -> None:
        """A killed process's connection breaks mid-answer: expected, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connection
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: LocalStack's log is not the place for one line per poll."""

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._answer(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        invocation = self.server.api.next_invocation()
        if invocation is None:
            self._answer(410, {"errorType": "Runtime.Stopped", "errorMessage": "shutting down"})
            self.close_connection = True
            return
        self._answer(
            200,
            invocation.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                "Lambda-Runtime-Trace-Id": invocation.trace_id,
            },
        )

    def do_POST(self) -> None:
        body = self._body()
        api = self.server.api
        parts = self.path.removeprefix(PREFIX).strip("/").split("/")
        error_type = self.headers.get(ERROR_TYPE_HEADER, "")
        if parts == ["init", "error"]:
            api.fail_init(Outcome(body, is_error=True, error_type=error_type))
            self._answer(202, {"status": "OK"})
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            outcome = Outcome(body, is_error=parts[2] == "error", error_type=error_type)
            if api.finish(parts[1], outcome):
                self._answer(202, {"status": "OK"})
            else:
                self._answer(
                    400, {"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"}
                )
        else:
            self._answer(404, {"errorType": "NotFound", "errorMessage": self.path})

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._chunked_body()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _chunked_body(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _answer(
        self, status: int, body: bytes | dict[str, str], headers: dict[str, str] | None = None
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
