"""The emulator guard: the death of the run's own emulator becomes an error in the test that
meets it, and in every later test of this worker that needs the target. A failed test's report
also shows what that emulator logged while the test ran."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

import pytest

from sqs_lambda_harness.pytest_plugin.session import session_of
from sqs_lambda_harness.targets import Emulator
from sqs_lambda_harness.terraform.stacks import StackManager


class EmulatorGuard:
    """Turns the death of the run's own emulator into an error in the test that meets it,
    naming the emulator with its log tail within about a second (not after the provider's
    retries or a 15-minute CLI timeout), and in every later test of this worker that needs
    the target. Other workers carry on with their own emulators; an emulator shared by the
    run (scope run) is watched by its pid from every worker, and every worker meets its death.

    A thread waits on the emulator's process. When it exits, the worker's CLI commands are
    killed (the stack manager raises this error for them) and every boto3 client from `aws`
    raises it before its next request: a long poll ends when the socket closes, and its
    retry meets the check. The error is raised at those points and never injected
    asynchronously: botocore wraps an exception raised inside its HTTP send into a retryable
    one, and Python 3.11 frames can be caught at an instruction with no line number, which
    pytest cannot render.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.dead = False
        self._manager: StackManager | None = None
        self._lock = threading.Lock()
        emulator.watch(self._on_death)

    def check(self, **_: Any) -> None:
        """Raise if the emulator died (also a botocore `before-send` handler)."""
        if self.dead:
            raise self.emulator.died()

    def attach(self, manager: StackManager) -> None:
        """Stop `manager` when the emulator dies, or now if it already has."""
        with self._lock:
            self._manager = manager
            dead = self.dead
        if dead:
            manager.target_lost(self.emulator.died)

    def _on_death(self, emulator: Emulator) -> None:
        with self._lock:
            self.dead = True
            manager = self._manager
        if manager is not None:
            manager.target_lost(emulator.died)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A later test of a worker whose emulator died errors at once: after skip marks are
    read (skipping's hook is tryfirst), before fixtures are set up (pytest's own hook was
    registered before this plugin, so it runs after this one)."""
    _check_emulator(item)


# Where the run's emulator log ended when a test's body began.
LOG_START = pytest.StashKey[int]()


def pytest_runtest_call(item: pytest.Item) -> None:
    _check_emulator(item)  # it died between this test's setup and its body
    guard = session_of(item.config).guard
    if guard is not None and "harness_target" in getattr(item, "fixturenames", ()):
        item.stash[LOG_START] = guard.emulator.log_size()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test body's report carries the emulator's log lines from while it ran (printed
    with the failure, sent by xdist): what the emulator did, or did not do, is often the
    cause, and the log file may not outlive a CI machine."""
    report = yield
    start = item.stash.get(LOG_START, None)
    guard = session_of(item.config).guard
    if report.when == "call" and report.failed and start is not None and guard is not None:
        emulator = guard.emulator
        logged = emulator.logged_since(start)
        if logged:
            title = f"{emulator.label} log while the test ran (last lines of {emulator.log_path})"
            report.sections.append((title, logged))
    return report


def _check_emulator(item: pytest.Item) -> None:
    guard = session_of(item.config).guard
    if guard is not None and "harness_target" in getattr(item, "fixturenames", ()):
        guard.check()
