"""The emulators the harness starts itself: a host process on a free loopback port, owned by the
test session (one per xdist worker that needs one), for a target given without an endpoint.
Which program, environment and health path each target's emulator has is in the registry.

No Docker: MiniStack runs Python Lambdas as local processes; LocalStack and moto run from pinned
environments of their own (`envs`). Each process dies with its parent (PR_SET_PDEATHSIG), so a
killed session does not leave an emulator holding a port; its whole process group (Lambda
workers included) is stopped on exit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqs_lambda_harness import processes, waits
from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.log import say
from sqs_lambda_harness.targets import registry
from sqs_lambda_harness.targets.registry import EmulatorSpec, Launch
from sqs_lambda_harness.targets.target import Target, resolve_target, verify_target


class EmulatorDied(HarnessError):
    """The run's own emulator exited while the run still needed it."""


class ProcessOf:
    """The run's shared emulator as an xdist worker sees it: a process another pytest process
    (the controller) started and reaps, known by its pid. Enough of `Popen` for `Emulator`'s
    watch and its error; a worker never stops it."""

    POLL_SECONDS = 0.2  # how soon a worker notices the death (the guard's budget is seconds)

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None  # not ours to reap: the code stays unknown

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        except PermissionError:
            pass
        return None

    def wait(self) -> int:
        while self.poll() is None:
            time.sleep(self.POLL_SECONDS)
        return -1


@dataclass
class Emulator:
    endpoint: str
    process: subprocess.Popen[Any] | ProcessOf
    log_path: Path
    start_seconds: float
    product: str = "MiniStack"
    version: str = ""
    stopping: bool = False
    stop_grace: float = 10.0

    @property
    def name(self) -> str:
        return self.product

    @property
    def label(self) -> str:
        """`LocalStack 2026.3.0`: what the run report names as its emulator."""
        return f"{self.product} {self.version}".strip()

    def watch(self, on_death: Callable[[Emulator], None]) -> None:
        """Call `on_death` (from a daemon thread) if the process exits before `stop`."""

        def wait() -> None:
            self.process.wait()
            if not self.stopping:
                on_death(self)

        threading.Thread(target=wait, name=f"watch:{self.name}", daemon=True).start()

    def handed(self) -> dict[str, Any]:
        """What an xdist worker needs to use (and watch) this emulator the controller started:
        plain values, for `workerinput`."""
        return {
            "endpoint": self.endpoint,
            "pid": self.process.pid,
            "log": str(self.log_path),
            "start_seconds": self.start_seconds,
            "product": self.product,
            "version": self.version,
        }

    @classmethod
    def shared(cls, handed: dict[str, Any]) -> Emulator:
        """The controller's emulator, in a worker (`handed` from `Emulator.handed`)."""
        return cls(
            handed["endpoint"],
            ProcessOf(int(handed["pid"])),
            Path(handed["log"]),
            float(handed["start_seconds"]),
            handed["product"],
            handed["version"],
        )

    def died(self) -> EmulatorDied:
        """The error a test meets once this emulator is gone: which one, how, its log tail."""
        code = self.process.returncode
        how = "exited" if code is None else f"exited with code {code}"
        return EmulatorDied(
            f"{self.name} at {self.endpoint} (pid {self.process.pid}) {how} during the run; "
            "everything applied to it is gone.",
            details=f"last lines of {self.log_path}:\n" + tail(_last_bytes(self.log_path), 15),
            fix="read the emulator log; a kill from outside (OOM killer, a stray `pkill`) shows "
            "no error there.",
        )

    def log_size(self) -> int:
        """Where the emulator's log ends now: what it logs during a test starts here."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def logged_since(self, offset: int, lines: int = 40) -> str:
        """The last `lines` lines the emulator logged after `offset` (from `log_size`)."""
        try:
            return tail(_last_bytes(self.log_path, start=offset), lines)
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the emulator, then SIGKILL whatever of its process group remains (Lambda
        workers outlive an emulator that was killed), and reap it. A stop is not a death: the
        watcher stays quiet."""
        self.stopping = True
        processes.kill_group(self.process, signal.SIGTERM, self.stop_grace)


