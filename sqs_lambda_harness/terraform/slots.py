"""What a run's workers share on one machine while they apply: a few apply slots (so their
CPU-bound starts do not all crawl at once) and the created-resource tally a cap is checked
against. Both are files under the run's directory, locked through `locks`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.locks import HeldLock, locked_open, try_exclusive
from sqs_lambda_harness.terraform.naming import Run

SLOT_POLL_SECONDS = 0.05


class ApplySlots:
    """At most `count` applies of a run (all its workers) in their CPU-bound start at once.

    An apply burns CPU for a few seconds (the CLI and several provider processes start and load
    the provider schema, then the plan), then mostly waits on the provider's polls. When every
    worker starts at the same second on a small machine, all of them crawl through that start
    together; with slots, they go through it a few at a time. 0 means no limit.
    """

    def __init__(self, directory: Path | None, count: int) -> None:
        self.directory = directory
        self.count = count if directory is not None else 0

    @contextlib.contextmanager
    def held(self, check: Callable[[], None] = lambda: None) -> Iterator[SlotRelease]:
        """A slot until the first resource change starts (`on_first_change`) or the block ends;
        `check` runs at every poll while waiting and may raise to stop the wait (the target
        was lost)."""
        release = SlotRelease(self._acquire(check) if self.count > 0 else None)
        try:
            yield release
        finally:
            release()

    def _acquire(self, check: Callable[[], None]) -> HeldLock:
        """Poll the slots until one is free. No deadline of its own: a holder keeps its slot
        for at most its init, plan and apply start, each under the runner's timeout, and a
        holder that dies frees it with its process; `check` ends the wait when the target is
        lost."""
        while True:
            check()
            slot = self._try_any_slot()
            if slot is not None:
                return slot
            time.sleep(SLOT_POLL_SECONDS)

    def _try_any_slot(self) -> HeldLock | None:
        assert self.directory is not None
        for slot in range(self.count):
            held = try_exclusive(self.directory / f"slot-{slot}.lock")
            if held is not None:
                return held
        return None


class SlotRelease:
    """Releases an apply slot once."""

    def __init__(self, held: HeldLock | None) -> None:
        self.held = held

    def __call__(self) -> None:
        if self.held is not None:
            self.held.release()
            self.held = None

    def on_first_change(self, event: dict[str, Any]) -> None:
        """Runner callback: the start is over once a managed resource starts changing."""
        hook = event.get("hook") or {}
        if event.get("type") == "apply_start" and hook.get("action") != "read":
            self()


def reserve_resources(run: Run, count: int, cap: int) -> int:
    """Add `count` to the run's created-resource tally (shared by all workers) within `cap`."""
    with locked_open(run.directory / "resources.tally", "a+") as handle:
        handle.seek(0)
        used = int(handle.read().strip() or 0)
        if used + count > cap:
            raise HarnessError(
                f"Refusing to apply: {count} more resources would bring run {run.id} to "
                f"{used + count}, over its cap of {cap}.",
                fix="raise HARNESS_MAX_RESOURCES if this account may hold that many, or run "
                "fewer scenarios at once.",
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(used + count))
        return used + count
