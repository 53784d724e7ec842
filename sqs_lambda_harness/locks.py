"""File locks shared by every process of a machine: the one way this project keeps parallel
workers from building or planning the same thing twice (they wait instead), from writing one
file at once (the ledger, the resource tally), or from starting too many applies at once (apply
slots). `flock` locks belong to an open file, so threads of one process exclude each other too.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold `lock_path` (created if missing) exclusively for the duration of the block."""
    with locked_open(lock_path, "a"):
        yield


@contextmanager
def locked_open(path: Path, mode: str, shared: bool = False) -> Iterator[IO[str]]:
    """`path` opened in `mode` and locked for the block: exclusively to change it, `shared`
    to only read it (readers do not wait for each other, only for a writer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open(mode) as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class HeldLock:
    """An exclusive lock taken by `try_exclusive`, held until `release` (or the holder dies)."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        """Let the next holder in; a second call does nothing."""
        if self._handle is not None:
            self._handle.close()  # the lock goes with the open file
            self._handle = None


def try_exclusive(lock_path: Path) -> HeldLock | None:
    """`lock_path` (created if missing) locked exclusively if nobody holds it, else None at
    once: for callers that poll several locks, or must stop waiting on their own terms."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return HeldLock(handle)
