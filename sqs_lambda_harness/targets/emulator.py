"""The emulators the harness starts itself: a host process on a free loopback port, owned by the
test session (one per xdist worker that needs one): MiniStack for `embedded`, LocalStack for
`localstack` and moto for `moto` when no endpoint is given.

No Docker: MiniStack runs Python Lambdas as local processes; LocalStack and moto run from pinned
environments of their own (`emulator_envs`). Each process dies with its parent
(PR_SET_PDEATHSIG), so a killed session does not leave an emulator holding a port; its whole
process group (Lambda workers included) is stopped on exit.
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
from importlib import metadata
from pathlib import Path

from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.log import say
from sqs_lambda_harness.targets import envs as emulator_envs

HEALTH_PATH = "/_localstack/health"
MOTO_HEALTH_PATH = "/moto-api/"


class EmulatorDied(HarnessError):
    """The run's own emulator exited while the run still needed it."""


@dataclass
class Emulator:
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    start_seconds: float
    product: str = "MiniStack"
    version: str = ""
    stopping: bool = False

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


def health_ok(endpoint: str, timeout: float = 2.0, path: str = HEALTH_PATH) -> bool:
    try:
        with urllib.request.urlopen(endpoint + path, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def start_for(
    target_name: str, log_dir: Path, port: int | None = None, timeout: float = 60.0
) -> Emulator:
    """Start the emulator a target runs on when the harness starts it (one place knows which):
    embedded -> MiniStack, localstack -> LocalStack, moto -> moto, each as a host process."""
    starters = {"embedded": start_ministack, "localstack": start_localstack, "moto": start_moto}
    if target_name in starters:
        return starters[target_name](log_dir, port, timeout)
    raise HarnessError(
        f"The harness does not start an emulator for target {target_name}.",
        fix="give its endpoint with --harness-endpoint-url / HARNESS_ENDPOINT_URL.",
    )


def health_path(target_name: str) -> str:
    """Where a target's emulator says it is up: MiniStack and LocalStack share LocalStack's
    health path; moto answers its own dashboard (it has no health endpoint)."""
    return MOTO_HEALTH_PATH if target_name == "moto" else HEALTH_PATH


def start_ministack(log_dir: Path, port: int | None = None, timeout: float = 60.0) -> Emulator:
    """MiniStack from this environment (the `embedded` extra); it runs Python Lambdas as local
    processes, so the whole SQS -> Lambda path works with no Docker."""
    chosen = _port(port, "MiniStack")
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
    return _launch(
        Launch("MiniStack", _installed_version("ministack"), [sys.executable, "-m", "ministack"]),
        env,
        chosen,
        log_dir,
        timeout,
        fix="is `ministack` installed in this environment (pip install "
        "'sqs-lambda-harness[embedded]')?",
    )


def start_localstack(log_dir: Path, port: int | None = None, timeout: float = 60.0) -> Emulator:
    """LocalStack as a host process, from its own pinned environment (built on first use).

    Every setting keeps it on the loopback and inside the run directory: the default gateway
    server binds 0.0.0.0 whatever GATEWAY_LISTEN says (hence hypercorn), DNS_ADDRESS=0 stops
    its DNS server on 0.0.0.0:53, OVERRIDE_IN_DOCKER=0 stops it writing into system
    directories, SQS_ENDPOINT_STRATEGY=off makes queue URLs http://127.0.0.1:<port>/<account>/
    <name> (no *.localhost.localstack.cloud name to resolve). It runs SQS like AWS; its Lambda
    runtime needs Docker, so functions end in state Failed (declared in targets.py)."""
    spec = emulator_envs.LOCALSTACK
    environment = emulator_envs.ensure(spec)
    chosen = _port(port, spec.product)
    root = _data_dir(log_dir, spec.name, chosen)
    env = {
        **_clean_env(root, environment),
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(root / "filesystem"),
        "GATEWAY_LISTEN": f"127.0.0.1:{chosen}",
        "GATEWAY_SERVER": "hypercorn",
        "LOCALSTACK_HOST": f"127.0.0.1:{chosen}",
        "SQS_ENDPOINT_STRATEGY": "off",
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
    }
    python = str(environment / "bin" / "python")
    return _launch(
        Launch(spec.product, spec.version, [python, "-m", "localstack.runtime.main"]),
        env,
        chosen,
        log_dir,
        timeout,
        fix=f"the environment is {environment}; delete it to rebuild it on the next run.",
    )


def start_moto(log_dir: Path, port: int | None = None, timeout: float = 60.0) -> Emulator:
    """moto's server from its own pinned environment: SQS in real time; its Lambda needs Docker
    or is a stub that never runs the handler (declared in targets.py)."""
    spec = emulator_envs.MOTO
    environment = emulator_envs.ensure(spec)
    chosen = _port(port, spec.product)
    root = _data_dir(log_dir, spec.name, chosen)
    command = [str(environment / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(chosen)]
    return _launch(
        Launch(spec.product, spec.version, command, MOTO_HEALTH_PATH),
        _clean_env(root, environment),
        chosen,
        log_dir,
        timeout,
        fix=f"the environment is {environment}; delete it to rebuild it on the next run.",
    )


@dataclass(frozen=True)
class Launch:
    """What to run for one emulator, and how to tell it is up."""

    product: str
    version: str
    command: list[str]
    health_path: str = HEALTH_PATH


def _launch(
    launch: Launch, env: dict[str, str], port: int, log_dir: Path, timeout: float, fix: str
) -> Emulator:
    """Start the process in its own session (it dies with us), and return once its health
    path answers; startup failures show the emulator's own log tail."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{launch.product.lower()}-{port}.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            launch.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    emulator = Emulator(
        f"http://127.0.0.1:{port}", process, log_path, 0.0, launch.product, launch.version
    )
    deadline = started + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(
                f"{launch.product} exited with code {process.returncode} before it became healthy.",
                details=tail(log_path.read_text(errors="replace")),
                fix=f"read {log_path}; {fix}",
            )
        if health_ok(emulator.endpoint, timeout=1.0, path=launch.health_path):
            emulator.start_seconds = time.monotonic() - started
            say(
                f"{emulator.label} healthy at {emulator.endpoint} in "
                f"{emulator.start_seconds:.2f}s (log {log_path})"
            )
            return emulator
        time.sleep(0.05)
    emulator.stop()
    raise HarnessError(
        f"{launch.product} did not answer {launch.health_path} within {timeout:.0f}s.",
        details=tail(log_path.read_text(errors="replace")),
        fix=f"read {log_path}; a machine under heavy load may need HARNESS_EMULATOR_TIMEOUT.",
    )


def _port(port: int | None, product: str) -> int:
    """A given port that is taken is an error (the user asked for it); else a free one."""
    if port is not None and port_in_use(port):
        raise HarnessError(
            f"Port {port} on 127.0.0.1 is already in use, so {product} cannot start there.",
            fix=f"stop what holds it (another {product}? `ss -ltnp`), choose another port with "
            "HARNESS_EMULATOR_PORT, or unset it to pick a free port.",
        )
    return port or free_port()


def _data_dir(log_dir: Path, name: str, port: int) -> Path:
    """The emulator's own files, next to the run's logs (so they go with the run directory)."""
    root = log_dir.parent / "emulators" / f"{name}-{port}"
    for sub in ("home", "cache", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def _clean_env(root: Path, environment: Path) -> dict[str, str]:
    """A fresh environment: nothing of ours (AWS_*, HARNESS_*, a user's LocalStack settings)
    leaks into the emulator, and its home, caches and temporary files stay under `root`."""
    return {
        "PATH": f"{environment / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(root / "home"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "TMPDIR": str(root / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }


def _installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the parent dies, even by SIGKILL."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
