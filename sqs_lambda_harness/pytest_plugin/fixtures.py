"""The fixtures a test uses the harness through. Each of them requests `harness_session`, so a
test uses the harness exactly when that name is in its fixture closure: a host repository's own
fixture of the same name (its own `aws`, say) does not request it and leaves the harness out."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from sqs_lambda_harness import waits
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.pytest_plugin import history
from sqs_lambda_harness.pytest_plugin.collector import publish
from sqs_lambda_harness.pytest_plugin.guard import EmulatorGuard
from sqs_lambda_harness.pytest_plugin.session import HarnessSession, session_of
from sqs_lambda_harness.reporting.evidence import Evidence
from sqs_lambda_harness.targets import (
    Emulator,
    Target,
    health_ok,
    health_path,
    start_for,
    verify_target,
)
from sqs_lambda_harness.terraform import toolchain as toolchain_mod
from sqs_lambda_harness.terraform.stacks import AppliedStack, ApplySlots, Run, StackManager

SESSION_FIXTURE = "harness_session"
ENDPOINT_TIMEOUT = 30.0  # a given endpoint must answer its health check within this


@pytest.fixture(scope="session")
def harness_session(pytestconfig: pytest.Config) -> HarnessSession:
    """The harness's state for this process, activated (settings parsed, target resolved)."""
    session = session_of(pytestconfig)
    session.activate()
    return session


@pytest.fixture(scope="session")
def harness_run(harness_session: HarnessSession) -> Run:
    """This run's id and working directory (copies, logs, emulator log)."""
    run_id, started_at = harness_session.identity()
    directory = harness_session.active_settings().work_dir / run_id
    worker = getattr(harness_session.config, "workerinput", {}).get("workerid", "m")
    return Run(id=run_id, started_at=started_at, directory=directory, worker=worker)


@pytest.fixture(scope="session")
def harness_target(harness_session: HarnessSession, harness_run: Run) -> Iterator[Target]:
    """The verified target. `embedded` without an endpoint starts this worker's MiniStack."""
    target = harness_session.activate()
    worker: dict[str, Any] = {"id": harness_run.worker, "endpoint": target.endpoint}
    started: Emulator | None = None  # this worker's own, stopped at its end
    handed = harness_session.handed_emulator()
    if target.started_by_harness and handed is not None:
        shared = _use_shared_emulator(harness_session, handed, worker)
        target = dataclasses.replace(target, endpoint=shared.endpoint)
    elif target.started_by_harness:
        started = _start_emulator(harness_session, target, harness_run, worker)
        target = dataclasses.replace(target, endpoint=started.endpoint)
    elif target.endpoint:
        _wait_for_endpoint(target)
    try:
        account = verify_target(target)
        harness_session.target = target
        publish(harness_session, "harness_environment", {"account": account})
        publish(harness_session, "harness_worker", worker)
        yield target
    finally:
        if started:
            try:
                started.stop()  # a stop is not a death: the watcher stays quiet
            finally:
                harness_session.guard = None


def _start_emulator(
    session: HarnessSession, target: Target, run: Run, worker: dict[str, Any]
) -> Emulator:
    """This worker's own emulator, guarded; its facts go into `worker`."""
    settings = session.active_settings()
    started_at = time.time()
    emulator = start_for(
        target.name, run.directory / "logs", settings.emulator_port, settings.emulator_timeout
    )
    session.guard = EmulatorGuard(emulator)
    worker.update(
        endpoint=emulator.endpoint,
        emulator=emulator.label,
        emulator_started_at=started_at,
        emulator_start_seconds=round(emulator.start_seconds, 2),
    )
    return emulator


def _use_shared_emulator(
    session: HarnessSession, handed: dict[str, Any], worker: dict[str, Any]
) -> Emulator:
    """The emulator the xdist controller started for the whole run, guarded by its pid."""
    if "error" in handed:
        raise HarnessError(handed["error"])
    emulator = Emulator.shared(handed)
    session.guard = EmulatorGuard(emulator)
    worker.update(
        endpoint=emulator.endpoint,
        emulator=emulator.label,
        emulator_start_seconds=round(emulator.start_seconds, 2),
    )
    return emulator


