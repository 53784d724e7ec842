"""Interrupting `scripts/compose-run.sh` mid-command, as a user's Ctrl-C or CI's SIGTERM does:
shared by the wrapper's checks in test_repository.py and test_compose.py."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

COMPOSE_RUN = Path(__file__).resolve().parents[2] / "scripts" / "compose-run.sh"


def interrupt_compose_run(
    env: dict[str, str],
    tmp_path: Path,
    sig: signal.Signals,
    *,
    to_group: bool,
    preexec_fn: Callable[[], None] | None = None,
) -> tuple[int, str, float]:
    """Run the wrapper with a command that marks its start and then sleeps for 60 s; once it
    started, send `sig` to the wrapper alone or to its whole process group. Returns the exit
    code, stderr and how long the wrapper took to exit after the signal."""
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [str(COMPOSE_RUN), "ministack", "--", "sh", "-c", f"touch {marker}; sleep 60"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec_fn,
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the command never started"
        signalled = time.monotonic()
        if to_group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        _, stderr = process.communicate(timeout=50)
        return process.returncode, stderr, time.monotonic() - signalled
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
