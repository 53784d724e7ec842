"""One object per pytest process holding everything the harness keeps for the run, in one
StashKey: the settings, the resolved target, the run's identity, the run report, the stack
manager, the emulator guard and the SIGTERM handler it replaced.

It is made (and registered as a plugin) when pytest configures, and removed when it
unconfigures, as pytest's own junitxml does. Until a test uses the harness it holds nothing:
activation parses the settings and resolves the target, once.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.pytest_plugin.options import settings_of
from sqs_lambda_harness.reporting.evidence import Evidence
from sqs_lambda_harness.reporting.report import RunReport
from sqs_lambda_harness.settings import Settings
from sqs_lambda_harness.targets import (
    Emulator,
    Target,
    registry,
    resolve_target,
    resolve_teardown,
    start_for,
)
from sqs_lambda_harness.terraform.stacks import StackManager, StackRecord, new_run_id, utc_now

if TYPE_CHECKING:
    from sqs_lambda_harness.pytest_plugin.collector import Summary
    from sqs_lambda_harness.pytest_plugin.guard import EmulatorGuard

WORKER_RUN_KEY = "harness_run"  # workerinput: the controller's (run id, started at)
# workerinput: the emulator the controller started for all workers (Emulator.handed), or
# {"error": why it could not}
WORKER_EMULATOR_KEY = "harness_emulator"


class HarnessSession:
    """The harness's state in this process (the controller, an xdist worker, or the only one)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.worker = hasattr(config, "workerinput")
        self.started_monotonic = time.monotonic()
        self.started_epoch = time.time()
        self.settings: Settings | None = None
        self.target: Target | None = None  # with its endpoint once the emulator is up
        self.teardown = "destroy"
        self.ephemeral = False  # the harness starts the target's emulator and throws it away
        self.report: RunReport | None = None  # the controller's, from the first harness fact
        self.manager: StackManager | None = None
        self.guard: EmulatorGuard | None = None
        self.summary: Summary | None = None  # the controller's summary collector
        self.evidence: dict[str, Evidence] = {}  # nodeid -> what the running test recorded
        self._made_identity: tuple[str, str] | None = None
        self._saved_sigterm: Any = None
        self._shared: dict[str, Any] | None = None  # what workers are handed (controller)
        self._shared_emulator: Emulator | None = None  # the controller's, stopped at the end
        self.running_test = ""  # the nodeid of the test being set up or run in this process

    @property
    def active(self) -> bool:
        return self.target is not None

    def activate(self) -> Target:
        """The first time this process needs the harness: parse the settings, resolve and
        check the target (a misconfigured one is refused here, before anything is touched),
        and let SIGTERM take the Ctrl-C teardown path. Idempotent."""
        if self.target is not None:
            return self.target
        try:
            settings = settings_of(self.config)
            target = resolve_target(
                settings.target,
                endpoint=settings.endpoint_url,
                region=settings.aws_region,
                allowlist=settings.aws_account_allowlist,
                stand_in=settings.aws_stand_in,
                max_resources=settings.max_resources,
            )
            self.teardown = resolve_teardown(settings.teardown, target)
        except HarnessError as error:
            raise pytest.UsageError(str(error)) from error
        self.settings, self.target = settings, target
        self.ephemeral = target.started_by_harness  # before the emulator gives it an endpoint
        if threading.current_thread() is threading.main_thread():
            self._saved_sigterm = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        return target

    def active_settings(self) -> Settings:
        self.activate()
        assert self.settings is not None
        return self.settings

    def made_identity(self) -> tuple[str, str]:
        """A (run id, started at) made here once: what the controller hands every xdist worker
        (through `workerinput`: no environment variable is written). Reads no setting, so an
        unrelated parallel suite is not parsed."""
        if self._made_identity is None:
            self._made_identity = (new_run_id(), utc_now())
        return self._made_identity

    def identity(self) -> tuple[str, str]:
        """(run id, started at): HARNESS_RUN_ID / HARNESS_RUN_STARTED_AT if set (e.g. a nightly
        job), else the controller's, else made here."""
        settings = self.active_settings()
        handed = getattr(self.config, "workerinput", {}).get(WORKER_RUN_KEY)
        run_id, started_at = tuple(handed) if handed else self.made_identity()
        return settings.run_id or run_id, settings.run_started_at or started_at

    def run_report(self) -> RunReport:
        """The controller's report, made when the first harness fact arrives."""
        if self.report is None:
            target = self.activate()
            self.report = RunReport(
                self.identity()[0],
                target.name,
                started_at=self.started_epoch,
                teardown=self.teardown,
                region=target.region,
            )
        return self.report

    def finish_stacks(self) -> tuple[list[StackRecord], list[str]]:
        """(history, leftovers) of this process's stacks, once every destroy has ended; after
        Ctrl-C this also destroys what fixtures did not reach."""
        if self.manager is None:
            return [], []
        leftovers = self.manager.destroy_all()
        return self.manager.history, leftovers

    def restore_signals(self) -> None:
        """Undo what activation changed in this process (the SIGTERM handler)."""
        if self._saved_sigterm is not None:
            signal.signal(signal.SIGTERM, self._saved_sigterm)
            self._saved_sigterm = None

    def handed_emulator(self) -> dict[str, Any] | None:
        """In a worker: the emulator the controller started for the whole run, if it did."""
        return getattr(self.config, "workerinput", {}).get(WORKER_EMULATOR_KEY)

    def start_shared_emulator(self) -> dict[str, Any] | None:
        """xdist controller, once: start the emulator every worker will use when the run's
        target is one the harness starts with scope `run` (LocalStack by default: one process
        of ≈ 220 MB serves all workers, where one per worker loaded 2 cores enough to slow
        its timers). Only a target named by the user can have that scope, so a run that does
        not ask for it starts nothing. A failure is handed to the workers, whose tests show it."""
        if self._shared is not None or self.worker:
            return self._shared
        try:
            settings = settings_of(self.config)
        except HarnessError:
            return None  # the workers refuse the bad setting, where a test needs the harness
        spec = registry.find(settings.target)
        scope = settings.emulator_scope or (spec.scope if spec else "worker")
        if spec is None or settings.endpoint_url or scope != "run":
            return None
        self.activate()  # as in a worker: SIGTERM takes the Ctrl-C path, which stops it
        logs = settings.work_dir / self.identity()[0] / "logs"
        try:
            emulator = start_for(spec.name, logs, settings.emulator_port, settings.emulator_timeout)
        except HarnessError as error:
            self._shared = {"error": str(error)}
        else:
            self._shared_emulator = emulator
            self._shared = emulator.handed()
        return self._shared

    def stop_shared_emulator(self) -> None:
        """The controller's shared emulator ends after its workers have (also after Ctrl-C)."""
        emulator, self._shared_emulator = self._shared_emulator, None
        if emulator is not None:
            emulator.stop()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist controller: every worker gets the same run id, and the run's emulator where
        one process serves them all."""
        node.workerinput[WORKER_RUN_KEY] = list(self.made_identity())
        shared = self.start_shared_emulator()
        if shared is not None:
            node.workerinput[WORKER_EMULATOR_KEY] = shared

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Before its fixtures: a shared stack applied now is applied for this test."""
        self.running_test = item.nodeid

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        self.stop_shared_emulator()


SESSION_KEY = pytest.StashKey[HarnessSession]()


def session_of(config: pytest.Config) -> HarnessSession:
    return config.stash[SESSION_KEY]


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (CI cancelling a job) takes the same teardown path as Ctrl-C."""
    raise KeyboardInterrupt(f"signal {signum}")
