"""A reverse proxy on the loopback that puts AWS's clock in front of an emulator.

An emulator answers every call at once and never refuses one; AWS takes a round trip, throttles,
fails now and then with a 5xx, keeps a new event source mapping `Creating` and a deleted one
`Deleting` for a while, refuses a role IAM has not yet propagated to Lambda, and starts a
function cold. The proxy forwards every request to the emulator and rehearses those, at the
rates and for the times a `Rehearsal` states, so that the clients the harness really uses (the
Terraform provider, boto3) meet them and must cope: the suite's lifecycle has to pass through it.

Only AWS API calls (SigV4-signed requests) are delayed or refused; a health check, or anything
else, passes straight through. A refused call never reaches the emulator, so a client's retry
cannot apply anything twice. Decisions come from a random stream per client seeded by the
rehearsal (`fates`): a client's calls, in the same order, meet the same faults. Everything
injected is counted per kind and per client (`Counts`), and can be written as JSON.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.rehearsal import protocols
from sqs_lambda_harness.rehearsal.clock import AwsStates, Counts, Rehearsal, fates
from sqs_lambda_harness.rehearsal.protocols import CLIENTS, Answer

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",  # recomputed: the body may be rewritten
}
UPSTREAM_TIMEOUT = 120.0  # longer than any 20 s long poll plus an emulator's slow moment


def _loopback(host: str, what: str) -> None:
    """Refuse anything but a loopback address: the proxy is for rehearsals on this machine."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise HarnessError(
            f"The rehearsal proxy's {what} {host!r} is not a loopback address; it only ever "
            "binds to and forwards to this machine.",
            fix="use 127.0.0.1 (or ::1, localhost), e.g. the emulator's endpoint "
            "http://127.0.0.1:PORT.",
        )


class RehearsalProxy:
    """`with RehearsalProxy("http://127.0.0.1:4566", Rehearsal.of(time_scale=0.2)) as proxy:`
    point clients at `proxy.url`; `proxy.counts` says what was injected. On exit the server is
    shut down, its open connections closed and its threads joined.

    An https upstream (an emulator enforcing IAM, whose policies deny requests without TLS, as
    AWS's do) is reached trusting `ca_bundle`, and the proxy serves TLS itself with
    `certificate` (cert, key): the emulator still sees every request over TLS."""

    def __init__(
        self,
        upstream: str,
        rehearsal: Rehearsal | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        certificate: tuple[Path, Path] | None = None,
        ca_bundle: Path | None = None,
    ) -> None:
        split = urllib.parse.urlsplit(upstream)
        tls = split.scheme == "https"
        if (
            split.scheme not in ("http", "https")
            or not split.hostname
            or split.path not in ("", "/")
        ):
            raise HarnessError(
                f"The rehearsal proxy's upstream {upstream!r} is not an http(s)://host:port URL.",
                fix="give the emulator's endpoint, e.g. http://127.0.0.1:4566.",
            )
        if tls and (certificate is None or ca_bundle is None):
            raise HarnessError(
                f"The rehearsal proxy's upstream {upstream} speaks TLS: the proxy needs a "
                "certificate to serve and the CA bundle to trust it with.",
                fix="pass certificate=(cert, key) and ca_bundle= (the emulator's own will do).",
            )
        _loopback(split.hostname, "upstream")
        _loopback(host, "bind address")
        self.upstream = (split.hostname, split.port or (443 if tls else 80))
        self._upstream_tls = ssl.create_default_context(cafile=str(ca_bundle)) if tls else None
        self.rehearsal = rehearsal or Rehearsal()
        self.counts = Counts(self.rehearsal)
        self._clock = AwsStates(self.rehearsal, self.counts)
        self._fates = {client: fates(self.rehearsal, client) for client in CLIENTS}
        self._lock = threading.Lock()
        self._server = _Server((host, port), self)
        if certificate is not None:
            self._server.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._server.tls.load_cert_chain(*(str(path) for path in certificate))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self._server.tls else 'http'}://{host}:{port}"

    def start(self) -> RehearsalProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="rehearsal-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.close_connections()
        self._server.server_close()  # joins the connection threads

    def __enter__(self) -> RehearsalProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------------- one request

    def serve(self, handler: _Handler, body: bytes) -> None:
        """Answer one request: pass it through, or rehearse AWS on it."""
        method, path = handler.command, handler.path
        call = protocols.read_call(method, path, handler.headers, body)
        if call is None:
            self.counts.passed()
            _reply(handler, *self._forward(handler, body))
            return
        delay, fault, status = self._draw(call.client)
        self.counts.call(call, delay)
        time.sleep(delay)
        answer: Answer | None
        if fault is not None:
            self.counts.inject(fault, call)
            throttled = fault == "throttle"
            answer = (
                protocols.throttled(call) if throttled else protocols.server_error(call, status)
            )
        else:
            answer = self._clock.before(call, path, body)
        if answer is not None:
            _reply(handler, answer.status, "", list(answer.headers), answer.body)
            return
        status, reason, headers, payload = self._forward(handler, body)
        _reply(handler, status, reason, headers, self._clock.after(call, path, status, payload))

    def _draw(self, client: str) -> tuple[float, str | None, int]:
        with self._lock:
            return next(self._fates[client])

    def _forward(
        self, handler: _Handler, body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """The emulator's answer to the request as it came (the Host header too, so that what
        the emulator builds from it, queue URLs, names the proxy)."""
        connection = (
            http.client.HTTPSConnection(
                *self.upstream, timeout=UPSTREAM_TIMEOUT, context=self._upstream_tls
            )
            if self._upstream_tls
            else http.client.HTTPConnection(*self.upstream, timeout=UPSTREAM_TIMEOUT)
        )
        try:
            connection.putrequest(
                handler.command, handler.path, skip_host=True, skip_accept_encoding=True
            )
            for name, value in handler.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    connection.putheader(name, value)
            if body or "Content-Length" in handler.headers:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            payload = response.read()
            return response.status, response.reason, response.getheaders(), payload
        except OSError as error:
            message = f"rehearsal proxy: upstream {self.upstream} failed: {error}".encode()
            return 502, "Bad Gateway", [("Content-Type", "text/plain")], message
        finally:
            connection.close()


def _reply(
    handler: _Handler, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes
) -> None:
    handler.send_response_only(status, reason or None)
    for name, value in headers:
        if name.lower() not in HOP_BY_HOP:
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(payload)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs expect
    timeout = UPSTREAM_TIMEOUT  # an idle keep-alive connection ends after this
    server: _Server

    def _serve(self) -> None:
        self.server.proxy.serve(self, self._body())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers, up to the empty line
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()  # here, in this connection's thread
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: `Counts` is the record."""


class _Server(ThreadingHTTPServer):
    """One thread per connection; joined on close (`block_on_close`), after `close_connections`
    has ended the idle keep-alive ones."""

    daemon_threads = False
    block_on_close = True
    tls: ssl.SSLContext | None = None  # serve TLS (the handshake runs in the connection's thread)

    def __init__(self, address: tuple[str, int], proxy: RehearsalProxy) -> None:
        self.proxy = proxy
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self.tls is not None:
            connection = self.tls.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        return connection, address

    def opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is not news; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)
