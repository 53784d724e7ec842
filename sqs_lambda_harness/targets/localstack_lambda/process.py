"""One function process: started in its own process group, its output captured, killed with
everything it started, and never outliving LocalStack.

Three exits are covered: `kill` (stop, delete, idle expiry, timeout), an `atexit` hook that
kills every live group when LocalStack exits normally (its SIGTERM path), and a lifeline pipe
for a LocalStack killed outright: each child holds the read end of a pipe whose only write end
is LocalStack's; the kernel closes it when LocalStack dies, and a thread in the child then
kills the child's whole group. (PR_SET_PDEATHSIG would fire when the *thread* that forked the
child exits, and LocalStack forks from pool threads that come and go.)
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

LIFELINE_VARIABLE = "HARNESS_LIFELINE_FD"

# Runs in the child before the runtime client: the lifeline watch, then `python -m <module>`.
BOOTSTRAP = f"""
import os, runpy, signal, sys, threading
fd = int(os.environ.pop("{LIFELINE_VARIABLE}"))
def watch():
    while os.read(fd, 1):
        pass
    os.killpg(0, signal.SIGKILL)
threading.Thread(target=watch, name="lifeline", daemon=True).start()
module = sys.argv.pop(1)
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""

_live: set[FunctionProcess] = set()
_live_lock = threading.Lock()
_lifeline: tuple[int, int] | None = None


def _lifeline_read_end() -> int:
    """The read end every child inherits; the write end stays open in this process only."""
    global _lifeline
    with _live_lock:
        if _lifeline is None:
            _lifeline = os.pipe()  # both ends non-inheritable; pass_fds opens the read end
        return _lifeline[0]


@atexit.register
def kill_all() -> None:
    """Kill every function process group still running (LocalStack is exiting)."""
    with _live_lock:
        processes = list(_live)
    for process in processes:
        process.kill()


class FunctionProcess:
    """`python -c BOOTSTRAP <module> <args>`: the module runs as `python -m` would run it."""

    def __init__(
        self,
        python: Path,
        module_args: list[str],
        cwd: Path,
        env: dict[str, str],
        on_exit: Callable[[int], None],
    ) -> None:
        lifeline = _lifeline_read_end()
        self.popen = subprocess.Popen(
            [str(python), "-c", BOOTSTRAP, *module_args],
            cwd=cwd,
            env={**env, LIFELINE_VARIABLE: str(lifeline)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(lifeline,),
        )
        with _live_lock:
            _live.add(self)
        assert self.popen.stdout is not None
        self.output = OutputPipe(self.popen.stdout.fileno())
        self._on_exit = on_exit
        threading.Thread(target=self._watch, name=f"lambda-exit-{self.pid}", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def max_memory_mb(self) -> int:
        """Peak resident memory (VmHWM) of the runtime process, in MB as AWS reports it."""
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(1, round(int(line.split()[1]) / 1024))
        return 0

    def kill(self) -> None:
        """SIGKILL the whole group (the handler's own children too) and reap the process."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait()
        with _live_lock:
            _live.discard(self)

    def _watch(self) -> None:
        code = self.popen.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # whatever the handler left in its group
        with _live_lock:
            _live.discard(self)
        self._on_exit(code)


class OutputPipe:
    """The process's stdout and stderr. A thread keeps reading (a handler that prints more than
    a pipe holds must not block); `take` first drains what the pipe holds, so it returns
    everything the process wrote before it posted its response."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        os.set_blocking(fd, False)
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._closed = False
        threading.Thread(target=self._pump, name=f"lambda-output-{fd}", daemon=True).start()

    def take(self) -> str:
        """Everything written since the last `take`."""
        with self._lock:
            self._read_available()
            data, self._pending = bytes(self._pending), bytearray()
        return data.decode(errors="replace")

    def _pump(self) -> None:
        while not self._closed:
            with contextlib.suppress(OSError, ValueError):
                select.select([self._fd], [], [])
            with self._lock:
                self._read_available()

    def _read_available(self) -> None:
        while not self._closed:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._closed = True
                return
            self._pending += chunk
