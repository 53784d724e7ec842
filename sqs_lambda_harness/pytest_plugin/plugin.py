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

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.probes import ConditionTimeout
from sqs_lambda_harness.reporting import html
from sqs_lambda_harness.reporting.report import (
    EVIDENCE_KEY,
    Evidence,
    RunReport,
    ScenarioResult,
    WorkerFacts,
    evidence_from_properties,
)
from sqs_lambda_harness.targets import (
    KNOWN_CAPABILITIES,
    Target,
    resolve_target,
    resolve_teardown,
    verify_target,
)
from sqs_lambda_harness.targets import emulator as emulator_mod
from sqs_lambda_harness.terraform import toolchain as toolchain_mod
from sqs_lambda_harness.terraform.stacks import (
    AppliedStack,
    ApplySlots,
    Run,
    StackManager,
    StackRecord,
    new_run_id,
    utc_now,
)

TITLE_KEY = "harness_title"
target_key = pytest.StashKey[Target]()
sigterm_key = pytest.StashKey[Any]()
identity_key = pytest.StashKey[tuple[str, str]]()
teardown_key = pytest.StashKey[str]()
ephemeral_key = pytest.StashKey[bool]()
report_key = pytest.StashKey[RunReport]()
manager_key = pytest.StashKey[StackManager]()
evidence_key = pytest.StashKey[Evidence]()
started_key = pytest.StashKey[tuple[float, float]]()  # (monotonic, epoch)
guard_key = pytest.StashKey["EmulatorGuard"]()