def _last_bytes(path: Path, size: int = 16384, start: int = 0) -> str:
    """The end of a log that may be long, without reading all of it; nothing before `start`."""
    with path.open("rb") as log:
        log.seek(max(log.seek(0, os.SEEK_END) - size, start))
        return log.read().decode(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def health_ok(
    endpoint: str, timeout: float = 2.0, path: str = registry.LOCALSTACK_HEALTH_PATH
) -> bool:
    try:
        with urllib.request.urlopen(endpoint + path, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def health_path(target_name: str) -> str:
    """Where a target's emulator says it is up (LocalStack's path for a target that has no
    emulator in the registry)."""
    spec = registry.find(target_name)
    return spec.health_path if spec else registry.LOCALSTACK_HEALTH_PATH


def start_for(
    target_name: str, log_dir: Path, port: int | None = None, timeout: float = 60.0
) -> Emulator:
    """Start the emulator a target runs on when the harness starts it, as a host process,
    once its environment is installed; returns when its health path answers."""
    spec = registry.find(target_name)
    if spec is None:
        raise HarnessError(
            f"The harness does not start an emulator for target {target_name}.",
            fix="give its endpoint with --harness-endpoint-url / HARNESS_ENDPOINT_URL.",
        )
    environment = spec.install.ensure()
    chosen = _port(port, spec.product)
    launch = Launch(chosen, environment, log_dir.parent / "emulators" / f"{spec.name}-{chosen}")
    return _launch(spec, launch, log_dir, timeout)


def _launch(spec: EmulatorSpec, launch: Launch, log_dir: Path, timeout: float) -> Emulator:
    """Start the process in its own session (it dies with us), and return once its health
    path answers; startup failures show the emulator's own log tail."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{spec.product.lower()}-{launch.port}.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = processes.start(
            spec.command(launch), env=spec.environment(launch), output=log, die_with_parent=True
        )
    emulator = Emulator(
        f"http://127.0.0.1:{launch.port}",
        process,
        log_path,
        0.0,
        spec.product,
        spec.version,
        stop_grace=spec.stop_grace,
    )

    def healthy() -> bool:
        if process.poll() is not None:
            raise HarnessError(
                f"{spec.product} exited with code {process.returncode} before it became healthy.",
                details=tail(log_path.read_text(errors="replace")),
                fix=f"read {log_path}; {spec.install.start_fix(launch.environment)}",
            )
        return health_ok(emulator.endpoint, timeout=1.0, path=spec.health_path)

    try:
        waits.until(healthy, timeout=timeout, what=f"{spec.product} answering {spec.health_path}")
    except waits.WaitTimeout as error:
        emulator.stop()
        raise HarnessError(
            f"{spec.product} did not answer {spec.health_path} within {timeout:.0f}s.",
            details=tail(log_path.read_text(errors="replace")),
            fix=f"read {log_path}; a machine under heavy load may need HARNESS_EMULATOR_TIMEOUT.",
        ) from error
    except BaseException:
        emulator.stop()  # exited early, or Ctrl-C while waiting: nothing of it stays behind
        raise
    emulator.start_seconds = time.monotonic() - started
    say(
        f"{emulator.label} healthy at {emulator.endpoint} in {emulator.start_seconds:.2f}s "
        f"(log {log_path})"
    )
    return emulator


def _port(port: int | None, product: str) -> int:
    """A given port that is taken is an error (the user asked for it); else a free one."""
    if port is not None and port_in_use(port):
        raise HarnessError(
            f"Port {port} on 127.0.0.1 is already in use, so {product} cannot start there.",
            fix=f"stop what holds it (another {product}? `ss -ltnp`), choose another port with "
            "HARNESS_EMULATOR_PORT, or unset it to pick a free port.",
        )
    return port or free_port()


class Started(NamedTuple):
    """A target on an emulator the harness started: verified, with its endpoint."""

    target: Target
    emulator: Emulator
    account: str


@contextlib.contextmanager
def started(
    target_name: str,
    log_dir: Path,
    *,
    port: int | None = None,
    timeout: float = 60.0,
    region: str | None = None,
) -> Iterator[Started]:
    """Start `target_name`'s emulator, and yield its target resolved and verified at the
    emulator's endpoint (with the capabilities of the host process the harness runs); the
    emulator is stopped on every way out of the block."""
    target = resolve_target(target_name, region=region)
    emulator = start_for(target.name, log_dir, port, timeout)
    try:
        at_endpoint = dataclasses.replace(target, endpoint=emulator.endpoint)
        yield Started(at_endpoint, emulator, verify_target(at_endpoint))
    finally:
        emulator.stop()
