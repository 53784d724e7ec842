"""The emulator guard: the run's own emulator dying fails the next request at once, stops the
worker's stack manager, and errors every later test of the worker that needs the target."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqs_lambda_harness import waits
from sqs_lambda_harness.pytest_plugin.guard import EmulatorGuard
from sqs_lambda_harness.targets import Emulator, EmulatorDied, resolve_target
from sqs_lambda_harness.terraform.stacks import Run, StackManager

pytest_plugins = ["pytester"]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """A `sleep` process stands in for the emulator; no request reaches it."""
    (tmp_path / "emulator.log").write_text("serving\n")
    process = subprocess.Popen(["sleep", "60"])
    try:
        yield Emulator("http://127.0.0.1:9", process, tmp_path / "emulator.log", 0.1)
    finally:
        process.kill()
        process.wait()


def manager_for(tmp_path: Path) -> StackManager:
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    return StackManager(None, resolve_target("embedded"), run, tmp_path)  # type: ignore[arg-type]


def test_a_dead_emulator_fails_the_next_request_at_once_and_stops_the_manager(
    tmp_path: Path, emulator: Emulator
) -> None:
    """The guard raises at a point the harness controls (a request, a CLI start), with the
    emulator named."""
    manager = manager_for(tmp_path)
    guard = EmulatorGuard(emulator)
    guard.attach(manager)
    sqs = resolve_target("embedded", endpoint=emulator.endpoint).client("sqs")
    sqs.meta.events.register_first("before-send", guard.check)
    guard.check()  # alive: nothing to say

    emulator.process.kill()
    waits.until(lambda: manager.lost is not None, timeout=5, interval=0.01, what="the guard")

    began = time.monotonic()
    with pytest.raises(EmulatorDied, match=r"pid \d+\) exited with code -9[\s\S]*serving"):
        sqs.list_queues()
    assert time.monotonic() - began < 0.5  # raised before the request, not after retries
    assert manager.teardown == "discard"
    with pytest.raises(EmulatorDied):
        manager.apply("stacks/queue")


def test_a_manager_made_after_the_death_is_stopped_when_attached(
    tmp_path: Path, emulator: Emulator
) -> None:
    guard = EmulatorGuard(emulator)
    emulator.process.kill()
    waits.until(lambda: guard.dead, timeout=5, interval=0.01, what="the guard")

    manager = manager_for(tmp_path)
    guard.attach(manager)  # no watcher left to tell it: attaching does

    assert manager.teardown == "discard"
    with pytest.raises(EmulatorDied, match="exited with code -9"):
        manager.apply("stacks/queue")


def run_alone(pytester: pytest.Pytester, conftest: str, **test_files: str) -> pytest.RunResult:
    """A pytest run of `test_files` with `conftest`, in its own process, without xdist."""
    pytester.makeconftest(conftest)
    pytester.makepyfile(**test_files)
    return pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")


DEAD_GUARD = """
import pytest
from sqs_lambda_harness.pytest_plugin.session import session_of

class DeadGuard:
    dead = True

    def check(self, **_):
        raise RuntimeError("the emulator is gone")

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    session_of(config).guard = DeadGuard()
"""

NEEDS_THE_TARGET = """
def test_needs_the_target(harness_target):
    pass

def test_needs_nothing():
    pass
"""


def test_after_a_death_a_test_needing_the_target_errors_before_its_fixtures(
    pytester: pytest.Pytester,
) -> None:
    """The setup hook raises before `harness_target` would start an emulator."""
    result = run_alone(pytester, DEAD_GUARD, test_after_death=NEEDS_THE_TARGET)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: the emulator is gone*"])
    assert "MiniStack" not in result.stdout.str() + result.stderr.str()


def test_a_worker_watches_the_runs_shared_emulator_by_its_pid(emulator: Emulator) -> None:
    """Another process (the xdist controller) owns the run's emulator: a worker rebuilds it from
    what it was handed and meets its death through the pid, without reaping it."""
    shared = Emulator.shared(emulator.handed())
    assert (shared.endpoint, shared.process.pid) == (emulator.endpoint, emulator.process.pid)
    guard = EmulatorGuard(shared)
    guard.check()  # alive: nothing to raise
    emulator.process.kill()
    emulator.process.wait()  # the owner reaps it
    waits.until(lambda: guard.dead, timeout=5, interval=0.05, what="the death noticed")
    with pytest.raises(EmulatorDied, match=r"\(pid \d+\) exited during the run"):
        guard.check()


LOGGING_EMULATOR = """
import subprocess
from pathlib import Path

import pytest

from sqs_lambda_harness.pytest_plugin.guard import EmulatorGuard
from sqs_lambda_harness.pytest_plugin.session import session_of
from sqs_lambda_harness.targets import Emulator

LOG = Path("emulator.log")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    LOG.write_text("INFO applied the stack\\n")
    config.sleeper = subprocess.Popen(["sleep", "60"])
    emulator = Emulator(
        "http://127.0.0.1:9", config.sleeper, LOG.resolve(), 0.1, "MiniStack", "1.5.33"
    )
    session_of(config).guard = EmulatorGuard(emulator)


def pytest_unconfigure(config):
    config.sleeper.kill()
    config.sleeper.wait()


@pytest.fixture
def harness_target():  # stands in for the plugin's: nothing is started
    return None


def emulator_says(line):
    with LOG.open("a") as log:
        log.write(line + "\\n")
"""

TESTS_WHILE_IT_LOGS = """
from conftest import emulator_says

def test_fails_while_the_emulator_logs(harness_target):
    # Joined at run time, so a traceback quoting this source cannot pass for the log.
    emulator_says("WARNING ESM: Lambda f " + "failed processing SQS batch")
    assert False, "no log line within 15 s"

def test_passes_while_the_emulator_logs(harness_target):
    emulator_says("INFO ESM: Lambda g processed 1 SQS messages")

def test_fails_without_the_target():
    emulator_says("INFO a line from " + "another test")
    assert False
"""


def test_a_failed_tests_report_shows_what_the_emulator_logged_while_it_ran(
    pytester: pytest.Pytester,
) -> None:
    """Only the failed test body's lines, only for a test that used the target."""
    result = run_alone(pytester, LOGGING_EMULATOR, test_logging=TESTS_WHILE_IT_LOGS)
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    sections = output.split("MiniStack 1.5.33 log while the test ran")
    assert len(sections) == 2, output  # one section: the failed test that used the target
    assert "emulator.log" in sections[1].splitlines()[0]
    shown = sections[1].split("short test summary")[0]
    assert "WARNING ESM: Lambda f failed processing SQS batch" in shown
    assert "applied the stack" not in shown  # logged before the test body began
    assert "Lambda g processed" not in shown  # a passing test's lines are not reported
    assert "from another test" not in output  # a test that did not use the target: no section
