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
from pathlib import Path

import pytest

from harness.stacks import new_run_id
from harness.targets import Target
from tests.signals import deliver_sigint

REPO = Path(__file__).resolve().parents[2]


CHILD_TESTS = Path(__file__).parent / "child_runs.py"  # not test_*.py: never collected itself


class Child:
    """A harness run in its own pytest process, pointed at this worker's emulator."""

    def __init__(self, target: Target, tmp: Path, mode: str, extra: list[str]) -> None:
        self.run_id = new_run_id()
        self.log = tmp / f"child-{mode}.log"
        env = {
            **os.environ,
            "HARNESS_RUN_ID": self.run_id,
            "HARNESS_RUN_STARTED_AT": "",
            "HARNESS_WORK_DIR": str(tmp / "work"),
            "CHILD_MODE": mode,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "PYTEST_XDIST_WORKER": "",
        }
        env.pop("PYTEST_XDIST_WORKER")
        env.pop("HARNESS_RUN_STARTED_AT")
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(CHILD_TESTS),
            "-p",
            "no:xdist",
            "-q",
            "-s",
            "--endpoint-url",
            target.endpoint or "",
            *extra,
        ]
        if "--target" not in extra:
            command += ["--target", "embedded"]
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

    def start(mode: str, *extra: str) -> Child:
        child = Child(harness_target, tmp_path, mode, list(extra))
        started.append(child)
        return child

    yield start
    for child in started:
        if child.process.poll() is None:
            child.kill_tree()
