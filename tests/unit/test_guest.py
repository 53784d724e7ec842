"""Installed in someone else's repository, the plugin is a guest: an unrelated suite runs as if
it were not there, and a suite that uses it gets back what activation changed."""

from __future__ import annotations

import os
import signal

import pytest

pytest_plugins = ["pytester"]

UNRELATED = """
import os, signal

def test_sees_no_harness():
    assert "HARNESS_RUN_ID" not in os.environ
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

def test_other():
    assert 1 + 1 == 2
"""

USES_THE_HARNESS = """
import signal

def test_run(harness_run):
    assert len(harness_run.id) == 6
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
"""


@pytest.fixture
def clean_process(monkeypatch: pytest.MonkeyPatch):
    """The in-process run starts from what a fresh pytest would see."""
    monkeypatch.delenv("HARNESS_RUN_ID", raising=False)
    monkeypatch.delenv("HARNESS_RUN_STARTED_AT", raising=False)
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_an_unrelated_suite_is_untouched(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, clean_process
) -> None:
    monkeypatch.setenv("HARNESS_TARGET", "no-such-target")  # not even read: nothing asks
    pytester.makepyfile(test_theirs=UNRELATED)
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "SQS <-> Lambda" not in result.stdout.str()
    assert "HARNESS_RUN_ID" not in os.environ
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert not (pytester.path / ".harness").exists()


def test_the_plugin_announces_itself_only_by_prefixed_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    section = result.stdout.str().split("sqs-lambda-harness:", 1)[1].split("\n\n", 1)[0]
    options = [line.split()[0] for line in section.splitlines() if line.strip().startswith("--")]
    assert options and all(option.startswith("--harness-") for option in options), options


def test_activation_is_undone_when_the_run_ends(pytester: pytest.Pytester, clean_process) -> None:
    pytester.makepyfile(test_ours=USES_THE_HARNESS)
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "HARNESS_RUN_ID" not in os.environ
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_misconfigured_target_is_refused_before_any_test_runs(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_ours=USES_THE_HARNESS, test_theirs=UNRELATED)
    result = pytester.runpytest_subprocess("-p", "no:xdist", "--harness-target", "staging")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Unknown target 'staging'*"])
    assert "passed" not in result.stdout.str()


UNRELATED_IN_A_WORKER = """
import os

def test_sees_no_harness():
    assert not any(name.startswith("HARNESS_RUN") for name in os.environ)

def test_other():
    assert 1 + 1 == 2
"""

THEIR_OWN_AWS_FIXTURE = """
import pytest

@pytest.fixture
def aws():
    return "their own aws fixture"

def test_uses_their_own_aws(aws):
    assert aws == "their own aws fixture"
"""


def test_an_unrelated_parallel_suite_is_untouched(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under xdist too: neither the workers nor the controller resolve a target."""
    monkeypatch.setenv("HARNESS_TARGET", "no-such-target")
    monkeypatch.setenv("HARNESS_MAX_RESOURCES", "not-a-number")
    pytester.makepyfile(test_theirs=UNRELATED_IN_A_WORKER)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    assert "SQS <-> Lambda" not in result.stdout.str()


def test_a_fixture_of_theirs_with_one_of_our_names_is_theirs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_TARGET", "no-such-target")
    pytester.makepyfile(test_theirs=THEIR_OWN_AWS_FIXTURE)
    result = pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()


THEIR_AWS_OVER_OURS = """
import pytest

@pytest.fixture
def aws(aws):
    return aws

def test_uses_their_aws_built_on_ours(aws):
    pass
"""


def test_a_fixture_of_theirs_built_on_ours_uses_the_harness(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`uses_harness` reads `item.fixturenames`, the closure of the fixtures in effect
    (overridden ones included): our `aws` under theirs brings in `harness_session`."""
    monkeypatch.setenv("HARNESS_TARGET", "no-such-target")
    pytester.makepyfile(test_theirs=THEIR_AWS_OVER_OURS)
    result = pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Unknown target 'no-such-target'*"])


RECORDS_WORKERS = """
from pathlib import Path

from sqs_lambda_harness.pytest_plugin.collector import worker_of

def pytest_configure(config):
    global CONTROLLER
    CONTROLLER = not hasattr(config, "workerinput")

def pytest_runtest_logreport(report):
    if CONTROLLER and report.when == "call":
        with Path("workers.txt").open("a") as seen:
            seen.write(worker_of(report) + "\\n")
"""


def test_the_controller_learns_which_xdist_worker_ran_a_test(pytester: pytest.Pytester) -> None:
    """`worker_of` relies on xdist adding `worker_id` to the reports it sends: this breaks if
    xdist stops doing so."""
    pytester.makeconftest(RECORDS_WORKERS)
    pytester.makepyfile(test_theirs=UNRELATED_IN_A_WORKER)
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "each", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    seen = (pytester.path / "workers.txt").read_text().split()
    assert sorted(seen) == ["gw0", "gw0", "gw1", "gw1"]
