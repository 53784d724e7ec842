"""How run facts reach the summary: a test's evidence into its report, a worker's facts and
stack history into xdist's `workeroutput`, and in the controller (or the only process) all of
it into the run report, printed at the end and written as JSON and HTML."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from sqs_lambda_harness.pytest_plugin import history
from sqs_lambda_harness.pytest_plugin.session import session_of
from sqs_lambda_harness.reporting.evidence import EVIDENCE_KEY, evidence_from_properties
from sqs_lambda_harness.reporting.html import write_html
from sqs_lambda_harness.reporting.report import RunReport, ScenarioResult, WorkerFacts
from sqs_lambda_harness.terraform.stacks import StackRecord
from sqs_lambda_harness.usage import Usage

if TYPE_CHECKING:
    from sqs_lambda_harness.pytest_plugin.session import HarnessSession

TITLE_KEY = "harness_title"  # user property: the scenario's title in the summary
STACKS_KEY = "harness_stacks"
LEFTOVERS_KEY = "harness_leftovers"
USAGE_KEY = "harness_usage"
FACT_KEYS = ("harness_environment", "harness_worker")


def publish(session: HarnessSession, key: str, value: dict[str, Any]) -> None:
    """Hand run facts (`harness_environment`: the run's; `harness_worker`: this process's) to
    the controller: via workeroutput under xdist, directly otherwise."""
    if session.worker:
        output = session.config.workeroutput  # type: ignore[attr-defined]
        output[key] = json.dumps({**json.loads(output.get(key, "{}")), **value})
    else:
        _take_facts(session.run_report(), key, value)


def _take_facts(run_report: RunReport, key: str, value: dict[str, Any]) -> None:
    if key == "harness_worker":
        facts = run_report.workers.get(value["id"]) or WorkerFacts(value["id"])
        for name, item in value.items():
            setattr(facts, name, item)
        run_report.workers[facts.id] = facts
    else:
        run_report.environment.update(value)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """The test's evidence travels in its report's user properties (which xdist sends)."""
    recorded = session_of(item.config).evidence.get(item.nodeid)
    if call.when == "call" and recorded is not None:
        item.user_properties.append((EVIDENCE_KEY, recorded.to_json()))
        for measurement in recorded.measurements:  # JUnit XML shows them as properties
            item.user_properties.append((measurement.name, f"{measurement.value:.3f}"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Wait for this process's destroys (a leak fails the run) and hand its stack history
    over; only a worker that used the harness reports to the controller."""
    harness = session_of(session.config)
    history, leftovers = harness.finish_stacks()
    if leftovers and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    usage = harness.target.meter.snapshot() if harness.target else Usage()
    if harness.worker:
        if harness.active:
            output = session.config.workeroutput  # type: ignore[attr-defined]
            output[STACKS_KEY] = json.dumps([record.to_json() for record in history])
            output[LEFTOVERS_KEY] = json.dumps(leftovers)
            output[USAGE_KEY] = json.dumps(usage.to_json())
    elif history or leftovers or usage.requests:
        harness.run_report().stacks += history
        harness.run_report().leftovers += leftovers
        harness.run_report().usage.add(usage)


def worker_of(report: pytest.TestReport) -> str:
    """The xdist worker that ran a test (`gw0`), or `m` without xdist. xdist adds `worker_id`
    to every report it sends (xdist/remote.py, `pytest_runtest_logreport`); pytest keeps
    unknown report fields as attributes. tests/unit/test_guest.py breaks if that changes."""
    return str(getattr(report, "worker_id", None) or "m")


class Summary:
    """Lives in the controller (or the only process): gathers reports into the run summary.
    Registered with the session at configure time and unregistered at unconfigure."""

    def __init__(self, session: HarnessSession) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        title = dict(report.user_properties).get(TITLE_KEY)
        outcome, reason = outcome_of(report)
        if title is None or outcome is None:
            return
        run_report = self.session.run_report()
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
                worker=worker_of(report),
                started_at=getattr(report, "start", None),
            )
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Under xdist: collect each worker's stack history and environment facts."""
        output = getattr(node, "workeroutput", None) or {}
        if not any(key.startswith("harness_") for key in output):
            return  # that worker never used the harness
        run_report = self.session.run_report()
        run_report.stacks += [
            StackRecord(**record) for record in json.loads(output.get(STACKS_KEY, "[]"))
        ]
        run_report.leftovers += json.loads(output.get(LEFTOVERS_KEY, "[]"))
        run_report.usage.add(Usage.from_json(json.loads(output.get(USAGE_KEY, "{}"))))
        for key in FACT_KEYS:
            facts = json.loads(output.get(key, "{}"))
            if facts:
                _take_facts(run_report, key, facts)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        run_report = self.session.report
        if run_report is None:
            return  # the harness was not used
        wall = time.monotonic() - self.session.started_monotonic
        settings = self.session.active_settings()
        history.remember(settings.work_dir, run_report.target, run_report.stacks)
        lines = run_report.render(wall)
        if lines:
            terminalreporter.write_sep("=", "SQS <-> Lambda: what this run proved")
        for line in lines:
            terminalreporter.write_line(line)
        if settings.report:
            run_report.write_json(settings.report, wall)
            terminalreporter.write_line(f"  JSON report: {settings.report}")
        if settings.html:
            write_html(settings.html, run_report.to_dict(wall))
            terminalreporter.write_line(f"  HTML report: {settings.html}")


def outcome_of(report: pytest.TestReport) -> tuple[str | None, str]:
    """(outcome for the summary, short reason), or (None, "") for a phase that adds nothing."""
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
