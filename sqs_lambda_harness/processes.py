"""The one way this package starts a program: in a session of its own, with a time limit, and
killed with its whole process group (a killed parent leaves its children running otherwise:
terraform its provider plugins, `go build` its compilers, an emulator its Lambda workers).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from sqs_lambda_harness.errors import HarnessError, tail

REAP_SECONDS = 10.0  # after SIGKILL a process is gone at once; this only bounds a stuck reap
PR_SET_PDEATHSIG = 1


def _load_libc() -> Any:
    """libc, loaded here rather than in a forked child (where a dlopen can deadlock if another
    thread held the loader's lock at the fork); None off glibc."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


class ProcessTimeout(HarnessError):
    """A program outlived its time limit and was killed with its group."""


def run(
    command: list[str],
    *,
    timeout: float,
    what: str,
    log: IO[str] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `command` to completion and return its exit code. Its output (stderr merged) goes to
    `log`, or is returned in `stdout`; `on_line` sees each line as it comes (a progress figure).
    Past `timeout` seconds its group is killed and `ProcessTimeout` names `what` timed out."""
    streamed = on_line is not None or log is None
    process = start(
        command, env=env, cwd=cwd, output=None if streamed else log, die_with_parent=False
    )
    with time_limit(process, timeout) as expired:
        try:
            stdout = _read_lines(process, log, on_line) if streamed else ""
            process.wait()
        except BaseException:
            kill_group(process)
            raise
    if expired.is_set():
        raise ProcessTimeout(
            f"{what} did not finish within {timeout:.0f}s and was killed.",
            details=tail(stdout),
            fix="see its log; a machine under heavy load may need more time.",
        )
    return subprocess.CompletedProcess(command, process.returncode, stdout, "")


def _read_lines(
    process: subprocess.Popen[str], log: IO[str] | None, on_line: Callable[[str], None] | None
) -> str:
    """Each line to `log` (or kept, and returned) and to `on_line`."""
    assert process.stdout is not None
    kept: list[str] = []
    for line in process.stdout:
        if log is not None:
            log.write(line)
        else:
            kept.append(line)
        if on_line is not None:
            on_line(line)
    return "".join(kept)


def start(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    output: IO[Any] | None = None,
    die_with_parent: bool = True,
) -> subprocess.Popen[str]:
    """Start `command` in a session of its own (a Ctrl-C in the terminal reaches us, not it;
    we pass it on). Its output goes to `output`, or to a text pipe when None. With
    `die_with_parent`, Linux SIGTERMs it when we die, even by SIGKILL, so a killed session
    never leaves a server holding a port. Linux ties that to the *thread* that starts it: start
    a long-lived program from a thread that outlives it (not a short-lived worker thread)."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output if output is not None else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with_parent if die_with_parent and _LIBC is not None else None,
    )


@contextlib.contextmanager
def time_limit(
    process: subprocess.Popen[Any],
    timeout: float,
    first: signal.Signals | None = None,
    grace: float = 0.0,
) -> Iterator[threading.Event]:
    """Stop `process` with its group (`kill_group` with `first` and `grace`) if the block
    outlives `timeout`; the event yielded says whether that happened."""
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        kill_group(process, first, grace)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()


def kill_group(
    process: subprocess.Popen[Any], first: signal.Signals | None = None, grace: float = 0.0
) -> None:
    """Stop `process` and every process of its group: `first` (e.g. SIGINT, so terraform saves
    its state; SIGTERM, so a server shuts down) to the leader, up to `grace` seconds for it to
    exit, then SIGKILL to the whole group (also when a Ctrl-C cuts the grace short), and reap
    the leader."""
    try:
        if first is not None and grace > 0 and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                process.send_signal(first)
                process.wait(timeout=grace)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=REAP_SECONDS)


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the parent (thread) dies, even by SIGKILL."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
