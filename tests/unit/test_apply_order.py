"""The line for apply slots: the stack that stays busy longest after its start goes first, from
what an earlier run measured (kept in the work directory's history.json), and at a run's start
a slot is kept for a busier stack whose worker is still starting."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from sqs_lambda_harness.pytest_plugin import history
from sqs_lambda_harness.pytest_plugin.history import Remembered
from sqs_lambda_harness.terraform.slots import ApplySlots, Ticket, expected_busy, stack_key
from sqs_lambda_harness.terraform.stacks import StackRecord

DEADLINE = 30.0


def _tickets(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*")) if directory.exists() else []


def _until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def test_a_waiter_with_a_higher_priority_gets_the_slot_before_an_earlier_one(
    tmp_path: Path,
) -> None:
    slots = ApplySlots(tmp_path / "slots", 1)
    waiting = tmp_path / "slots" / "waiting"
    order: list[str] = []
    polls: dict[str, int] = {}

    def apply(name: str, priority: float) -> None:
        def polled() -> None:  # `check` runs at every poll of a waiting apply
            polls[name] = polls.get(name, 0) + 1

        with slots.held(polled, priority=priority):
            order.append(name)

    shorts = [threading.Thread(target=apply, args=(f"short{i}", 3.0 + i)) for i in range(4)]
    long = threading.Thread(target=apply, args=("long", 75.0))
    with slots.held(priority=0.0):  # the one slot, taken
        for thread in shorts:  # four short stacks wait first
            thread.start()
        _until(lambda: len(_tickets(waiting)) == 4, "the short stacks wait")
        long.start()
        _until(lambda: len(_tickets(waiting)) == 5, "the long stack waits too")
        seen = dict(polls)  # a poll that began before the long one queued may still try once
        _until(
            lambda: all(
                polls.get(f"short{i}", 0) >= seen.get(f"short{i}", 0) + 2 for i in range(4)
            ),
            "every short stack polled again since",
        )
    for thread in [*shorts, long]:
        thread.join(DEADLINE)
    # In line order, the longest first (unordered, "long" came first 1 time in 5 or so).
    assert order == ["long", "short3", "short2", "short1", "short0"]
    assert _tickets(waiting) == []  # each waiter took its ticket with it


def test_waiters_of_equal_priority_share_the_slots_as_before(tmp_path: Path) -> None:
    slots = ApplySlots(tmp_path / "slots", 2)
    with slots.held(priority=10.0), slots.held(priority=10.0):
        pass  # two waiters, two slots: neither waits for the other


def test_the_ticket_of_a_waiter_that_died_is_not_waited_for(tmp_path: Path) -> None:
    waiting = tmp_path / "slots" / "waiting"
    waiting.mkdir(parents=True)
    dead = waiting / "500.0-0123abcd"  # a ticket nobody holds a lock on
    dead.touch()
    slots = ApplySlots(tmp_path / "slots", 1)
    with slots.held(priority=1.0):
        assert not dead.exists()


def test_a_live_ticket_with_a_higher_priority_counts_as_ahead(tmp_path: Path) -> None:
    waiting = tmp_path / "waiting"
    waiting.mkdir()
    higher, lower = Ticket.take(waiting, 80.0), Ticket.take(waiting, 5.0)
    unknown = Ticket.take(waiting, float("inf"))  # no history: first in line
    try:
        assert lower.waiters_ahead() == 2
        assert higher.waiters_ahead() == 1
        assert unknown.waiters_ahead() == 0
    finally:
        for ticket in (higher, lower, unknown):
            ticket.leave()
    assert _tickets(waiting) == []


def _record(label: str, busy: float, **overrides: Any) -> StackRecord:
    fields: dict[str, Any] = {
        "stack": "stacks/pipeline",
        "prefix": f"hx-abc123-0-{label}-1",
        "worker": "gw0",
        "resources": 15,
        "apply_started_at": 1000.0,
        "apply_seconds": 60.0,
        "teardown": "discard",
        "teardown_seconds": 0.0,
        "ok": True,
        "teardown_started_at": 1010.0 + busy,
        "label": label,
        "changes_started_at": 1010.0,
    }
    return StackRecord(**{**fields, **overrides})


def test_busy_after_start_is_measured_from_the_first_change_to_the_teardown() -> None:
    records = [
        _record("redrive", 77.04),
        _record("delivery", 51.3),
        _record("delivery", 52.0),  # applied twice: the longer counts
        _record("failed", 9.0, apply_ok=False),
        _record("leftover", 9.0, ok=False),
        _record("never-changed", 9.0, changes_started_at=0.0),
        _record("", 9.0),  # a record from before labels were kept
    ]
    assert expected_busy(records) == {
        stack_key("stacks/pipeline", "redrive"): 77.0,
        stack_key("stacks/pipeline", "delivery"): 52.0,
    }


def test_history_is_kept_per_target_and_merged_with_what_this_run_did_not_apply(
    tmp_path: Path,
) -> None:
    redrive = _record("redrive", 77.0, used_by="tests/e2e/test_redrive.py::test_poison")
    history.remember(tmp_path, "embedded", [redrive, _record("fifo", 51.0)])
    history.remember(tmp_path, "embedded", [_record("fifo", 49.0)])
    history.remember(tmp_path, "localstack", [_record("fifo", 60.0)])
    assert history.remembered(tmp_path, "embedded") == {
        "stacks/pipeline:redrive": Remembered(77.0, "tests/e2e/test_redrive.py::test_poison"),
        "stacks/pipeline:fifo": Remembered(49.0),
    }
    assert history.remembered(tmp_path, "localstack") == {"stacks/pipeline:fifo": Remembered(60.0)}
    assert history.remembered(tmp_path, "aws") == {}


def test_no_history_or_a_damaged_one_means_no_order(tmp_path: Path) -> None:
    assert history.remembered(tmp_path, "embedded") == {}  # a fresh clone
    kept = tmp_path / history.FILE_NAME
    entries = {"a": "slow", "b": -1, "c": True, "d": 4, "e": {"busy": 5, "used_by": 7}}
    kept.write_text(json.dumps({"embedded": entries}))
    assert history.remembered(tmp_path, "embedded") == {"d": Remembered(4.0)}  # bare seconds
    kept.write_text("{not json")
    assert history.remembered(tmp_path, "embedded") == {}
    history.remember(tmp_path, "embedded", [_record("fifo", 49.0)])  # rewritten whole
    assert history.remembered(tmp_path, "embedded") == {"stacks/pipeline:fifo": Remembered(49.0)}


def _take_slot(
    slots: ApplySlots, priority: float, key: str, order: list[str], polled: Any = lambda: None
) -> float:
    """Seconds until `key` got a slot."""
    started = time.monotonic()
    with slots.held(polled, priority=priority, key=key):
        order.append(key)
    return time.monotonic() - started


def test_a_slot_is_kept_for_a_busier_stack_whose_worker_is_still_starting(
    tmp_path: Path,
) -> None:
    slots = ApplySlots(tmp_path / "slots", 1, awaited={"long": 75.0, "short": 30.0})
    order: list[str] = []
    polls: list[int] = []
    short = threading.Thread(
        target=_take_slot, args=(slots, 30.0, "short", order, lambda: polls.append(1))
    )
    short.start()  # up first, and the one slot is free
    _until(lambda: len(polls) >= 10, "the short stack polled ten times")
    assert order == []  # ten chances to take the free slot, and it took none
    assert _take_slot(slots, 75.0, "long", order) < 1.0  # its worker is up: straight in
    short.join(DEADLINE)
    assert order == ["long", "short"]


def test_no_slot_is_kept_for_a_stack_this_run_will_not_apply_or_after_the_start(
    tmp_path: Path, monkeypatch: Any
) -> None:
    order: list[str] = []
    not_awaited = ApplySlots(tmp_path / "a", 1, awaited={"short": 30.0})  # "long" deselected
    # Well within GATHER_SECONDS (10 s), the time it would have waited.
    assert _take_slot(not_awaited, 30.0, "short", order) < 1.0
    late = ApplySlots(tmp_path / "b", 1, awaited={"long": 75.0, "short": 30.0})
    monkeypatch.setattr("sqs_lambda_harness.terraform.slots.GATHER_SECONDS", 0.0)
    assert _take_slot(late, 30.0, "short", order) < 1.0  # the run's start is over
    assert order == ["short", "short"]