def _wait_for_endpoint(target: Target, timeout: float = ENDPOINT_TIMEOUT) -> None:
    """A given endpoint must answer its health check before anything is applied (a real or
    posing AWS endpoint need not have the health path)."""
    if target.name == "aws":
        return
    path = health_path(target.name)
    waits.until(
        lambda: health_ok(target.endpoint or "", path=path),
        timeout=timeout,
        interval=0.5,
        what=f"The {target.name} endpoint {target.endpoint} answering {path}",
        fix="start it first, or fix --harness-endpoint-url/HARNESS_ENDPOINT_URL; without an "
        "endpoint the harness starts the emulator itself.",
    )


@pytest.fixture(scope="session")
def harness_toolchain(harness_session: HarnessSession) -> toolchain_mod.Toolchain:
    """The CLI and provider source; builds only if HARNESS_BUILD_MISSING=1 (`make bootstrap`
    builds them visibly, outside pytest's output capture)."""
    tools = toolchain_mod.ensure(build_missing=harness_session.active_settings().build_missing)
    publish(
        harness_session,
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
    harness_session: HarnessSession,
    harness_toolchain: toolchain_mod.Toolchain,
    harness_target: Target,
    harness_run: Run,
    request: pytest.FixtureRequest,
) -> Iterator[StackManager]:
    """Applies and tears down this worker's stacks."""
    settings = harness_session.active_settings()
    if not settings.terraform_root.is_dir():
        raise HarnessError(
            f"Terraform root {settings.terraform_root} does not exist.",
            fix="set harness_terraform_root (ini) or --harness-terraform-root.",
        )
    remembered = _apply_order(harness_session, settings.work_dir, harness_target.name)
    # Every worker collects the run's whole selection: the stacks its tests were applied for
    # last time are the ones this run will apply.
    selected = {item.nodeid for item in request.session.items}
    awaited = {key: r.busy for key, r in remembered.items() if r.used_by in selected}
    manager = StackManager(
        harness_toolchain,
        harness_target,
        harness_run,
        settings.terraform_root,
        teardown=harness_session.teardown,
        ephemeral=harness_session.ephemeral,
        slots=ApplySlots(harness_run.directory / "apply-slots", settings.apply_slots, awaited),
        expected_busy={key: r.busy for key, r in remembered.items()},
    )
    harness_session.manager = manager
    if harness_session.guard is not None:
        harness_session.guard.attach(manager)
    yield manager
    manager.destroy_all()  # before the emulator (a fixture this one uses) is stopped


def _apply_order(
    session: HarnessSession, work_dir: Path, target: str
) -> dict[str, history.Remembered]:
    """The last runs' figures order the apply slots where the run ends with its last scenario
    (discard). Where every stack is destroyed at its end, stacks that all end together destroy
    together, beside the last scenarios: one `make test-local TEARDOWN=destroy` in that order
    took 209.7 s (178.3 s in arrival order) and a whole-batch retry came 9.40 s after a 6 s
    visibility timeout, over its 8 s bound."""
    return history.remembered(work_dir, target) if session.teardown == "discard" else {}


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
def shared_stack(harness_session: HarnessSession, stack_manager: StackManager) -> StackFactory:
    """Like `stack`, but one application per (path, variables) for the whole worker session:
    for tests that read the same stack without disturbing each other."""
    cache: dict[str, AppliedStack] = {}

    def apply(
        path: str, variables: Mapping[str, Any] | None = None, label: str | None = None
    ) -> AppliedStack:
        key = json.dumps([path, variables or {}], sort_keys=True)
        if key not in cache:
            cache[key] = stack_manager.apply(
                path, variables, label or Path(path).name, used_by=harness_session.running_test
            )
        return cache[key]

    return apply


@pytest.fixture(scope="session")
def aws(harness_session: HarnessSession, harness_target: Target) -> Callable[[str], Any]:
    """`aws("sqs")` -> a boto3 client for the target (cached per service); on the run's own
    emulator, a request after its death raises `EmulatorDied` instead of retrying."""
    clients: dict[str, Any] = {}
    guard = harness_session.guard

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = harness_target.client(service)
            if guard is not None:
                clients[service].meta.events.register_first("before-send", guard.check)
        return clients[service]

    return client


@pytest.fixture
def evidence(harness_session: HarnessSession, request: pytest.FixtureRequest) -> Iterator[Evidence]:
    """Record what a test asserted and measured; it appears in the summary and reports."""
    recorded = Evidence()
    harness_session.evidence[request.node.nodeid] = recorded
    yield recorded  # the call phase's report takes it (collector.pytest_runtest_makereport)
    harness_session.evidence.pop(request.node.nodeid, None)
