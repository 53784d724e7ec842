"""MiniStack with IAM enforcement (AUTH=true) over TLS, for the CI role's proof.

Started from the registry's own spec for the `embedded` target (same program, same pinned
environment, same settings), plus three things the harness's `start_for` does not offer:
`AUTH=true`, so credentials from `sts:AssumeRole` are held to their role's policy; `USE_SSL=1`
with a certificate made here, because the queues' own policy denies every request made without
TLS (`aws:SecureTransport`), as it should on AWS, where every request is TLS; and the health
check over https.
"""

from __future__ import annotations

import contextlib
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqs_lambda_harness import processes
from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.targets import emulator, registry
from sqs_lambda_harness.targets.registry import Launch


@dataclass(frozen=True)
class Enforcing:
    endpoint: str
    ca_bundle: Path  # the server's own certificate, self-signed
    log: Path
    key: Path  # its private key (a proxy in front serves TLS with the same pair)


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for 127.0.0.1 (what every client is told to trust)."""
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _healthy(url: str, context: ssl.SSLContext) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0, context=context) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def enforcing_ministack(directory: Path, timeout: float = 60.0) -> Iterator[Enforcing]:
    spec = registry.find("embedded")
    assert spec is not None
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = certificate(directory)
    port = emulator.free_port()
    launch = Launch(port, spec.install.ensure(), directory / "data")
    env = {
        **spec.environment(launch),
        "AUTH": "true",
        "USE_SSL": "1",
        "MINISTACK_SSL_CERT": str(cert),
        "MINISTACK_SSL_KEY": str(key),
        # The functions MiniStack runs as host processes inherit its environment: they trust
        # the certificate as the harness's clients do, and call back over TLS.
        "AWS_CA_BUNDLE": str(cert),
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    log = directory / f"ministack-auth-{port}.log"
    with log.open("wb") as output:
        process = processes.start(spec.command(launch), env=env, output=output)
    running = emulator.Emulator(f"https://127.0.0.1:{port}", process, log, 0.0, spec.product)
    context = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(running.endpoint + spec.health_path, context):
            if process.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(
                    f"MiniStack with AUTH=true did not become healthy at {running.endpoint}.",
                    details=tail(log.read_text(errors="replace")),
                    fix=f"read {log}",
                )
            time.sleep(0.2)
        yield Enforcing(running.endpoint, cert, log, key)
    finally:
        running.stop()
