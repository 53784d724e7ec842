"""The embedded target: a MiniStack process on a free loopback port, owned by the test session.

MiniStack runs Python Lambdas as local processes, so the whole SQS -> Lambda path works with no
Docker. The process dies with its parent (PR_SET_PDEATHSIG), so a killed session does not leave
an emulator holding a port; its whole process group (Lambda workers included) is stopped on exit.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.progress import say

HEALTH_PATH = "/_localstack/health"


class EmulatorDied(HarnessError):
    """The run's own emulator exited while the run still needed it."""


@dataclass
class Emulator:
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    start_seconds: float
    name: str = "MiniStack"
    stopping: bool = False

    def watch(self, on_death: Callable[[Emulator], None]) -> None:
        """Call `on_death` (from a daemon thread) if the process exits before `stop`."""

        def wait() -> None:
            self.process.wait()
            if not self.stopping:
                on_death(self)

        threading.Thread(target=wait, name=f"watch:{self.name}", daemon=True).start()

    def died(self) -> EmulatorDied:
        """The error a test meets once this emulator is gone: which one, how, its log tail."""
        return EmulatorDied(
            f"{self.name} at {self.endpoint} (pid {self.process.pid}) exited with code "
            f"{self.process.returncode} during the run; everything applied to it is gone.",
            details=f"last lines of {self.log_path}:\n" + tail(_last_bytes(self.log_path), 15),
            fix="read the emulator log; a kill from outside (OOM killer, a stray `pkill`) shows "
            "no error there. Other workers' emulators are not affected.",
        )

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the emulator's process group, then SIGKILL whatever of the group remains
        (Lambda workers outlive an emulator that was killed), and reap the emulator."""
        self.stopping = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _last_bytes(path: Path, size: int = 16384) -> str:
    """The end of a log that may be long, without reading all of it."""
    with path.open("rb") as log:
        log.seek(max(log.seek(0, os.SEEK_END) - size, 0))
        return log.read().decode(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def health_ok(endpoint: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def start_for(
    target_name: str, log_dir: Path, port: int | None = None, timeout: float = 60.0
) -> Emulator:
    """Start the emulator a target runs on when the harness starts it (one place knows which)."""
    if target_name == "embedded":
        return start_ministack(log_dir, port, timeout)
    raise HarnessError(
        f"The harness does not start an emulator for target {target_name}.",
        fix="give its endpoint with --harness-endpoint-url / HARNESS_ENDPOINT_URL.",
    )


def start_ministack(log_dir: Path, port: int | None = None, timeout: float = 60.0) -> Emulator:
    """Start MiniStack and return once its health endpoint answers.

    A given `port` that is taken is an error (the user asked for it); otherwise a free port is
    picked. Startup failures show the emulator's own log tail.
    """
    if port is not None and port_in_use(port):
        raise HarnessError(
            f"Port {port} on 127.0.0.1 is already in use, so MiniStack cannot start there.",
            fix="stop what holds it (another MiniStack? `ss -ltnp`), choose another port with "
            "HARNESS_EMULATOR_PORT, or unset it to pick a free port.",
        )
    chosen = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"ministack-{chosen}.log"
    env = {
        **os.environ,
        "GATEWAY_PORT": str(chosen),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "LOG_LEVEL": os.environ.get("HARNESS_EMULATOR_LOG_LEVEL", "INFO"),
    }
    # The harness's own AWS settings must not leak into the emulator's Lambda runtime.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(name, None)
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ministack"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    emulator = Emulator(f"http://127.0.0.1:{chosen}", process, log_path, 0.0)
    deadline = started + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(
                f"MiniStack exited with code {process.returncode} before it became healthy.",
                details=tail(log_path.read_text(errors="replace")),
                fix=f"read {log_path}; is `ministack` installed in this environment "
                "(pip install 'sqs-lambda-harness[embedded]')?",
            )
        if health_ok(emulator.endpoint, timeout=1.0):
            emulator.start_seconds = time.monotonic() - started
            say(
                f"MiniStack healthy at {emulator.endpoint} in {emulator.start_seconds:.2f}s "
                f"(log {log_path})"
            )
            return emulator
        time.sleep(0.05)
    emulator.stop()
    raise HarnessError(
        f"MiniStack did not answer {HEALTH_PATH} within {timeout:.0f}s.",
        details=tail(log_path.read_text(errors="replace")),
        fix=f"read {log_path}; a machine under heavy load may need HARNESS_EMULATOR_TIMEOUT.",
    )


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the parent dies, even by SIGKILL."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
