"""Progress and diagnostics through `logging`: the `sqs_lambda_harness` logger.

By default its records are today's terminal lines, `[harness] message` on stderr, so nobody
mistakes a 40-minute build or a 20 s wait for a hang (pytest captures stdout of tests; CI logs
keep stderr in order with the rest of the run). A host repository routes or silences them as it
would any library's: `logging.getLogger("sqs_lambda_harness").setLevel(logging.WARNING)` keeps
only warnings, and `logger.removeHandler(TERMINAL)` leaves the records to the host's own
handlers (they propagate as usual).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LOGGER_NAME = "sqs_lambda_harness"
logger = logging.getLogger(LOGGER_NAME)


class TerminalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """`[harness] message` on whatever `sys.stderr` is when the record is written (pytest
    swaps it while it captures)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("[harness] %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


TERMINAL = TerminalHandler()
logger.addHandler(TERMINAL)
if logger.level == logging.NOTSET:
    logger.setLevel(logging.INFO)


def say(message: str) -> None:
    """One progress line (INFO on the `sqs_lambda_harness` logger)."""
    logger.info(message)


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
        logger.warning("%s: failed after %s", what, format_seconds(time.monotonic() - started))
        raise
    finally:
        done.set()
        thread.join()
    say(f"{what}: done in {format_seconds(time.monotonic() - started)}")
