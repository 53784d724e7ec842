"""Background teardown: one destroy per stack, whatever the order teardown paths run in."""

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from sqs_lambda_harness.targets import resolve_target
from sqs_lambda_harness.terraform.runner import TerraformError
from sqs_lambda_harness.terraform.stacks import AppliedStack, ApplySlots, Run, StackManager


class SlowRunner:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def destroy(self) -> None:
        with self.lock:
            self.calls += 1
        time.sleep(0.2)  # a destroy takes a while; the session end arrives meanwhile


def test_session_end_does_not_start_a_second_destroy_of_a_queued_one(tmp_path: Path) -> None:
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    manager = StackManager(None, resolve_target("embedded"), run, tmp_path)  # type: ignore[arg-type]
    runner = SlowRunner()
    workdir = tmp_path / "stacks" / "hx-abc123-m-t-1" / "terraform" / "stacks" / "queue"
    workdir.mkdir(parents=True)
    applied = AppliedStack("stacks/queue", "hx-abc123-m-t-1", {}, {}, workdir, runner, 1.0, 3)  # type: ignore[arg-type]
    manager.live.append(applied)
    # Every pool thread busy (other stacks' destroys): this one waits in the queue, not started.
    manager._pool = ThreadPoolExecutor(max_workers=1)
    gate = threading.Event()
    manager._pool.submit(gate.wait)

    manager.destroy_later(applied)  # the test's teardown
    threading.Timer(0.3, gate.set).start()
    leftovers = manager.destroy_all()  # the session end, right after

    assert runner.calls == 1
    assert leftovers == []
    assert applied.destroyed and manager.live == []
    assert [(h.teardown, h.ok) for h in manager.history] == [("destroy", True)]


class NoDestroyRunner:
    def destroy(self) -> None:
        raise AssertionError("discard mode must not destroy through the provider")


def test_discard_mode_drops_the_state_and_records_it_without_destroying(tmp_path: Path) -> None:
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    manager = StackManager(None, resolve_target("embedded"), run, tmp_path, teardown="discard")  # type: ignore[arg-type]
    copy = tmp_path / "stacks" / "hx-abc123-m-t-1" / "terraform"
    workdir = copy / "stacks" / "queue"
    workdir.mkdir(parents=True)
    (workdir / "terraform.tfstate").write_text("{}")
    applied = AppliedStack(
        "stacks/queue", "hx-abc123-m-t-1", {}, {}, workdir, NoDestroyRunner(), 1.0, 3
    )  # type: ignore[arg-type]
    manager.live.append(applied)

    manager.release(applied)  # the test's teardown
    assert manager.destroy_all() == []  # the session end finds nothing left to tear down

    assert applied.destroyed and manager.live == []
    assert not copy.exists()
    assert [(h.teardown, h.ok) for h in manager.history] == [("discard", True)]


def test_apply_slots_let_one_start_at_a_time_until_its_first_change(tmp_path: Path) -> None:
    slots = ApplySlots(tmp_path / "slots", 1)
    order: list[str] = []
    first_holds = threading.Event()

    def second() -> None:
        first_holds.wait()
        with slots.held():
            order.append("second started")

    thread = threading.Thread(target=second)
    thread.start()
    with slots.held() as release:
        first_holds.set()
        time.sleep(0.3)  # the second apply is waiting for the slot meanwhile
        order.append("first planned")
        release.on_first_change({"type": "apply_start", "hook": {"action": "read"}})
        time.sleep(0.3)  # a data source read is still part of the start
        order.append("first reads data")
        release.on_first_change({"type": "apply_start", "hook": {"action": "create"}})
        thread.join(timeout=5)
        order.append("first still applying")
    assert order == ["first planned", "first reads data", "second started", "first still applying"]


def test_no_slots_means_no_waiting(tmp_path: Path) -> None:
    slots = ApplySlots(tmp_path / "slots", 0)
    with slots.held(), slots.held():
        pass
    assert not (tmp_path / "slots").exists()


class EmulatorGone(Exception):
    pass


class KilledMidDestroy:
    """A destroy cut short by `target_lost` killing its CLI (the emulator died meanwhile)."""

    def __init__(self, manager: StackManager) -> None:
        self.manager = manager

    def destroy(self) -> None:
        self.manager.target_lost(lambda: EmulatorGone("MiniStack exited"))
        raise TerraformError("terraform destroy", [], "killed", Path("destroy.log"))


