"""The leftovers ledger: stacks a run could not destroy, kept for `sweep --from-ledger`.

A destroy that still fails after its retries leaves tagged resources on a target that outlives
the run. The ledger says which run left them, where, and why; the sweeper removes exactly those
runs' resources later and strikes their entries off.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqs_lambda_harness.cache import cache_dir
from sqs_lambda_harness.locks import locked_open


@dataclass(frozen=True)
class LedgerEntry:
    run_id: str
    prefix: str
    target: str
    endpoint: str | None
    region: str
    workdir: str
    recorded_at: str
    error: str


def path() -> Path:
    """`HARNESS_LEDGER`, else `leftovers.jsonl` in the harness cache (outside any work tree)."""
    explicit = os.environ.get("HARNESS_LEDGER")
    return Path(explicit) if explicit else cache_dir() / "leftovers.jsonl"


def record(entry: LedgerEntry) -> Path | None:
    """Append one entry (workers of one run may write at once: the file is locked); None when
    the ledger cannot be written (the caller's own error matters more than this one)."""
    try:
        with locked_open(path(), "a") as handle:
            handle.write(json.dumps(dataclasses.asdict(entry)) + "\n")
    except OSError:
        return None
    return path()


def entries() -> list[LedgerEntry]:
    if not path().exists():
        return []
    with locked_open(path(), "r", shared=True) as handle:
        return _parse(handle.read())


def strike(done: Callable[[LedgerEntry], bool]) -> int:
    """Remove the entries `done` accepts; returns how many were removed."""
    if not path().exists():
        return 0
    with locked_open(path(), "r+") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
        kept = [line for line in lines if (entry := _entry(line)) is None or not done(entry)]
        handle.seek(0)
        handle.truncate()
        handle.writelines(line + "\n" for line in kept)  # unreadable lines stay, for a person
    return len(lines) - len(kept)


def _parse(text: str) -> list[LedgerEntry]:
    """The readable entries (a writer killed mid-line leaves one that is not)."""
    return [entry for line in text.splitlines() if (entry := _entry(line)) is not None]


def _entry(line: str) -> LedgerEntry | None:
    known = {f.name for f in dataclasses.fields(LedgerEntry)}
    try:
        data = json.loads(line)
        data.setdefault("region", "")
        return LedgerEntry(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError):
        return None
