"""The pytest plugin (registered by entry point): options, target checks, stack fixtures,
capability markers, evidence, and the end-of-run summary.

The plugin is inert until a test asks for a harness fixture: nothing is built, started or
contacted for a run that does not use it. Misconfiguration (unknown target, no allow-list for
`aws`) stops the run at start-up, before anything is touched.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from sqs_lambda_harness import emulator as emulator_mod
from sqs_lambda_harness import toolchain as toolchain_mod
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.interrupts import EMULATOR_DIED
from sqs_lambda_harness.probes import ConditionTimeout
from sqs_lambda_harness.report import (
    EVIDENCE_KEY,
    Evidence,
    RunReport,
    ScenarioResult,
    evidence_from_properties,
)
from sqs_lambda_harness.stacks import (
    AppliedStack,
    ApplySlots,
    Run,
    StackManager,
    StackRecord,
    new_run_id,
    utc_now,
)
from sqs_lambda_harness.targets import Target, resolve_target, resolve_teardown, verify_target

TITLE_KEY = "harness_title"
target_key = pytest.StashKey[Target]()
teardown_key = pytest.StashKey[str]()
ephemeral_key = pytest.StashKey[bool]()
report_key = pytest.StashKey[RunReport]()
manager_key = pytest.StashKey[StackManager]()
evidence_key = pytest.StashKey[Evidence]()
started_key = pytest.StashKey[float]()
guard_key = pytest.StashKey["EmulatorGuard"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sqs-lambda-harness")
    group.addoption(
        "--target",
        default=os.environ.get("HARNESS_TARGET", "embedded"),
        help="embedded (MiniStack, default), localstack or aws [HARNESS_TARGET]",
    )
    group.addoption(
        "--endpoint-url",
        default=os.environ.get("HARNESS_ENDPOINT_URL"),
        help="a running LocalStack-compatible endpoint [HARNESS_ENDPOINT_URL]",
    )
    group.addoption("--aws-region", default=None, help="region for the target [AWS_REGION]")
    group.addoption(
        "--aws-account-allowlist",
        default=os.environ.get("HARNESS_AWS_ACCOUNT_ALLOWLIST"),
        help="comma-separated account ids the aws target may touch [HARNESS_AWS_ACCOUNT_ALLOWLIST]",
    )
    group.addoption(
        "--max-resources",
        type=int,
        default=int(os.environ.get("HARNESS_MAX_RESOURCES", 0)) or None,
        help="cap on resources one run may create (aws default 250) [HARNESS_MAX_RESOURCES]",
    )
    group.addoption(
        "--harness-teardown",
        default=os.environ.get("HARNESS_TEARDOWN"),
        help="destroy: every stack through the provider; discard: stop the run's own emulator "
        "with everything in it (the default where the harness starts it; any other target "
        "always destroys) [HARNESS_TEARDOWN]",
    )
    group.addoption(
        "--terraform-root",
        default=None,
        help="tree copied per stack application (ini harness_terraform_root)",
    )
    group.addoption(
        "--harness-report",
        default=os.environ.get("HARNESS_REPORT"),
        help="write the JSON run report here [HARNESS_REPORT]",
    )
    parser.addini(
        "harness_terraform_root", "Terraform tree holding modules and stacks", default="terraform"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(capability): skip or xfail per target capability")
    config.addinivalue_line("markers", "scenario(title): a behaviour listed in the run summary")
    try:
        target = resolve_target(
            config.getoption("--target"),
            endpoint=config.getoption("--endpoint-url"),
            region=config.getoption("--aws-region"),
            allowlist=config.getoption("--aws-account-allowlist"),
            max_resources=config.getoption("--max-resources"),
        )
        teardown = resolve_teardown(config.getoption("--harness-teardown"), target)
    except HarnessError as error:
        raise pytest.UsageError(str(error)) from error
    config.stash[target_key] = target
    config.stash[teardown_key] = teardown
    config.stash[ephemeral_key] = target.started_by_harness
    if not _is_worker(config):
        # One run id for the controller and every xdist worker it spawns (they inherit env).
        os.environ.setdefault("HARNESS_RUN_ID", new_run_id())
        os.environ.setdefault("HARNESS_RUN_STARTED_AT", utc_now())
        config.stash[report_key] = RunReport(
            os.environ["HARNESS_RUN_ID"], target.name, teardown=teardown
        )
        config.stash[started_key] = time.monotonic()
        config.pluginmanager.register(SummaryCollector(config), "harness-summary")
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (CI cancelling a job) takes the same teardown path as Ctrl-C."""
    raise KeyboardInterrupt(f"signal {signum}")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def harness_run(pytestconfig: pytest.Config) -> Run:
    """This run's id and working directory (copies, logs, emulator log)."""
    run_id = os.environ.get("HARNESS_RUN_ID") or new_run_id()
    base = Path(os.environ.get("HARNESS_WORK_DIR") or pytestconfig.rootpath / ".harness")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "m")
    return Run(
        id=run_id,
        started_at=os.environ.get("HARNESS_RUN_STARTED_AT") or utc_now(),
        directory=base / run_id,
        worker=worker,
    )


