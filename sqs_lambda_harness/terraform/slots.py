"""What a run's workers share on one machine while they apply: a few apply slots (so their
CPU-bound starts do not all crawl at once), the line waiting for them (the stack that will stay
busy longest goes first), and the created-resource tally a cap is checked against. All are
files under the run's directory, locked through `locks`."""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.locks import HeldLock, locked_open, try_exclusive
from sqs_lambda_harness.terraform.naming import Run

if TYPE_CHECKING:
    from sqs_lambda_harness.terraform.stacks import StackRecord

SLOT_POLL_SECONDS = 0.05
UNKNOWN = float("inf")  # a stack with no history goes first: it may be the longest
# How long after the run's first apply queued a slot may be kept for a busier stack that has not
# queued yet: its worker is still starting (13 workers and their emulators on two cores queued
# their first applies 8.4-15.6 s into a run, measured).
GATHER_SECONDS = 10.0


class ApplySlots:
    """At most `count` applies of a run (all its workers) in their CPU-bound start at once.

    An apply burns CPU for a few seconds (the CLI and several provider processes start and load
    the provider schema, then the plan), then mostly waits on the provider's polls. When every
    worker starts at the same second on a small machine, all of them crawl through that start
    together; with slots, they go through it a few at a time. 0 means no limit.

    Waiters queue by priority: the seconds their stack stayed busy after its start in an
    earlier run (`expected_busy`). A stack that then waits 50 s on provider polls and runs
    30 s of scenarios should not start after one that is done 25 s after its start: the run
    ends when the last stack is done. The workers that are up first would still take the first
    slots with whatever they apply, so for the run's first `GATHER_SECONDS` a slot is kept for
    each busier stack this run will apply (`awaited`: {stack key: busy}) that has not queued.
    """

    def __init__(
        self, directory: Path | None, count: int, awaited: Mapping[str, float] | None = None
    ) -> None:
        self.directory = directory
        self.count = count if directory is not None else 0
        self.awaited = dict(awaited or {})

    @contextlib.contextmanager
    def held(
        self, check: Callable[[], None] = lambda: None, priority: float = UNKNOWN, key: str = ""
    ) -> Iterator[SlotRelease]:
        """A slot until the first resource change starts (`on_first_change`) or the block ends;
        waiters with a higher `priority` get theirs first. `key` names the stack (`stack_key`)
        for the waiters that keep a slot for it. `check` runs at every poll while waiting and
        may raise to stop the wait (the target was lost)."""
        release = SlotRelease(self._acquire(check, priority, key) if self.count > 0 else None)
        try:
            yield release
        finally:
            release()

    def _acquire(self, check: Callable[[], None], priority: float, key: str) -> HeldLock:
        """Poll the slots until one is free that is not kept for a busier stack and no waiter
        with a higher priority is left (of two free slots and two waiters, the second takes the
        other a poll later). No deadline of its own: a holder keeps its slot for at most its
        init, plan and apply start, each under the runner's timeout, and a holder that dies
        frees it with its process; `check` ends the wait when the target is lost."""
        assert self.directory is not None
        ticket = Ticket.take(self.directory / "waiting", priority)
        arrivals = self.directory / "queued"
        arrivals.mkdir(exist_ok=True)
        (arrivals / _file_name(key)).touch()
        try:
            while True:
                check()
                if ticket.waiters_ahead() == 0 and self._free() > self._kept_for(priority):
                    slot = self._try_any_slot()
                    if slot is not None:
                        return slot
                time.sleep(SLOT_POLL_SECONDS)
        finally:
            ticket.leave()

    def _kept_for(self, priority: float) -> int:
        """Slots kept for awaited stacks busier than `priority` that have not queued yet, in the
        run's first GATHER_SECONDS."""
        assert self.directory is not None
        queued = {p.name: p.stat().st_mtime for p in (self.directory / "queued").iterdir()}
        if not queued or time.time() - min(queued.values()) > GATHER_SECONDS:
            return 0
        return sum(
            1
            for key, busy in self.awaited.items()
            if busy > priority and _file_name(key) not in queued
        )

    def _free(self) -> int:
        assert self.directory is not None
        free = 0
        for slot in range(self.count):
            probe = try_exclusive(self.directory / f"slot-{slot}.lock")
            if probe is not None:
                probe.release()
                free += 1
        return free

    def _try_any_slot(self) -> HeldLock | None:
        assert self.directory is not None
        for slot in range(self.count):
            held = try_exclusive(self.directory / f"slot-{slot}.lock")
            if held is not None:
                return held
        return None


class Ticket:
    """A waiter's place in the line for a slot: a file named by its priority and locked while
    its waiter waits, so a waiter that died (its lock went with it) is not waited for."""

    def __init__(self, path: Path, held: HeldLock, priority: float) -> None:
        self.path, self.held, self.priority = path, held, priority

    @classmethod
    def take(cls, directory: Path, priority: float) -> Ticket:
        """Locked under a hidden name first, then renamed: nobody sees it unlocked."""
        name = f"{max(priority, 0.0):.3f}-{uuid.uuid4().hex}"  # "inf-…" for no history
        hidden = directory / f".{name}"
        held = try_exclusive(hidden)
        assert held is not None, f"a new ticket {hidden} is already locked"
        path = hidden.rename(directory / name)
        return cls(path, held, max(priority, 0.0))

    def waiters_ahead(self) -> int:
        """Live waiters with a higher priority; a dead waiter's ticket is removed."""
        ahead = 0
        for other in self.path.parent.iterdir():
            if other.name.startswith(".") or _priority(other.name) <= self.priority:
                continue
            probe = try_exclusive(other)
            if probe is None:
                ahead += 1
            else:  # nobody holds it: its waiter died (or is leaving)
                other.unlink(missing_ok=True)
                probe.release()
        return ahead

    def leave(self) -> None:
        self.path.unlink(missing_ok=True)
        self.held.release()


def _priority(name: str) -> float:
    return float(name.split("-", 1)[0])


def expected_busy(records: Iterable[StackRecord]) -> dict[str, float]:
    """{stack key: seconds it stayed busy after its start} from a run's stack history: from
    the end of its CPU-bound start (its slot released) to its teardown, the longest when a key
    was applied more than once. Failed applies and leftovers teach nothing."""
    busy: dict[str, float] = {}
    for record in records:
        if not (record.apply_ok and record.ok and record.changes_started_at and record.label):
            continue
        seconds = round(record.teardown_started_at - record.changes_started_at, 1)
        key = stack_key(record.stack, record.label)
        busy[key] = max(seconds, busy.get(key, 0.0))
    return busy


def _file_name(key: str) -> str:
    """A stack key as a file name ("stacks/pipeline:fifo" has a slash)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def stack_key(stack: str, label: str) -> str:
    """What identifies one application of a stack from run to run: its path and label."""
    return f"{stack}:{label}"


class SlotRelease:
    """Releases an apply slot once, and notes when: the end of the apply's start."""

    def __init__(self, held: HeldLock | None) -> None:
        self.held = held
        self.released_at = 0.0  # epoch seconds

    def __call__(self) -> None:
        if not self.released_at:
            self.released_at = time.time()
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
