"""What one run tells the next about its stacks: how long each stayed busy after its apply's
start, and which test it was applied for, per target, kept in the harness's work directory
(`history.json`, beside the runs) so the next run's workers start the stack that keeps going
longest first, and keep a slot for it if it is not there yet. No history yet (a fresh clone) or
an unreadable one: every stack waits its turn as it comes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqs_lambda_harness.locks import locked_open
from sqs_lambda_harness.terraform.slots import expected_busy, stack_key
from sqs_lambda_harness.terraform.stacks import StackRecord

FILE_NAME = "history.json"


@dataclass(frozen=True)
class Remembered:
    """One stack (path and label) as a run on a target saw it."""

    busy: float  # seconds from its first resource change to its teardown
    used_by: str = ""  # the test it was applied for ("" if not known)


def remembered(work_dir: Path, target: str) -> dict[str, Remembered]:
    """{stack key: Remembered} the last runs on `target` measured; empty when nothing was
    kept."""
    path = work_dir / FILE_NAME
    if not path.is_file():
        return {}
    with locked_open(path, "r", shared=True) as handle:
        return _stacks(_parsed(handle.read()).get(target))


def remember(work_dir: Path, target: str, records: Iterable[StackRecord]) -> None:
    """Keep this run's figures, over those of stacks it did not apply."""
    records = list(records)
    used_by = {stack_key(r.stack, r.label): r.used_by for r in records if r.used_by}
    measured = {
        key: {"busy": busy, "used_by": used_by.get(key, "")}
        for key, busy in expected_busy(records).items()
    }
    if not measured:
        return
    with locked_open(work_dir / FILE_NAME, "a+") as handle:
        handle.seek(0)
        kept = _parsed(handle.read())
        earlier = {
            key: {"busy": stack.busy, "used_by": stack.used_by}
            for key, stack in _stacks(kept.get(target)).items()
        }
        kept[target] = {**earlier, **measured}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(kept, indent=2, sort_keys=True) + "\n")


def _parsed(text: str) -> dict[str, object]:
    try:
        document = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}  # a damaged file teaches nothing; the next run rewrites it
    return document if isinstance(document, dict) else {}


def _stacks(kept: object) -> dict[str, Remembered]:
    """The well-formed entries of one target: {"busy": seconds, "used_by": nodeid}, or the
    bare seconds an earlier version kept."""
    if not isinstance(kept, dict):
        return {}
    stacks = {}
    for key, entry in kept.items():
        fields = entry if isinstance(entry, dict) else {"busy": entry}
        busy, used_by = fields.get("busy"), fields.get("used_by", "")
        if _is_seconds(busy) and isinstance(used_by, str):
            stacks[str(key)] = Remembered(float(busy), used_by)
    return stacks


def _is_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
