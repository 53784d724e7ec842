"""A run's identity and the names and tags it gives what it creates: unique per run, xdist
worker and test, within AWS name limits, and recognisable to the sweeper (`cleanup.tags`)."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqs_lambda_harness.cleanup.tags import (
    MANAGED_BY,
    NAME_ROOT,
    TAG_MANAGED_BY,
    TAG_RUN_ID,
    TAG_STARTED_AT,
    TAG_TEST,
)

PREFIX_MAX = 32  # leaves room for suffixes like "-consumer" (Lambda: 64) and "-dlq.fifo" (SQS: 80)


@dataclass(frozen=True)
class Run:
    """One harness run: its id, start time and the directory holding its copies and logs."""

    id: str
    started_at: str
    directory: Path
    worker: str = "m"

    def tags(self, test: str = "") -> dict[str, str]:
        tags = {TAG_RUN_ID: self.id, TAG_MANAGED_BY: MANAGED_BY, TAG_STARTED_AT: self.started_at}
        if test:
            tags[TAG_TEST] = _tag_value(test)
        return tags


def new_run_id() -> str:
    return hashlib.sha1(f"{time.time_ns()}".encode()).hexdigest()[:6]


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def name_prefix(run_id: str, worker: str, label: str, serial: int) -> str:
    """`hx-<run>-<worker>-<label>-<n>`, lower-case, at most PREFIX_MAX characters.

    The run id, worker and serial make it unique; the label is only for people reading names,
    so it is the part that gets shortened.
    """
    worker_part = re.sub(r"[^a-z0-9]", "", worker.lower().replace("gw", "")) or "m"
    fixed = f"{NAME_ROOT}-{run_id}-{worker_part}-"
    suffix = f"-{serial}"
    room = PREFIX_MAX - len(fixed) - len(suffix)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[: max(room, 0)].strip("-")
    return f"{fixed}{slug or 'stack'}{suffix}"


def _tag_value(text: str) -> str:
    """Tag values allow letters, digits, spaces and _ . : / = + - @ (SQS, IAM, Lambda alike)."""
    return re.sub(r"[^A-Za-z0-9 _.:/=+\-@]", "_", text)[:256]
