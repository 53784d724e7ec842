"""Integration tests of the harness itself, against a real emulator and real applies.

`child_runs.py` holds tests that these tests run in a separate pytest process (to fail it,
interrupt it or kill it); its name keeps the parent run from collecting it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sqs_lambda_harness.targets import Target
from sqs_lambda_harness.terraform.naming import new_run_id
from tests.signals import deliver_sigint

REPO = Path(__file__).resolve().parents[2]


CHILD_TESTS = Path(__file__).parent / "child_runs.py"  # not test_*.py: never collected itself


class Child:
    """A harness run in its own pytest process, pointed at this worker's emulator (or, with
    `own_emulator`, starting its own, as a user's run does). It writes its leftovers ledger
    and marker files (`child_runs.mark`) into the test's tmp directory."""

    def __init__(
        self, target: Target, tmp: Path, mode: str, extra: list[str], own_emulator: bool
    ) -> None:
        self.run_id = new_run_id()
        self.log = tmp / f"child-{mode}.log"
        self.work = tmp / "work"
        self.markers = tmp / "markers"
        self.markers.mkdir()
        self.ledger = tmp / "ledger.jsonl"
        env = {
            **os.environ,
            "HARNESS_RUN_ID": self.run_id,
            "HARNESS_WORK_DIR": str(self.work),
            "HARNESS_LEDGER": str(self.ledger),
            "CHILD_MODE": mode,
            "CHILD_MARKERS": str(self.markers),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        }
        for inherited in ("PYTEST_XDIST_WORKER", "HARNESS_RUN_STARTED_AT", "HARNESS_TEARDOWN"):
            env.pop(inherited, None)
        command = [sys.executable, "-m", "pytest", str(CHILD_TESTS), "-q", "-s", *extra]
        if "-n" not in extra:
            command += ["-p", "no:xdist"]
        if not own_emulator:
            command += ["--harness-endpoint-url", target.endpoint or ""]
        if "--harness-target" not in extra:
            command += ["--harness-target", "embedded"]
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=deliver_sigint,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def await_marker(self, name: str, timeout: float) -> str:
        """The text of marker `name` once the child wrote it."""
        marker = self.markers / name
        deadline = time.monotonic() + timeout
        while not marker.exists():
            if self.process.poll() is not None:
                raise AssertionError(f"child exited before marker {name}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no marker {name} after {timeout:.0f}s:\n{self.output()[-3000:]}"
                )
            time.sleep(0.05)
        return marker.read_text()

    def mark(self, name: str) -> None:
        (self.markers / name).write_text("")

    def wait_for_first_resource(self, timeout: float = 240) -> None:
        """Until Terraform reports its first created resource: the middle of an apply.
        ("apply_complete" alone is not enough: data-source reads are reported with it too.)"""
        logs = self.work / self.run_id / "logs"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = list(logs.glob("hx-*.log")) if logs.exists() else []
            if any("Creation complete after" in p.read_text(errors="replace") for p in found):
                return
            assert self.process.poll() is None, self.output()
            time.sleep(0.05)
        raise AssertionError("the child never started creating resources")

    def process_tree(self) -> list[Process]:
        """The child and every process under it, now."""
        return [Process.of(pid) for pid in [self.process.pid, *_descendants(self.process.pid)]]

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None:
                raise AssertionError(f"child exited before {text!r}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"child never printed {text!r}:\n{self.output()[-3000:]}")
            time.sleep(0.1)

    def wait(self, timeout: float = 300) -> int:
        return self.process.wait(timeout=timeout)

    def kill_tree(self) -> None:
        """SIGKILL the child and everything under it, like a CI runner killing a job."""
        for pid in [*_descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@dataclass(frozen=True)
class Process:
    """A process as /proc shows it; `start` tells a reused pid from the original."""

    pid: int
    start: str
    command: str

    @classmethod
    def of(cls, pid: int) -> Process:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return cls(pid, "", "")
        return cls(pid, stat[19], command.strip())

    def alive(self) -> bool:
        """Still running (a zombie has finished: only its exit status is left)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return False
        return stat[19] == self.start and stat[0] != "Z"

    def environment(self) -> dict[str, str]:
        try:
            raw = Path(f"/proc/{self.pid}/environ").read_bytes()
        except OSError:
            return {}
        pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0"))
        return {key: value for key, _, value in pairs if key}


def processes_with_env(name: str, value: str) -> list[Process]:
    """Every live process on the machine whose environment has `name=value`."""
    found = [Process.of(int(p.name)) for p in Path("/proc").glob("[0-9]*")]
    return [p for p in found if p.alive() and p.environment().get(name) == value]


def processes_of_run(work: Path) -> list[Process]:
    """Every live process whose environment points into a run's work directory: the emulator,
    its Lambda runtimes (their HOME and TMPDIR are there), the CLI's plugins."""
    found = [Process.of(int(p.name)) for p in Path("/proc").glob("[0-9]*")]
    return [
        p
        for p in found
        if p.alive() and any(value.startswith(str(work)) for value in p.environment().values())
    ]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


@pytest.fixture
def child_run(harness_target: Target, tmp_path: Path) -> Iterator[Callable[..., Child]]:
    started: list[Child] = []

    def start(mode: str, *extra: str, own_emulator: bool = False) -> Child:
        child = Child(harness_target, tmp_path, mode, list(extra), own_emulator)
        started.append(child)
        return child

    yield start
    for child in started:
        if child.process.poll() is None:
            child.kill_tree()
