"""Applying Terraform root configurations for tests, and always tearing them down.

Each application gets its own working copy of the Terraform tree (so relative module paths
still resolve), its own state, and a name prefix unique to the run, the xdist worker and the
test (`naming`). Every resource is tagged with the run id.

Teardown has two modes. `destroy`: through the provider; a failed apply is destroyed at once, a
failed destroy is retried, then written to the leftovers ledger for the sweeper. `discard`: only
where the run's own emulator is stopped at the end with everything in it, so the state is simply
dropped (the destroy of every stack is proven separately, in `make test`).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqs_lambda_harness import usage
from sqs_lambda_harness.cleanup import ledger
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.log import format_seconds, say
from sqs_lambda_harness.targets import Target
from sqs_lambda_harness.terraform.inits import LOCK_FILE, initialised
from sqs_lambda_harness.terraform.naming import Run, name_prefix, new_run_id, utc_now
from sqs_lambda_harness.terraform.runner import Callback, Result, Runner, TerraformError
from sqs_lambda_harness.terraform.slots import (
    UNKNOWN,
    ApplySlots,
    SlotRelease,
    reserve_resources,
    stack_key,
)
from sqs_lambda_harness.terraform.toolchain import Toolchain

# What other layers import from here (the plugin, the benchmark, the reports, the tests).
__all__ = [
    "IGNORED_IN_COPIES",
    "AppliedStack",
    "ApplySlots",
    "Run",
    "StackManager",
    "StackRecord",
    "new_run_id",
    "utc_now",
    "working_copy",
]

DESTROY_ATTEMPTS = 3
IGNORED_IN_COPIES = shutil.ignore_patterns(
    ".terraform", ".build", "*.tfstate", "*.tfstate.*", LOCK_FILE, "tfplan"
)


def working_copy(terraform_root: Path, destination: Path) -> Path:
    """Copy the Terraform tree to `destination` without state, plans or provider caches.
    Symlinked files (stacks share `common-variables.tf`, `versions.tf`) become regular files:
    a copy must not change when, or because, the tree it came from does."""
    shutil.copytree(terraform_root, destination, ignore=IGNORED_IN_COPIES, symlinks=False)
    return destination


@dataclass(frozen=True)
class StackRecord:
    """What happened to one application, for the summary and the reports."""

    stack: str
    prefix: str
    worker: str
    resources: int
    apply_started_at: float  # epoch seconds
    apply_seconds: float
    teardown: str  # "destroy" or "discard"
    teardown_seconds: float
    ok: bool  # destroyed (or discarded); False: a leftover
    teardown_started_at: float = 0.0  # epoch seconds
    nodeid: str = ""  # the test that applied it ("" for a stack shared by several)
    apply_ok: bool = True  # False: the apply failed (and what it created was torn down)
    label: str = ""  # with `stack`, what names this application from run to run
    changes_started_at: float = 0.0  # epoch seconds its first resource change began
    used_by: str = ""  # the test it was applied for (a shared stack: the first that asked)

    def to_json(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "apply_started_at": round(self.apply_started_at, 3),
            "apply_seconds": round(self.apply_seconds, 2),
            "teardown_started_at": round(self.teardown_started_at, 3),
            "teardown_seconds": round(self.teardown_seconds, 2),
            "changes_started_at": round(self.changes_started_at, 3),
        }


@dataclass
class AppliedStack:
    """A live application: its outputs, and what is needed to destroy it."""

    stack: str
    prefix: str
    variables: dict[str, Any]
    outputs: Mapping[str, Any]
    workdir: Path
    runner: Runner
    apply_seconds: float
    resources: int
    apply_started_at: float = 0.0
    nodeid: str = ""
    apply_ok: bool = True
    label: str = ""
    changes_started_at: float = 0.0  # epoch seconds; 0 until the apply got that far
    used_by: str = ""
    destroyed: bool = False  # torn down: destroyed, or discarded with the emulator
    destroying: bool = False

    def __getitem__(self, key: str) -> Any:
        try:
            return self.outputs[key]
        except KeyError:
            raise KeyError(
                f"stack {self.stack} has no output {key!r}; outputs: {sorted(self.outputs)}"
            ) from None


@dataclass
class StackManager:
    """Applies stacks for one process (one xdist worker) and tracks what is live."""

    toolchain: Toolchain
    target: Target
    run: Run
    terraform_root: Path
    teardown: str = "destroy"
    ephemeral: bool = False  # the target is the run's own emulator: no ledger entry can help
    timeout: float = 900.0
    live: list[AppliedStack] = field(default_factory=list)
    history: list[StackRecord] = field(default_factory=list)
    _serial: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    leftovers: list[str] = field(default_factory=list)
    _pending: list[Future[None]] = field(default_factory=list)
    _runners: list[Runner] = field(default_factory=list)
    lost: Callable[[], BaseException] | None = None
    slots: ApplySlots = field(default_factory=lambda: ApplySlots(None, 0))
    # {stack_key: seconds busy after its start} from an earlier run: the order of the slots
    expected_busy: Mapping[str, float] = field(default_factory=dict)
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=16, thread_name_prefix="destroy")
    )

    def apply(
        self,
        stack: str,
        variables: Mapping[str, Any] | None = None,
        label: str = "",
        nodeid: str = "",
        used_by: str = "",
    ) -> AppliedStack:
        """Apply `stack` (a path relative to the Terraform root) and return its outputs.

        Raises before touching the target if the stack directory is missing; destroys a
        partial apply before re-raising its error. `nodeid`: the test that owns it (none for a
        shared stack); `used_by`: the test it is applied for (default: `nodeid`).
        """
        self._raise_if_lost()  # before any work; again as the runner registers and waits
        source = self.terraform_root / stack
        if not source.is_dir() or not any(source.glob("*.tf")):
            raise HarnessError(
                f"Stack {stack!r} is not a Terraform configuration: no *.tf in {source}.",
                fix=f"pass a directory relative to the Terraform root {self.terraform_root}.",
            )
        with self._lock:
            self._serial += 1
            serial = self._serial
        label, used_by = label or Path(stack).name, used_by or nodeid
        prefix = name_prefix(self.run.id, self.run.worker, label, serial)
        workdir = self._working_copy(prefix) / stack
        all_vars = {"name_prefix": prefix, "tags": self.run.tags(label), **(variables or {})}
        (workdir / "zz-harness.auto.tfvars.json").write_text(json.dumps(all_vars, indent=2))
        runner = Runner(
            self.toolchain.cli,
            workdir,
            {**self.target.env(), **self.toolchain.env()},
            self.run.directory / "logs" / f"{prefix}.log",
            timeout=self.timeout,
            interrupt_grace=0.0 if self.teardown == "discard" else 30.0,
        )
        with self._lock:  # registered before the target is lost (then killed), or refused
            self._raise_if_lost()
            self._runners.append(runner)
        started, started_at = time.monotonic(), time.time()
        say(f"applying {stack} as {prefix} on {self.target.name}")
        applying = False  # until then nothing can exist on the target
        key = stack_key(stack, label)
        priority = self.expected_busy.get(key, UNKNOWN)
        release = SlotRelease(None)
        try:
            with self.slots.held(self._raise_if_lost, priority, key) as release:
                initialised(runner, stack, self.run.directory / "inits")
                applying = True
                result = self._apply_within_cap(runner, on_event=release.on_first_change)
            resources = result.changes("apply").get("add", 0)
            outputs = result.outputs()
            if outputs is None:  # a sensitive output: only `output -json` has its value
                outputs = runner.outputs()
        except BaseException as error:
            applied = AppliedStack(
                stack, prefix, all_vars, {}, workdir, runner, time.monotonic() - started, 0
            )
            applied.apply_started_at, applied.nodeid, applied.label = started_at, nodeid, label
            applied.changes_started_at, applied.used_by = release.released_at, used_by
            applied.apply_ok = False
            if not applying:
                self.discard(applied)  # interrupted while waiting for a slot, or init failed
            elif self.teardown == "discard":
                say(f"apply of {prefix} failed: discarded with the emulator")
                self.discard(applied)
            else:
                say(f"apply of {prefix} failed: destroying what it created")
                self.destroy(applied)
            if self.lost is not None and isinstance(error, TerraformError):
                raise self.lost() from error  # the CLI failed because its target died
            raise
        applied = AppliedStack(
            stack,
            prefix,
            all_vars,
            outputs,
            workdir,
            runner,
            apply_seconds=time.monotonic() - started,
            resources=resources,
            apply_started_at=started_at,
            nodeid=nodeid,
            label=label,
            changes_started_at=release.released_at,
            used_by=used_by,
        )
        say(f"applied {prefix}: {resources} resources in {format_seconds(applied.apply_seconds)}")
        with self._lock:
            self.live.append(applied)
        return applied

    def _raise_if_lost(self) -> None:
        if self.lost is not None:
            raise self.lost()

    def release(self, applied: AppliedStack) -> None:
        """A test is done with `applied`: destroy it in the background, or discard it."""
        if applied.destroying:
            return  # its destroy is under way; it records itself
        if self.teardown == "discard":
            self.discard(applied)
        else:
            self.destroy_later(applied)

    def discard(self, applied: AppliedStack) -> None:
        """Drop the state and the working copy; the resources go with the emulator."""
        applied.destroying = True
        self._count_function_usage(applied)
        self._finish(applied, "discard", time.time(), 0.0, ok=True)

    def destroy(self, applied: AppliedStack) -> None:
        """Destroy with retries; what still fails goes to the leftovers ledger, then raises."""
        applied.destroying = True
        self._count_function_usage(applied)
        started, started_at = time.monotonic(), time.time()
        error: BaseException | None = None
        for attempt in range(1, DESTROY_ATTEMPTS + 1):
            if self.lost is not None:  # the emulator died: everything on it went with it
                self._finish(applied, "discard", started_at, time.monotonic() - started, ok=True)
                return
            try:
                applied.runner.destroy()
                error = None
                break
            except TerraformError as failure:
                if self.lost is not None:  # killed because the emulator died: nothing to retry
                    self._finish(applied, "discard", started_at, time.monotonic() - started, True)
                    return
                error = failure
                say(f"destroy of {applied.prefix} failed (attempt {attempt}/{DESTROY_ATTEMPTS})")
                time.sleep(2 * attempt)
        seconds = time.monotonic() - started
        if error is not None:
            self._finish(applied, "destroy", started_at, seconds, ok=False)
            say(f"destroy of {applied.prefix} FAILED")
            if self.ephemeral:
                say(f"{applied.prefix} stays on the run's own emulator until it stops")
            else:
                record_leftover(self.run, self.target, applied.prefix, applied.workdir, str(error))
            error.prefix = applied.prefix  # type: ignore[attr-defined]
            raise error
        self._finish(applied, "destroy", started_at, seconds, ok=True)
        say(f"destroyed {applied.prefix} in {format_seconds(seconds)}")

    def _count_function_usage(self, applied: AppliedStack) -> None:
        """Before its functions go: what they did (invocations, GB-seconds, log bytes), read
        from their logs into the run's usage. A failure to read is counted, never raised."""
        if self.lost is not None or not applied.apply_ok:
            return
        try:
            self.target.meter.add(usage.of_functions(self.target.client("logs"), applied.prefix))
        except Exception as error:  # botocore raises many types; usage must not fail a run
            self.target.meter.add(usage.Usage(logs_unread=1))
            say(f"usage of {applied.prefix}: its logs could not be read ({error})")

    def _finish(
        self, applied: AppliedStack, teardown: str, started_at: float, seconds: float, ok: bool
    ) -> None:
        """Record the teardown; a torn-down stack's working copy (and state) is removed."""
        record = StackRecord(
            stack=applied.stack,
            prefix=applied.prefix,
            worker=self.run.worker,
            resources=applied.resources,
            apply_started_at=applied.apply_started_at,
            apply_seconds=applied.apply_seconds,
            teardown=teardown,
            teardown_seconds=seconds,
            ok=ok,
            teardown_started_at=started_at,
            nodeid=applied.nodeid,
            apply_ok=applied.apply_ok,
            label=applied.label,
            changes_started_at=applied.changes_started_at,
            used_by=applied.used_by,
        )
        with self._lock:
            if applied in self.live:
                self.live.remove(applied)
            if applied.runner in self._runners:
                self._runners.remove(applied.runner)
            self.history.append(record)
        if ok:
            applied.destroyed = True
            copy = applied.workdir.parents[len(Path(applied.stack).parts)]
            shutil.rmtree(copy, ignore_errors=True)

    def destroy_later(self, applied: AppliedStack) -> Future[None] | None:
        """Start destroying in the background and return at once (None if a destroy of this
        stack is already under way: two destroys of one state would fight over its lock).

        The AWS provider waits for SQS deletes to be seen 15 times in a row (about 30 s per
        queue with the pinned release, on AWS and emulators alike); a test need not sit through
        that. `wait_for_destroys` collects every outcome before the session ends.
        """
        with self._lock:
            if applied.destroying:
                return None
            applied.destroying = True  # marked at submission, not when a pool thread picks it up
            future = self._pool.submit(self.destroy, applied)
            self._pending.append(future)
        return future

    def wait_for_destroys(self) -> list[str]:
        """Block until every background destroy is done; returns (and keeps in `leftovers`)
        the prefixes that could not be destroyed."""
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            try:
                future.result()
            except BaseException as error:
                self.leftovers.append(getattr(error, "prefix", None) or str(error).splitlines()[0])
        return self.leftovers

    def target_lost(self, reason: Callable[[], BaseException]) -> None:
        """The target (the run's own emulator) is gone with everything on it: stop every CLI
        command under way, refuse new applies with `reason()`, and discard instead of
        destroying from now on."""
        with self._lock:
            self.lost = reason
            self.teardown = "discard"
            runners = list(self._runners)
        for runner in runners:
            runner.kill()

    def destroy_all(self) -> list[str]:
        """Tear down everything still live (destroys in parallel) and wait for every destroy
        in flight; returns what could not be destroyed (already in the leftovers ledger)."""
        for applied in list(self.live):
            self.release(applied)
        return self.wait_for_destroys()

    def _apply_within_cap(self, runner: Runner, on_event: Callback | None = None) -> Result:
        """Apply; under a resource cap, plan first and refuse a plan that would exceed it."""
        if self.target.max_resources is None:
            return runner.apply(on_event=on_event)
        planned = runner.plan().changes("plan").get("add", 0)
        total = reserve_resources(self.run, planned, self.target.max_resources)
        say(f"resource cap: {total}/{self.target.max_resources} used by run {self.run.id}")
        return runner.apply(plan_file="tfplan", on_event=on_event)

    def _working_copy(self, prefix: str) -> Path:
        copy = self.run.directory / "stacks" / prefix / self.terraform_root.name
        return working_copy(self.terraform_root, copy)


def record_leftover(run: Run, target: Target, prefix: str, workdir: Path, error: str) -> None:
    """Remember a stack that could not be destroyed, for `sqs-harness sweep --from-ledger`."""
    where = ledger.record(
        ledger.LedgerEntry(
            run_id=run.id,
            prefix=prefix,
            target=target.name,
            endpoint=target.endpoint,
            region=target.region,
            workdir=str(workdir),
            recorded_at=utc_now(),
            error=error[-2000:],
        )
    )
    kept = f"recorded in {where}" if where else f"NOT recorded (cannot write {ledger.path()})"
    say(f"LEFTOVER: {prefix} could not be destroyed; {kept} for the sweeper")
