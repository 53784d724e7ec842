"""The interrupt that tells the main thread its run's own emulator died, and how code that must
not be cut short in the middle (starting a process, taking a lock, recording a teardown) defers
it until that is done.

The plugin's watcher sends `EMULATOR_DIED` to the main thread, whose handler raises wherever the
test is; `shielded()` blocks the signal in the calling thread for a few lines, and a signal that
arrived meanwhile is delivered (and raises) as soon as the block ends.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

EMULATOR_DIED = signal.SIGUSR1


@contextmanager
def shielded() -> Iterator[None]:
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {EMULATOR_DIED})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