class EmulatorGuard:
    """Turns the death of the run's own emulator into an error, at once, in the test that is
    running (not after the provider's retries or a 15-minute CLI timeout), and in every later
    test of this worker that needs the target. Other workers have their own emulators.

    The emulator is watched from a thread; the test runs in the main thread, so the watcher
    sends it `interrupts.EMULATOR_DIED` (SIGUSR1) and the handler raises there, interrupting any
    wait or CLI command (code that must finish what it started defers it: `shielded()`).
    """

    def __init__(self, config: pytest.Config, emulator: emulator_mod.Emulator) -> None:
        self.config = config
        self.emulator = emulator
        self.dead = False
        self.armed = False
        self._main = threading.main_thread().ident
        self._previous = signal.signal(EMULATOR_DIED, self._on_signal)
        emulator.watch(self._on_death)

    def check(self) -> None:
        if self.dead:
            raise self.emulator.died()

    def uninstall(self) -> None:
        signal.signal(EMULATOR_DIED, self._previous)

    def _on_death(self, emulator: emulator_mod.Emulator) -> None:
        self.dead = True
        manager = self.config.stash.get(manager_key, None)
        if manager is not None:
            manager.target_lost(emulator.died)
        if self.armed and self._main is not None:
            signal.pthread_kill(self._main, EMULATOR_DIED)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.armed:
            self.check()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    guard = item.config.stash.get(guard_key, None)
    if guard is not None and "harness_target" in getattr(item, "fixturenames", ()):
        guard.check()  # a later test of a worker whose emulator died errors at once
    return (yield from _armed(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    guard = item.config.stash.get(guard_key, None)
    if guard is not None and "harness_target" in getattr(item, "fixturenames", ()):
        guard.check()  # it died between this test's setup and its body
    return (yield from _armed(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    return (yield from _armed(item))


def _armed(item: pytest.Item) -> Iterator[None]:
    """While a test phase runs, an emulator death raises in it (pytest reports it there)."""
    guard = item.config.stash.get(guard_key, None)
    if guard is None:
        return (yield)
    guard.armed = True
    try:
        return (yield)
    finally:
        guard.armed = False


@pytest.fixture(scope="session")
def harness_target(pytestconfig: pytest.Config, harness_run: Run) -> Iterator[Target]:
    """The verified target. `embedded` without an endpoint starts this worker's MiniStack."""
    target = pytestconfig.stash[target_key]
    started: emulator_mod.Emulator | None = None
    environment: dict[str, Any] = {"endpoint": target.endpoint}
    if target.started_by_harness:
        timeout = float(os.environ.get("HARNESS_EMULATOR_TIMEOUT", 60))
        port = (
            int(os.environ["HARNESS_EMULATOR_PORT"])
            if os.environ.get("HARNESS_EMULATOR_PORT")
            else None
        )
        started = emulator_mod.start_for(target.name, harness_run.directory / "logs", port, timeout)
        pytestconfig.stash[guard_key] = EmulatorGuard(pytestconfig, started)
        target = dataclasses.replace(target, endpoint=started.endpoint)
        environment.update(
            endpoint=started.endpoint, emulator_start_seconds=round(started.start_seconds, 2)
        )
    elif target.endpoint:
        _wait_for_endpoint(target)
    try:
        environment["account"] = verify_target(target)
        pytestconfig.stash[target_key] = target
        _publish(pytestconfig, "harness_environment", environment)
        yield target
    finally:
        if started:
            guard = pytestconfig.stash[guard_key]
            guard.armed = False  # stopping it is not a death
            try:
                started.stop()
            finally:
                guard.uninstall()
                del pytestconfig.stash[guard_key]


def _wait_for_endpoint(target: Target, timeout: float = 30.0) -> None:
    """A given endpoint must answer its health check before anything is applied."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if emulator_mod.health_ok(target.endpoint or ""):
            return
        if target.name == "aws":  # a real or posing AWS endpoint need not have the health path
            return
        time.sleep(0.5)
    raise HarnessError(
        f"The {target.name} endpoint {target.endpoint} did not answer "
        f"{emulator_mod.HEALTH_PATH} within {timeout:.0f}s.",
        fix="start it first (`make test-local TARGET=localstack` runs LocalStack under docker "
        "compose), or fix --endpoint-url/HARNESS_ENDPOINT_URL.",
    )


@pytest.fixture(scope="session")
def harness_toolchain(pytestconfig: pytest.Config) -> toolchain_mod.Toolchain:
    """The CLI and provider source; builds only if HARNESS_BUILD_MISSING=1 (`make bootstrap`
    builds them visibly, outside pytest's output capture)."""
    tools = toolchain_mod.ensure(build_missing=os.environ.get("HARNESS_BUILD_MISSING") == "1")
    _publish(
        pytestconfig,
        "harness_environment",
        {
            "cli": tools.cli_version,
            "providers_from": tools.providers_from,
        },
    )
    return tools


@pytest.fixture(scope="session")
def stack_manager(
    pytestconfig: pytest.Config,
    harness_toolchain: toolchain_mod.Toolchain,
    harness_target: Target,
    harness_run: Run,
) -> Iterator[StackManager]:
    root = pytestconfig.getoption("--terraform-root") or pytestconfig.getini(
        "harness_terraform_root"
    )
    terraform_root = (pytestconfig.rootpath / root).resolve()
    if not terraform_root.is_dir():
        raise HarnessError(
            f"Terraform root {terraform_root} does not exist.",
            fix="set harness_terraform_root (ini) or --terraform-root.",
        )
    manager = StackManager(
        harness_toolchain,
        harness_target,
        harness_run,
        terraform_root,
        teardown=pytestconfig.stash[teardown_key],
        ephemeral=pytestconfig.stash[ephemeral_key],
        slots=ApplySlots(harness_run.directory / "apply-slots", _apply_slots()),
    )
    pytestconfig.stash[manager_key] = manager
    yield manager
    manager.destroy_all()  # before the emulator (a fixture this one uses) is stopped


def _apply_slots() -> int:
    """One apply start per core unless told otherwise: on 2 cores, 2 slots took the suite's
    wall from 104.5 s to 100.7 s (median of 3 paired runs) and the apply median from 74 to 60 s."""
    raw = os.environ.get("HARNESS_APPLY_SLOTS") or str(os.cpu_count() or 0)
    if not raw.isdigit():
        raise HarnessError(
            f"HARNESS_APPLY_SLOTS={raw!r} is not a whole number.",
            fix="set it to how many applies may start at once (0: no limit), or unset it.",
        )
    return int(raw)


StackFactory = Callable[..., AppliedStack]


@pytest.fixture
def stack(stack_manager: StackManager, request: pytest.FixtureRequest) -> Iterator[StackFactory]:
    """`stack("stacks/queue", {"fifo": True})` -> outputs; torn down after the test, pass or
    fail."""
    mine: list[AppliedStack] = []

    def apply(
        path: str, variables: Mapping[str, Any] | None = None, label: str | None = None
    ) -> AppliedStack:
        applied = stack_manager.apply(path, variables, label or request.node.name)
        mine.append(applied)
        return applied

    yield apply
    # Pass or fail: discarded, or destroyed in the background (the session waits for every
    # destroy, and fails if one fails, before it ends).
    for applied in reversed(mine):
        if not applied.destroyed:
            stack_manager.release(applied)


@pytest.fixture(scope="session")
def shared_stack(stack_manager: StackManager) -> StackFactory:
    """Like `stack`, but one application per (path, variables) for the whole worker session:
    for tests that read the same stack without disturbing each other."""
    cache: dict[str, AppliedStack] = {}

    def apply(
        path: str, variables: Mapping[str, Any] | None = None, label: str | None = None
    ) -> AppliedStack:
        key = json.dumps([path, variables or {}], sort_keys=True)
        if key not in cache:
            cache[key] = stack_manager.apply(path, variables, label or Path(path).name)
        return cache[key]

    return apply


@pytest.fixture(scope="session")
def aws(harness_target: Target) -> Callable[[str], Any]:
    """`aws("sqs")` -> a boto3 client for the target (cached per service)."""
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = harness_target.client(service)
        return clients[service]

    return client


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Record what a test asserted and measured; it appears in the summary and reports."""
    recorded = Evidence()
    request.node.stash[evidence_key] = recorded
    return recorded


# ----------------------------------------------------------------------------- markers


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    target = config.stash[target_key]
    for item in items:
        scenario = item.get_closest_marker("scenario")
        if scenario:
            title = scenario.args[0] if scenario.args else item.name
            item.user_properties.append((TITLE_KEY, title))
        for marker in item.iter_markers("needs"):
            for name in marker.args:
                capability = target.capability(name)
                if not capability.supported:
                    item.add_marker(
                        pytest.mark.skip(
                            reason=f"target {target.name} lacks {name}: {capability.reason}"
                        )
                    )
                elif capability.diverges:
                    item.add_marker(
                        pytest.mark.xfail(
                            strict=True,
                            raises=ConditionTimeout,
                            reason=f"known divergence on {target.name}: {capability.reason}",
                        )
                    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    recorded = item.stash.get(evidence_key, None)
    if call.when == "call" and recorded is not None:
        item.user_properties.append((EVIDENCE_KEY, recorded.to_json()))
        for measurement in recorded.measurements:  # JUnit XML shows them as properties
            item.user_properties.append((measurement.name, f"{measurement.value:.3f}"))


# ----------------------------------------------------------------------------- reporting


def _publish(config: pytest.Config, key: str, value: dict[str, Any]) -> None:
    """Hand run facts to the controller: via workeroutput under xdist, directly otherwise."""
    if _is_worker(config):
        merged = {**json.loads(config.workeroutput.get(key, "{}")), **value}  # type: ignore[attr-defined]
        config.workeroutput[key] = json.dumps(merged)  # type: ignore[attr-defined]
    elif report_key in config.stash:
        config.stash[report_key].environment.update(value)


class SummaryCollector:
    """Lives in the controller (or the only process): gathers reports into the run summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        title = dict(report.user_properties).get(TITLE_KEY)
        outcome, reason = _outcome(report)
        if title is None or outcome is None:
            return
        run_report = self.config.stash[report_key]
        existing = next((s for s in run_report.scenarios if s.nodeid == report.nodeid), None)
        if existing:  # a teardown error after the call phase
            existing.outcome = "error"
            existing.reason = existing.reason or reason
            return
        evidence = evidence_from_properties(report.user_properties)
        run_report.add(
            ScenarioResult(
                report.nodeid,
                str(title),
                outcome,
                report.duration,
                evidence.claims,
                evidence.measurements,
                reason,
            )
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Under xdist: collect each worker's stack history and environment facts."""
        output = getattr(node, "workeroutput", None) or {}
        run_report = self.config.stash[report_key]
        run_report.stacks += [
            StackRecord(**record) for record in json.loads(output.get("harness_stacks", "[]"))
        ]
        run_report.leftovers += json.loads(output.get("harness_leftovers", "[]"))
        worker = getattr(getattr(node, "gateway", None), "id", "worker")
        environment = json.loads(output.get("harness_environment", "{}"))
        for key, value in environment.items():
            shared = key in ("account", "cli", "providers_from")
            run_report.environment[key if shared else f"{key}[{worker}]"] = value

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        run_report = self.config.stash[report_key]
        wall = time.monotonic() - self.config.stash[started_key]
        lines = run_report.render(wall)
        if not lines:
            return
        terminalreporter.write_sep("=", "SQS <-> Lambda: what this run proved")
        for line in lines:
            terminalreporter.write_line(line)
        path = self.config.getoption("--harness-report")
        if path:
            run_report.write_json(Path(path), wall)
            terminalreporter.write_line(f"  JSON report: {path}")


def _outcome(report: pytest.TestReport) -> tuple[str | None, str]:
    wasxfail = getattr(report, "wasxfail", None)
    if report.when == "call":
        if wasxfail is not None:
            return ("xfailed" if report.skipped else "xpassed"), str(wasxfail)
        return report.outcome, _short_reason(report)
    if report.when == "setup" and not report.passed:
        return ("skipped" if report.skipped else "error"), _short_reason(report)
    if report.when == "teardown" and report.failed:
        return "error", _short_reason(report)
    return None, ""


def _short_reason(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.failed and report.longreprtext:
        return report.longreprtext.strip().splitlines()[-1][:300]
    return ""


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    manager = config.stash.get(manager_key, None)
    # Waits for background destroys; after Ctrl-C, also destroys what fixtures did not reach.
    leftovers = manager.destroy_all() if manager else []
    history = manager.history if manager else []
    if leftovers and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a leak fails the run
    if _is_worker(config):
        config.workeroutput["harness_stacks"] = json.dumps([r.to_json() for r in history])  # type: ignore[attr-defined]
        config.workeroutput["harness_leftovers"] = json.dumps(leftovers)  # type: ignore[attr-defined]
        return
    if report_key in config.stash:
        config.stash[report_key].stacks += history
        config.stash[report_key].leftovers += leftovers
