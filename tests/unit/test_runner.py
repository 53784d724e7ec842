"""The runner turns the CLI's -json diagnostics into readable errors (fake CLI, no Terraform)."""

import json
import stat
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sqs_lambda_harness.terraform.runner import Runner, TerraformError


def fake_cli(tmp_path: Path, lines: list[dict], exit_code: int, plain: str = "") -> Path:
    script = tmp_path / "terraform"
    payload = "\n".join(json.dumps(line) for line in lines)
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"print({plain!r}) if {plain!r} else None\n"
        f"print({payload!r})\n"
        f"sys.exit({exit_code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


DIAGNOSTIC = {
    "type": "diagnostic",
    "@message": "Error: Invalid value for variable",
    "diagnostic": {
        "severity": "error",
        "summary": "Invalid value for variable",
        "detail": "receive_wait_time_seconds must be between 0 and 20.\n\nThis was checked ...",
        "address": "module.queue.aws_sqs_queue.this",
        "range": {"filename": "variables.tf", "start": {"line": 12}},
    },
}


def test_failed_apply_shows_resource_summary_and_detail(tmp_path: Path) -> None:
    runner = Runner(fake_cli(tmp_path, [DIAGNOSTIC], 1), tmp_path, {}, tmp_path / "cli.log")
    with pytest.raises(TerraformError) as caught:
        runner.apply()
    text = str(caught.value)
    assert "`terraform apply -input=false -json -parallelism=32 -auto-approve` failed." in text
    assert "Error: Invalid value for variable — module.queue.aws_sqs_queue.this" in text
    assert "(variables.tf:12)" in text
    assert "must be between 0 and 20" in text
    assert '"type"' not in text  # no raw JSON dump
    assert caught.value.diagnostics[0].address == "module.queue.aws_sqs_queue.this"


def test_failure_without_diagnostics_shows_the_output_tail(tmp_path: Path) -> None:
    cli = fake_cli(tmp_path, [], 1, plain="Error: Failed to query available provider packages")
    runner = Runner(cli, tmp_path, {}, tmp_path / "cli.log")
    with pytest.raises(TerraformError, match="Failed to query available provider packages"):
        runner.init()


def test_change_summary_is_read_from_the_event_stream(tmp_path: Path) -> None:
    events = [
        {
            "type": "change_summary",
            "changes": {"add": 7, "change": 0, "remove": 0, "operation": "apply"},
        },
        {"type": "outputs", "outputs": {}},
    ]
    result = Runner(fake_cli(tmp_path, events, 0), tmp_path, {}, tmp_path / "l").apply()
    assert result.changes("apply") == {"add": 7, "change": 0, "remove": 0}
    assert result.changes("plan") == {}
    log = (tmp_path / "l").read_text()
    assert log.count('"type": "change_summary"') == 1  # every event is streamed to the log


def test_timeout_interrupts_the_cli_and_says_so(tmp_path: Path) -> None:
    script = tmp_path / "terraform"
    # Like terraform (Go's signal.Notify), the stand-in handles SIGINT even when it was started
    # with SIGINT ignored, as everything started from a shell's background job is.
    script.write_text(
        f"#!{sys.executable}\nimport signal, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\ntime.sleep(30)\n"
    )
    script.chmod(0o755)
    runner = Runner(script, tmp_path, {}, tmp_path / "l", timeout=0.5)
    with pytest.raises(TerraformError, match=r"timed out after [01]s"):
        runner.apply()


def test_a_killed_runner_stops_its_command_and_starts_no_other(tmp_path: Path) -> None:
    """What `target_lost` relies on: a command that starts after the kill must not sit in the
    provider's retries against a dead endpoint."""
    script = tmp_path / "terraform"
    started = tmp_path / "started"
    script.write_text(
        f"#!{sys.executable}\nimport pathlib, time\n"
        f"pathlib.Path({str(started)!r}).touch()\ntime.sleep(30)\n"
    )
    script.chmod(0o755)
    runner = Runner(script, tmp_path, {}, tmp_path / "l", timeout=60)
    killer = threading.Thread(target=lambda: (_await(started.exists), runner.kill()))
    killer.start()
    began = time.monotonic()
    with pytest.raises(TerraformError, match="apply"):
        runner.apply()
    assert time.monotonic() - began < 10  # killed, not timed out (60 s) or slept out (30 s)
    killer.join()

    started.unlink()
    with pytest.raises(TerraformError, match="not started: the runner was killed"):
        runner.destroy()
    assert not started.exists()  # refused before a process was started


def _await(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.02)


def test_outputs_come_from_the_apply_outputs_event_unless_one_is_withheld() -> None:
    from sqs_lambda_harness.terraform.runner import Result

    planned = {"type": "outputs", "outputs": {"url": {"sensitive": False, "type": "string"}}}
    applied = {"type": "outputs", "outputs": {"url": {"sensitive": False, "value": "http://q"}}}
    assert Result(events=[planned, applied]).outputs() == {"url": "http://q"}
    secret = {"type": "outputs", "outputs": {"key": {"sensitive": True, "type": "string"}}}
    assert Result(events=[secret]).outputs() is None
    assert Result(events=[]).outputs() is None


def test_a_failed_plan_is_returned_not_raised_when_asked(tmp_path: Path) -> None:
    runner = Runner(fake_cli(tmp_path, [DIAGNOSTIC], 1), tmp_path, {}, tmp_path / "cli.log")
    result = runner.plan(out=None, check=False)
    assert (result.ok, result.returncode) == (False, 1)
    assert [d.summary for d in result.errors] == ["Invalid value for variable"]
    assert "must be between 0 and 20" in result.explain()


def test_validate_lifts_the_diagnostics_out_of_its_single_document(tmp_path: Path) -> None:
    document = {"valid": False, "error_count": 1, "diagnostics": [DIAGNOSTIC["diagnostic"]]}
    runner = Runner(fake_cli(tmp_path, [document], 1), tmp_path, {}, tmp_path / "cli.log")
    assert [d.address for d in runner.validate(check=False).errors] == [
        "module.queue.aws_sqs_queue.this"
    ]
    with pytest.raises(TerraformError, match="must be between 0 and 20"):
        runner.validate()