def test_a_destroy_killed_because_the_emulator_died_is_a_discard_not_a_failure(
    tmp_path: Path,
) -> None:
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    manager = StackManager(None, resolve_target("embedded"), run, tmp_path)  # type: ignore[arg-type]
    workdir = tmp_path / "stacks" / "hx-abc123-m-t-1" / "terraform" / "stacks" / "queue"
    workdir.mkdir(parents=True)
    runner = KilledMidDestroy(manager)
    applied = AppliedStack("stacks/queue", "hx-abc123-m-t-1", {}, {}, workdir, runner, 1.0, 3)  # type: ignore[arg-type]
    manager.live.append(applied)

    began = time.monotonic()
    manager.destroy(applied)  # no retry, no back-off, no leftover

    assert time.monotonic() - began < 1.0
    assert [(h.teardown, h.ok) for h in manager.history] == [("discard", True)]
    assert manager.leftovers == []


def test_a_wait_for_an_apply_slot_ends_when_the_target_is_lost(tmp_path: Path) -> None:
    slots = ApplySlots(tmp_path / "slots", 1)

    def lost() -> None:
        raise EmulatorGone("MiniStack exited")

    with slots.held(), pytest.raises(EmulatorGone), slots.held(lost):
        pass  # not reached: the only slot is taken, and the wait gives up


def test_after_the_emulator_is_lost_a_destroy_becomes_a_discard(tmp_path: Path) -> None:
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    manager = StackManager(None, resolve_target("embedded"), run, tmp_path)  # type: ignore[arg-type]
    workdir = tmp_path / "stacks" / "hx-abc123-m-t-1" / "terraform" / "stacks" / "queue"
    workdir.mkdir(parents=True)
    applied = AppliedStack(
        "stacks/queue", "hx-abc123-m-t-1", {}, {}, workdir, NoDestroyRunner(), 1.0, 3
    )  # type: ignore[arg-type]
    manager.live.append(applied)

    manager.target_lost(lambda: EmulatorGone("MiniStack exited"))
    manager.destroy(applied)  # no CLI call against the dead endpoint, no ledger entry

    assert [(h.teardown, h.ok) for h in manager.history] == [("discard", True)]
    assert manager.leftovers == [] and manager.teardown == "discard"
    with pytest.raises(EmulatorGone, match="MiniStack exited"):
        manager.apply("stacks/queue")  # refused before anything runs


def test_a_dead_emulator_fails_the_next_request_at_once_and_stops_the_manager(
    tmp_path: Path,
) -> None:
    """The guard raises at a point the harness controls (a request, a CLI start), with the
    emulator named; a `sleep` process stands in for the emulator, no request is sent."""
    from sqs_lambda_harness.pytest_plugin.plugin import EmulatorGuard, manager_key
    from sqs_lambda_harness.targets.emulator import Emulator, EmulatorDied

    (tmp_path / "emulator.log").write_text("serving\n")
    process = subprocess.Popen(["sleep", "60"])
    emulator = Emulator("http://127.0.0.1:9", process, tmp_path / "emulator.log", 0.1)
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    manager = StackManager(None, resolve_target("embedded"), run, tmp_path)  # type: ignore[arg-type]
    config = SimpleNamespace(stash=pytest.Stash())  # not the session's: its manager is real
    config.stash[manager_key] = manager
    try:
        guard = EmulatorGuard(config, emulator)  # type: ignore[arg-type]
        sqs = resolve_target("embedded", endpoint=emulator.endpoint).client("sqs")
        sqs.meta.events.register_first("before-send", guard.check)
        guard.check()  # alive: nothing to say
        process.kill()
        deadline = time.monotonic() + 5
        while manager.lost is None and time.monotonic() < deadline:
            time.sleep(0.01)

        began = time.monotonic()
        with pytest.raises(EmulatorDied, match=r"pid \d+\) exited with code -9[\s\S]*serving"):
            sqs.list_queues()
        assert time.monotonic() - began < 0.5  # raised before the request, not after retries
        assert manager.teardown == "discard"
        with pytest.raises(EmulatorDied):
            manager.apply("stacks/queue")
    finally:
        process.kill()
