"""The stack manager: working copies that stand alone, and background teardown (one destroy per
stack, whatever the order teardown paths run in)."""

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from sqs_lambda_harness.targets import resolve_target
from sqs_lambda_harness.terraform.inits import initialised
from sqs_lambda_harness.terraform.runner import TerraformError
from sqs_lambda_harness.terraform.stacks import AppliedStack, ApplySlots, Run, StackManager


class CountingRunner:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def destroy(self) -> None:
        with self.lock:
            self.calls += 1


def test_session_end_does_not_start_a_second_destroy_of_a_queued_one(tmp_path: Path) -> None:
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path)
    manager = StackManager(None, resolve_target("embedded"), run, tmp_path)  # type: ignore[arg-type]
    runner = CountingRunner()
    workdir = tmp_path / "stacks" / "hx-abc123-m-t-1" / "terraform" / "stacks" / "queue"
    workdir.mkdir(parents=True)
    applied = AppliedStack("stacks/queue", "hx-abc123-m-t-1", {}, {}, workdir, runner, 1.0, 3)  # type: ignore[arg-type]
    manager.live.append(applied)
    # Every pool thread busy (other stacks' destroys): this one waits in the queue, not started.
    manager._pool = ThreadPoolExecutor(max_workers=1)
    gate = threading.Event()
    manager._pool.submit(gate.wait)

    manager.destroy_later(applied)  # the test's teardown
    wait_for_destroys = manager.wait_for_destroys
    calls_while_queued: list[int] = []

    def free_the_pool_then_wait() -> list[str]:
        """Reached once the session end has released every live stack, the queued destroy
        still not started: only now may it run."""
        calls_while_queued.append(runner.calls)
        gate.set()
        return wait_for_destroys()

    manager.wait_for_destroys = free_the_pool_then_wait  # type: ignore[method-assign]
    leftovers = manager.destroy_all()  # the session end, right after

    assert calls_while_queued == [0]
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
    polls = threading.Condition()
    polled = 0
    first_holds = threading.Event()

    def waiting() -> None:  # `check` runs at every poll of a waiting apply
        nonlocal polled
        with polls:
            polled += 1
            polls.notify_all()

    def second_has_polled(more: int) -> None:
        """Until the second apply has looked for a free slot `more` times more than now (or has
        started): if it is still waiting then, the slot was not free."""
        with polls:
            target = polled + more
            assert polls.wait_for(lambda: polled >= target or "second started" in order, 30)

    def second() -> None:
        first_holds.wait()
        with slots.held(waiting):
            order.append("second started")

    thread = threading.Thread(target=second)
    thread.start()
    with slots.held() as release:
        first_holds.set()
        second_has_polled(2)  # the second apply is waiting for the slot meanwhile
        order.append("first planned")
        release.on_first_change({"type": "apply_start", "hook": {"action": "read"}})
        second_has_polled(2)  # a data source read is still part of the start
        order.append("first reads data")
        release.on_first_change({"type": "apply_start", "hook": {"action": "create"}})
        thread.join(timeout=30)
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


def test_a_working_copy_turns_symlinked_files_into_regular_files(tmp_path: Path) -> None:
    """Stacks share `common-variables.tf` and `versions.tf` through symlinks; a working copy
    must hold the files themselves (its own, whatever happens to the tree meanwhile)."""
    root = tmp_path / "terraform"
    shared, stack = root / "shared", root / "stacks" / "queue"
    shared.mkdir(parents=True)
    stack.mkdir(parents=True)
    (shared / "common-variables.tf").write_text('variable "name_prefix" {}\n')
    (stack / "common-variables.tf").symlink_to("../../shared/common-variables.tf")
    (stack / "main.tf").write_text("# a stack\n")
    (stack / "terraform.tfstate").write_text("{}")  # never copied
    cli = tmp_path / "terraform-cli"
    outputs = json.dumps({"type": "outputs", "outputs": {}})
    cli.write_text(f"#!{sys.executable}\nprint({outputs!r})\n")
    cli.chmod(0o755)
    toolchain = SimpleNamespace(cli=cli, env=dict)
    run = Run("abc123", "2026-11-23T00:00:00Z", tmp_path / "run")
    manager = StackManager(toolchain, resolve_target("embedded"), run, root)  # type: ignore[arg-type]

    applied = manager.apply("stacks/queue", label="copy")
    copied = applied.workdir / "common-variables.tf"
    (shared / "common-variables.tf").write_text("# changed after the copy\n")

    assert applied.workdir != stack and (applied.workdir / "main.tf").exists()
    assert copied.is_file() and not copied.is_symlink()
    assert copied.read_text() == 'variable "name_prefix" {}\n'
    assert not (applied.workdir / "terraform.tfstate").exists()
    manager.destroy_all()


class InitRecordingRunner:
    """What `_init` needs of a runner; its `init` leaves what the CLI's leaves."""

    def __init__(self, workdir: Path, provider: Path) -> None:
        self.workdir, self.provider = workdir, provider
        self.inits = 0
        self.notes: list[str] = []

    def init(self) -> None:
        self.inits += 1
        providers = self.workdir / ".terraform" / "providers"
        providers.mkdir(parents=True)
        (providers / "aws").symlink_to(self.provider)
        (self.workdir / ".terraform.lock.hcl").write_text('provider "aws" {}\n')

    def note(self, line: str) -> None:
        self.notes.append(line)


def _copy_of(tmp_path: Path, name: str, main_tf: str) -> Path:
    workdir = tmp_path / "run" / "stacks" / name / "terraform" / "stacks" / "queue"
    workdir.mkdir(parents=True)
    (workdir / "main.tf").write_text(main_tf)
    return workdir


def test_a_configuration_is_initialised_once_per_run_and_copied_after(tmp_path: Path) -> None:
    provider = tmp_path / "mirror" / "terraform-provider-aws"
    provider.parent.mkdir()
    provider.write_text("a big binary")
    first = InitRecordingRunner(_copy_of(tmp_path, "a", 'module "q" {}'), provider)
    second = InitRecordingRunner(_copy_of(tmp_path, "b", 'module "q" {}'), provider)
    changed = InitRecordingRunner(_copy_of(tmp_path, "c", 'module "q2" {}'), provider)
    for runner in (first, second, changed):
        initialised(runner, "stacks/queue", tmp_path / "run" / "inits")  # type: ignore[arg-type]
    assert (first.inits, second.inits, changed.inits) == (1, 0, 1)
    link = second.workdir / ".terraform" / "providers" / "aws"
    assert link.is_symlink() and link.resolve() == provider  # a link, not an 800 MB copy
    assert (second.workdir / ".terraform.lock.hcl").read_text() == 'provider "aws" {}\n'
    assert second.notes and "copied from the run's first init" in second.notes[0]
