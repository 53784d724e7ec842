"""Progress lines for long work, so nobody mistakes a 40-minute build or a 20 s wait for a hang.

Everything goes to stderr with a `[harness]` prefix: pytest captures stdout of tests, and CI
logs keep stderr in order with the rest of the run.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def say(message: str) -> None:
    """One progress line, flushed at once."""
    print(f"[harness] {message}", file=sys.stderr, flush=True)


def format_seconds(seconds: float) -> str:
    """`75.2` -> `1m15s`; short values keep one decimal."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"


@contextmanager
def heartbeat(
    what: str, every: float = 30.0, detail: Callable[[], str] | None = None
) -> Iterator[None]:
    """Say `what` now, then every `every` seconds until the block ends, then how long it took.

    `detail` is called for each beat to add a live figure (packages compiled, messages seen).
    """
    started = time.monotonic()
    done = threading.Event()
    say(f"{what} ...")

    def beat() -> None:
        while not done.wait(every):
            extra = f" ({detail()})" if detail else ""
            say(f"{what}: still working, {format_seconds(time.monotonic() - started)}{extra}")

    thread = threading.Thread(target=beat, name=f"heartbeat:{what}", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        say(f"{what}: failed after {format_seconds(time.monotonic() - started)}")
        raise
    finally:
        done.set()
        thread.join()
    say(f"{what}: done in {format_seconds(time.monotonic() - started)}")
