"""What one run tells the next about its stacks: how long each stayed busy after its apply's
start, per target, kept in the harness's work directory (`history.json`, beside the runs) so
the next run's workers start the stack that keeps going longest first. No history yet (a fresh
clone) or an unreadable one: every stack waits its turn as it comes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sqs_lambda_harness.locks import locked_open
from sqs_lambda_harness.terraform.slots import expected_busy
from sqs_lambda_harness.terraform.stacks import StackRecord

FILE_NAME = "history.json"


def remembered(work_dir: Path, target: str) -> dict[str, float]:
    """{stack key: seconds} the last runs on `target` measured; empty when nothing was kept."""
    path = work_dir / FILE_NAME
    if not path.is_file():
        return {}
    with locked_open(path, "r", shared=True) as handle:
        return _figures(_parsed(handle.read()).get(target))


def remember(work_dir: Path, target: str, records: Iterable[StackRecord]) -> None:
    """Keep this run's figures, over those of stacks it did not apply."""
    measured = expected_busy(records)
    if not measured:
        return
    with locked_open(work_dir / FILE_NAME, "a+") as handle:
        handle.seek(0)
        kept = _parsed(handle.read())
        kept[target] = {**_figures(kept.get(target)), **measured}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(kept, indent=2, sort_keys=True) + "\n")


def _parsed(text: str) -> dict[str, object]:
    try:
        document = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}  # a damaged file teaches nothing; the next run rewrites it
    return document if isinstance(document, dict) else {}


def _figures(kept: object) -> dict[str, float]:
    if not isinstance(kept, dict):
        return {}
    return {str(key): float(value) for key, value in kept.items() if _is_seconds(value)}


def _is_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