# Every fixture this plugin provides: a run is the harness's only when a test uses one.
HARNESS_FIXTURES = frozenset(
    {
        "harness_run",
        "harness_target",
        "harness_toolchain",
        "stack_manager",
        "stack",
        "shared_stack",
        "aws",
        "evidence",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sqs-lambda-harness")
    group.addoption(
        "--harness-target",
        default=os.environ.get("HARNESS_TARGET", "embedded"),
        help="embedded (MiniStack, default), localstack or aws [HARNESS_TARGET]",
    )
    group.addoption(
        "--harness-endpoint-url",
        default=os.environ.get("HARNESS_ENDPOINT_URL"),
        help="a running LocalStack-compatible endpoint [HARNESS_ENDPOINT_URL]",
    )
    group.addoption("--harness-aws-region", default=None, help="region for the target [AWS_REGION]")
    group.addoption(
        "--harness-aws-account-allowlist",
        default=os.environ.get("HARNESS_AWS_ACCOUNT_ALLOWLIST"),
        help="comma-separated account ids the aws target may touch [HARNESS_AWS_ACCOUNT_ALLOWLIST]",
    )
    group.addoption(
        "--harness-max-resources",
        default=os.environ.get("HARNESS_MAX_RESOURCES"),  # parsed on activation, not here
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
        "--harness-terraform-root",
        default=None,
        help="tree copied per stack application (ini harness_terraform_root)",
    )
    group.addoption(
        "--harness-report",
        default=os.environ.get("HARNESS_REPORT"),
        help="write the JSON run report here [HARNESS_REPORT]",
    )
    group.addoption(
        "--harness-html",
        default=os.environ.get("HARNESS_HTML"),
        help="write the run report as one self-contained HTML file here [HARNESS_HTML]",
    )
    parser.addini(
        "harness_terraform_root", "Terraform tree holding modules and stacks", default="terraform"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Only what pytest needs to know: the markers, and a collector that stays silent unless
    harness scenarios report to it. Nothing is resolved, started or changed here."""
    config.addinivalue_line("markers", "needs(capability): skip or xfail per target capability")
    config.addinivalue_line("markers", "scenario(title): a behaviour listed in the run summary")
    if not _is_worker(config):
        config.stash[started_key] = (time.monotonic(), time.time())
        config.pluginmanager.register(SummaryCollector(config), "harness-summary")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Undo what activation changed in this process (the SIGTERM handler)."""
    previous = config.stash.get(sigterm_key, None)
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
        del config.stash[sigterm_key]


def _uses_harness(items: list[pytest.Item]) -> bool:
    """Whether a collected test uses one of this plugin's fixtures (not a same-named fixture of
    the host repository's, e.g. its own `aws`) or declares a capability it needs."""
    return any(_uses_our_fixture(item) or item.get_closest_marker("needs") for item in items)


def _uses_our_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in HARNESS_FIXTURES & set(info.names_closure):
        definitions = info.name2fixturedefs.get(name) or ()
        if definitions and definitions[-1].func.__module__ == __name__:  # the one in effect
            return True
    return False


def _activate(config: pytest.Config) -> Target:
    """The first time this process needs the harness: resolve and check the target (a
    misconfigured one is refused here, before anything is touched), and let SIGTERM take the
    Ctrl-C teardown path. Idempotent."""
    if target_key in config.stash:
        return config.stash[target_key]
    try:
        target = resolve_target(
            config.getoption("--harness-target"),
            endpoint=config.getoption("--harness-endpoint-url"),
            region=config.getoption("--harness-aws-region"),
            allowlist=config.getoption("--harness-aws-account-allowlist"),
            max_resources=_max_resources(config.getoption("--harness-max-resources")),
        )
        teardown = resolve_teardown(config.getoption("--harness-teardown"), target)
    except HarnessError as error:
        raise pytest.UsageError(str(error)) from error
    config.stash[target_key] = target
    config.stash[teardown_key] = teardown
    config.stash[ephemeral_key] = target.started_by_harness
    if threading.current_thread() is threading.main_thread():
        config.stash[sigterm_key] = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    return target


def _max_resources(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise HarnessError(
            f"HARNESS_MAX_RESOURCES / --harness-max-resources {raw!r} is not a whole number.",
            fix="set it to how many resources one run may create, or unset it.",
        )
    return int(raw) or None


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (CI cancelling a job) takes the same teardown path as Ctrl-C."""
    raise KeyboardInterrupt(f"signal {signum}")


def _run_identity(config: pytest.Config) -> tuple[str, str]:
    """(run id, started at): given by the environment (HARNESS_RUN_ID, e.g. a nightly job), or
    handed to an xdist worker by its controller, or made here once."""
    if identity_key not in config.stash:
        given = getattr(config, "workerinput", {}).get("harness_run")
        config.stash[identity_key] = (
            tuple(given)
            if given
            else (
                os.environ.get("HARNESS_RUN_ID") or new_run_id(),
                os.environ.get("HARNESS_RUN_STARTED_AT") or utc_now(),
            )
        )
    return config.stash[identity_key]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker gets the same run id (no environment variable is set)."""
    node.workerinput["harness_run"] = list(_run_identity(node.config))


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def harness_run(pytestconfig: pytest.Config) -> Run:
    """This run's id and working directory (copies, logs, emulator log)."""
    _activate(pytestconfig)
    run_id, started_at = _run_identity(pytestconfig)
    base = Path(os.environ.get("HARNESS_WORK_DIR") or pytestconfig.rootpath / ".harness")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "m")
    return Run(id=run_id, started_at=started_at, directory=base / run_id, worker=worker)


class EmulatorGuard:
    """Turns the death of the run's own emulator into an error in the test that meets it,
    naming the emulator with its log tail within about a second (not after the provider's
    retries or a 15-minute CLI timeout), and in every later test of this worker that needs
    the target. Other workers have their own emulators.

    A thread waits on the emulator's process. When it exits, the worker's CLI commands are
    killed (the stack manager raises this error for them) and every boto3 client from `aws`
    raises it before its next request: a long poll ends when the socket closes, and its
    retry meets the check. The error is raised at those points and never injected
    asynchronously: botocore wraps an exception raised inside its HTTP send into a retryable
    one, and Python 3.11 frames can be caught at an instruction with no line number, which
    pytest cannot render.
    """

    def __init__(self, config: pytest.Config, emulator: emulator_mod.Emulator) -> None:
        self.config = config
        self.emulator = emulator
        self.dead = False
        emulator.watch(self._on_death)

    def check(self, **_: Any) -> None:
        """Raise if the emulator died (also a botocore `before-send` handler)."""
        if self.dead:
            raise self.emulator.died()

    def _on_death(self, emulator: emulator_mod.Emulator) -> None:
        self.dead = True
        manager = self.config.stash.get(manager_key, None)
        if manager is not None:
            manager.target_lost(emulator.died)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A later test of a worker whose emulator died errors at once: after skip marks are
    read (skipping's hook is tryfirst), before fixtures are set up (pytest's own hook was
    registered before this plugin, so it runs after this one)."""
    _check_emulator(item)


def pytest_runtest_call(item: pytest.Item) -> None:
    _check_emulator(item)  # it died between this test's setup and its body


def _check_emulator(item: pytest.Item) -> None:
    guard = item.config.stash.get(guard_key, None)
    if guard is not None and "harness_target" in getattr(item, "fixturenames", ()):
        guard.check()


@pytest.fixture(scope="session")
def harness_target(pytestconfig: pytest.Config, harness_run: Run) -> Iterator[Target]:
    """The verified target. `embedded` without an endpoint starts this worker's MiniStack."""
    target = pytestconfig.stash[target_key]
    started: emulator_mod.Emulator | None = None
    worker: dict[str, Any] = {"id": harness_run.worker, "endpoint": target.endpoint}
    if target.started_by_harness:
        timeout = float(os.environ.get("HARNESS_EMULATOR_TIMEOUT", 60))
        port = (
            int(os.environ["HARNESS_EMULATOR_PORT"])
            if os.environ.get("HARNESS_EMULATOR_PORT")
            else None
        )
        started_at = time.time()
        started = emulator_mod.start_for(target.name, harness_run.directory / "logs", port, timeout)
        pytestconfig.stash[guard_key] = EmulatorGuard(pytestconfig, started)
        target = dataclasses.replace(target, endpoint=started.endpoint)
        worker.update(
            endpoint=started.endpoint,
            emulator=started.label,
            emulator_started_at=started_at,
            emulator_start_seconds=round(started.start_seconds, 2),
        )
    elif target.endpoint:
        _wait_for_endpoint(target)
    try:
        account = verify_target(target)
        pytestconfig.stash[target_key] = target
        _publish(pytestconfig, "harness_environment", {"account": account})
        _publish(pytestconfig, "harness_worker", worker)
        yield target
    finally:
        if started:
            try:
                started.stop()  # a stop is not a death: the watcher stays quiet
            finally:
                del pytestconfig.stash[guard_key]


def _wait_for_endpoint(target: Target, timeout: float = 30.0) -> None:
    """A given endpoint must answer its health check before anything is applied."""
    deadline = time.monotonic() + timeout
    path = emulator_mod.health_path(target.name)
    while time.monotonic() < deadline:
        if emulator_mod.health_ok(target.endpoint or "", path=path):
            return
        if target.name == "aws":  # a real or posing AWS endpoint need not have the health path
            return
        time.sleep(0.5)
    raise HarnessError(
        f"The {target.name} endpoint {target.endpoint} did not answer {path} within "
        f"{timeout:.0f}s.",
        fix="start it first, or fix --harness-endpoint-url/HARNESS_ENDPOINT_URL; without an "
        "endpoint the harness starts the emulator itself.",
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
            "provider": f"hashicorp/aws {toolchain_mod.AWS.release}",
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
    root = pytestconfig.getoption("--harness-terraform-root") or pytestconfig.getini(
        "harness_terraform_root"
    )
    terraform_root = (pytestconfig.rootpath / root).resolve()
    if not terraform_root.is_dir():
        raise HarnessError(
            f"Terraform root {terraform_root} does not exist.",
            fix="set harness_terraform_root (ini) or --harness-terraform-root.",
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
    guard = pytestconfig.stash.get(guard_key, None)
    if guard is not None and guard.dead:  # it died before the watcher could find this manager
        manager.target_lost(guard.emulator.died)
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
        applied = stack_manager.apply(
            path, variables, label or request.node.name, nodeid=request.node.nodeid
        )
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
def aws(pytestconfig: pytest.Config, harness_target: Target) -> Callable[[str], Any]:
    """`aws("sqs")` -> a boto3 client for the target (cached per service); on the run's own
    emulator, a request after its death raises `EmulatorDied` instead of retrying."""
    clients: dict[str, Any] = {}
    guard = pytestconfig.stash.get(guard_key, None)

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = harness_target.client(service)
            if guard is not None:
                clients[service].meta.events.register_first("before-send", guard.check)
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
    if not _uses_harness(items):
        return  # an unrelated suite: the harness stays out of it
    target = _activate(config)
    for item in items:
        scenario = item.get_closest_marker("scenario")
        if scenario:
            title = scenario.args[0] if scenario.args else item.name
            item.user_properties.append((TITLE_KEY, title))
        for marker in item.iter_markers("needs"):
            for name in marker.args:
                if name not in KNOWN_CAPABILITIES:
                    raise pytest.UsageError(
                        f"{item.nodeid} needs {name!r}, which no target declares; known "
                        f"capabilities: {', '.join(sorted(KNOWN_CAPABILITIES))}."
                    )
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
    """Hand run facts (`harness_environment`: the run's; `harness_worker`: this process's) to
    the controller: via workeroutput under xdist, directly otherwise."""
    if _is_worker(config):
        merged = {**json.loads(config.workeroutput.get(key, "{}")), **value}  # type: ignore[attr-defined]
        config.workeroutput[key] = json.dumps(merged)  # type: ignore[attr-defined]
    else:
        _take_facts(_run_report(config), key, value)


def _take_facts(run_report: RunReport, key: str, value: dict[str, Any]) -> None:
    if key == "harness_worker":
        facts = run_report.workers.get(value["id"]) or WorkerFacts(value["id"])
        for name, item in value.items():
            setattr(facts, name, item)
        run_report.workers[facts.id] = facts
    else:
        run_report.environment.update(value)


def _run_report(config: pytest.Config) -> RunReport:
    """The controller's report, made when the first harness fact arrives."""
    if report_key not in config.stash:
        target = _activate(config)
        config.stash[report_key] = RunReport(
            _run_identity(config)[0],
            target.name,
            started_at=config.stash[started_key][1],
            teardown=config.stash[teardown_key],
        )
    return config.stash[report_key]


class SummaryCollector:
    """Lives in the controller (or the only process): gathers reports into the run summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        title = dict(report.user_properties).get(TITLE_KEY)
        outcome, reason = _outcome(report)
        if title is None or outcome is None:
            return
        run_report = _run_report(self.config)
        existing = next((s for s in run_report.scenarios if s.nodeid == report.nodeid), None)
        if existing:  # a teardown error after the call phase
            existing.outcome = "error"
            existing.reason = existing.reason or reason
            return
        evidence = evidence_from_properties(report.user_properties)
        node = getattr(report, "node", None)  # xdist: the worker that ran it
        run_report.add(
            ScenarioResult(
                report.nodeid,
                str(title),
                outcome,
                report.duration,
                evidence.claims,
                evidence.measurements,
                reason,
                worker=getattr(getattr(node, "gateway", None), "id", None) or "m",
                started_at=getattr(report, "start", None),
            )
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Under xdist: collect each worker's stack history and environment facts."""
        output = getattr(node, "workeroutput", None) or {}
        if not any(key.startswith("harness_") for key in output):
            return  # that worker never used the harness
        run_report = _run_report(self.config)
        run_report.stacks += [
            StackRecord(**record) for record in json.loads(output.get("harness_stacks", "[]"))
        ]
        run_report.leftovers += json.loads(output.get("harness_leftovers", "[]"))
        for key in ("harness_environment", "harness_worker"):
            facts = json.loads(output.get(key, "{}"))
            if facts:
                _take_facts(run_report, key, facts)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        run_report = self.config.stash.get(report_key, None)
        if run_report is None:
            return  # the harness was not used
        wall = time.monotonic() - self.config.stash[started_key][0]
        lines = run_report.render(wall)
        if lines:
            terminalreporter.write_sep("=", "SQS <-> Lambda: what this run proved")
        for line in lines:
            terminalreporter.write_line(line)
        path = self.config.getoption("--harness-report")
        if path:
            run_report.write_json(Path(path), wall)
            terminalreporter.write_line(f"  JSON report: {path}")
        page = self.config.getoption("--harness-html")
        if page:
            html.write_html(Path(page), run_report.to_dict(wall))
            terminalreporter.write_line(f"  HTML report: {page}")


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
        if target_key in config.stash:  # only a worker that used the harness reports to it
            config.workeroutput["harness_stacks"] = json.dumps([r.to_json() for r in history])  # type: ignore[attr-defined]
            config.workeroutput["harness_leftovers"] = json.dumps(leftovers)  # type: ignore[attr-defined]
        return
    if history or leftovers:
        _run_report(config).stacks += history
        _run_report(config).leftovers += leftovers
