"""The plugin keeps one session object per pytest process: registered at configure, gone at
unconfigure; its settings come from the command line, the environment and the ini by one rule;
xdist workers share the controller's run id without any environment variable."""

from __future__ import annotations

import pytest

from sqs_lambda_harness.pytest_plugin.session import SESSION_KEY

pytest_plugins = ["pytester"]

REGISTERED = """
def test_registered(request):
    manager = request.config.pluginmanager
    assert manager.get_plugin("harness-session") is not None
    assert manager.get_plugin("harness-summary") is not None
"""


def test_the_session_and_its_collector_are_unregistered_when_the_run_ends(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_registered=REGISTERED)
    recorder = pytester.inline_run("-p", "no:xdist", "-p", "no:cacheprovider")
    recorder.assertoutcome(passed=1)
    config = recorder.getcall("pytest_unconfigure").config
    assert config.pluginmanager.get_plugin("harness-session") is None
    assert config.pluginmanager.get_plugin("harness-summary") is None
    assert SESSION_KEY not in config.stash


READS_SETTINGS = """
def test_settings(harness_session):
    settings = harness_session.settings
    assert harness_session.target.name == "moto", settings
    assert settings.terraform_root.name == "from-option", settings
    assert settings.max_resources == 12, settings
"""


def test_the_command_line_beats_the_environment_and_the_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_TARGET", "localstack")
    monkeypatch.setenv("HARNESS_MAX_RESOURCES", "12")  # no option given: the variable counts
    pytester.makeini("[pytest]\nharness_terraform_root = from-ini\n")
    pytester.makepyfile(test_settings=READS_SETTINGS)
    result = pytester.runpytest_subprocess(
        "-p", "no:xdist", "--harness-target", "moto", "--harness-terraform-root", "from-option"
    )
    result.assert_outcomes(passed=1)


def test_a_bad_setting_is_refused_before_any_test_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_APPLY_SLOTS", "two")
    pytester.makepyfile(test_settings=READS_SETTINGS)
    result = pytester.runpytest_subprocess("-p", "no:xdist")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*HARNESS_APPLY_SLOTS='two' is not a whole number*", "*Fix:*"])
    assert "passed" not in result.stdout.str()


RECORDS_THE_RUN = """
import os
from pathlib import Path

def test_run(harness_run):
    assert not any(name.startswith("HARNESS_RUN") for name in os.environ)
    Path(harness_run.worker).write_text(harness_run.id + " " + harness_run.started_at)
"""


def test_every_worker_gets_the_controllers_run_id(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARNESS_RUN_ID", raising=False)
    monkeypatch.delenv("HARNESS_RUN_STARTED_AT", raising=False)
    pytester.makepyfile(test_run=RECORDS_THE_RUN)
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "each", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    seen = {(pytester.path / worker).read_text() for worker in ("gw0", "gw1")}
    assert len(seen) == 1, seen
    run_id, _ = seen.pop().split()
    assert len(run_id) == 6


def test_a_given_run_id_is_every_workers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_RUN_ID", "nightly")
    pytester.makepyfile(test_run=RECORDS_THE_RUN.replace("assert not any", "assert any"))
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "each", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    ids = {(pytester.path / worker).read_text().split()[0] for worker in ("gw0", "gw1")}
    assert ids == {"nightly"}
