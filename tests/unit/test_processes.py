"""Programs the harness starts never outlive their time limit, and take their children with them
(real processes: small Python scripts)."""

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sqs_lambda_harness import processes
from sqs_lambda_harness.processes import ProcessTimeout

PARENT_WITH_CHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(f"parent {__import__('os').getpid()} child {child.pid}", flush=True)
time.sleep(60)
"""

CLEAN_ON_SIGINT = """
import pathlib, signal, sys, time
def stop(*_):
    pathlib.Path(sys.argv[1]).write_text("saved")
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
print("ready", flush=True)
time.sleep(60)
"""

DEAF_TO_SIGINT = """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


def python(script: str, *args: str) -> list[str]:
    return [sys.executable, "-c", script, *args]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def await_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The pids still alive once all are gone or `timeout` passed (a SIGKILLed process is gone
    within milliseconds; the reaping of an orphan by init may take a moment)."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [pid for pid in pids if alive(pid)]


def started(script: str, *args: str) -> subprocess.Popen[str]:
    """A script started through `processes`, once it said it is ready (its handlers are set)."""
    process = processes.start(python(script, *args), die_with_parent=False)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_run_returns_the_output_and_the_exit_code() -> None:
    result = processes.run(
        python("print('one'); print('two'); raise SystemExit(3)"), timeout=60, what="a script"
    )
    assert (result.returncode, result.stdout) == (3, "one\ntwo\n")


def test_run_streams_lines_to_the_log_and_to_on_line() -> None:
    log, seen = io.StringIO(), []
    result = processes.run(
        python("import sys; print('out'); print('err', file=sys.stderr)"),
        timeout=60,
        what="a script",
        log=log,
        on_line=seen.append,
    )
    assert result.returncode == 0
    assert sorted(seen) == ["err\n", "out\n"]  # stderr is merged
    assert sorted(log.getvalue().splitlines()) == ["err", "out"]
    assert result.stdout == ""  # went to the log instead


def test_a_timeout_kills_the_whole_group_grandchildren_included() -> None:
    began = time.monotonic()
    with pytest.raises(ProcessTimeout, match="the sleeper did not finish within 1s") as caught:
        processes.run(python(PARENT_WITH_CHILD), timeout=1, what="the sleeper")
    # The grandchild held the output pipe too: run() only returned because it died as well.
    assert time.monotonic() - began < 30
    found = re.search(r"parent (\d+) child (\d+)", caught.value.details)
    assert found, caught.value.details
    assert await_gone([int(found[1]), int(found[2])]) == []


def test_kill_group_with_sigint_and_grace_lets_the_program_exit_cleanly(tmp_path: Path) -> None:
    saved = tmp_path / "state"
    process = started(CLEAN_ON_SIGINT, str(saved))
    processes.kill_group(process, signal.SIGINT, grace=30)
    assert process.returncode == 0
    assert saved.read_text() == "saved"


def test_a_program_that_ignores_sigint_is_killed_after_the_grace() -> None:
    process = started(DEAF_TO_SIGINT)
    processes.kill_group(process, signal.SIGINT, grace=0.5)
    assert process.returncode == -signal.SIGKILL


def test_a_ctrl_c_during_the_grace_still_kills_the_group() -> None:
    process = started(DEAF_TO_SIGINT)
    wait = process.wait

    def interrupted_grace(timeout: float | None = None) -> int:
        if timeout == 30:
            raise KeyboardInterrupt  # the user pressed Ctrl-C again while we waited
        return wait(timeout)

    process.wait = interrupted_grace  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        processes.kill_group(process, signal.SIGINT, grace=30)
    assert wait(timeout=10) == -signal.SIGKILL


def test_time_limit_sends_the_first_signal_then_says_it_expired(tmp_path: Path) -> None:
    saved = tmp_path / "state"
    process = started(CLEAN_ON_SIGINT, str(saved))
    with processes.time_limit(process, 0.2, signal.SIGINT, grace=30) as expired:
        process.wait(timeout=30)
    assert expired.is_set() and process.returncode == 0
    assert saved.read_text() == "saved"


def test_a_program_within_its_time_limit_is_left_alone() -> None:
    process = processes.start(python("print('done')"), die_with_parent=False)
    with processes.time_limit(process, 60) as expired:
        assert process.communicate(timeout=30)[0] == "done\n"
    assert not expired.is_set() and process.returncode == 0


def test_die_with_parent_stops_the_program_when_its_starter_is_killed() -> None:
    starter = (
        "from sqs_lambda_harness import processes; import sys, time\n"
        "p = processes.start([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(p.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen(python(starter), stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        assert alive(child)
        parent.kill()
        parent.wait(timeout=10)
        assert await_gone([child]) == []
    finally:
        parent.kill()
        parent.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
