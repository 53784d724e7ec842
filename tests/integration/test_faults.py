"""The failure paths, with real processes: an emulator that dies mid-test, a destroy that
keeps failing on a target that persists, and Ctrl-C during an apply in discard mode."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from sqs_lambda_harness.cleanup import ledger, sweeper
from tests.integration.conftest import REPO, Process, processes_of_run, processes_with_env

pytestmark = pytest.mark.emulator
EMULATOR_DEATH_BUDGET = 10.0  # seconds from the kill to the test's error, not a CLI timeout
# The emulators whose death and Ctrl-C paths are proven: how each names itself in the error,
# and how its process is told from the rest of the run's tree (its port is in its environment).
EMULATORS = {
    "embedded": ("MiniStack", "ministack", lambda env, port: env.get("GATEWAY_PORT") == port),
    "localstack": (
        "LocalStack",
        "localstack.runtime.main",
        lambda env, port: env.get("GATEWAY_LISTEN") == f"127.0.0.1:{port}",
    ),
}


def emulator_of(tree: list[Process], target: str, port: str | None = None) -> Process:
    """The child run's own emulator process (on `port`, where several run)."""
    _, command, on_port = EMULATORS[target]
    (emulator,) = [
        p for p in tree if command in p.command and (port is None or on_port(p.environment(), port))
    ]
    return emulator


@pytest.mark.parametrize("target", EMULATORS)
def test_an_emulator_dying_mid_test_errors_that_test_at_once_and_other_workers_carry_on(
    child_run, target: str
) -> None:
    child = child_run(
        "emulator-dies",
        *("-n", "2", "--dist", "loadgroup", "-k", "emulator_dies", "--harness-target", target),
        *("--harness-emulator-scope", "worker"),  # one each: the other worker's lives on
        own_emulator=True,
    )
    endpoint = child.await_marker("dying", timeout=300)
    child.await_marker("living", timeout=300)
    emulator = emulator_of(child.process_tree(), target, endpoint.rsplit(":", 1)[1])
    os.kill(emulator.pid, signal.SIGKILL)
    killed_at = time.time()

    at, message = child.await_marker("died", timeout=60).split("\n", 1)
    product = EMULATORS[target][0]
    assert float(at) - killed_at < EMULATOR_DEATH_BUDGET, message
    assert f"{product} at {endpoint} (pid {emulator.pid}) exited with code -9" in message
    assert "last lines of" in message and product.lower() in message.lower()

    child.mark("go")
    assert child.wait(timeout=180) == 1, child.output()[-3000:]
    assert re.search(r"\b1 failed, 1 passed, 1 error\b", child.output()), child.output()[-3000:]
    assert not (child.markers / "next test ran").exists()  # errored at setup, not in its body


@pytest.mark.parametrize("target", EMULATORS)
def test_an_emulator_dying_mid_apply_kills_the_cli_and_errors_the_test(
    child_run, target: str
) -> None:
    child = child_run("pipeline", "--harness-target", target, own_emulator=True)
    child.wait_for_first_resource()
    tree = child.process_tree()
    emulator = emulator_of(tree, target)
    os.kill(emulator.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    assert child.wait(timeout=120) == 1, child.output()[-3000:]
    assert time.monotonic() - killed_at < EMULATOR_DEATH_BUDGET  # measured 0.21-0.26 s alone
    output = child.output()
    assert "exited with code -9" in output and f"(pid {emulator.pid})" in output, output[-3000:]
    assert re.search(r"\b1 failed, \d+ skipped in ", output), output[-3000:]  # others skip
    assert [p for p in tree if p.alive() and "terraform" in p.command] == []  # CLI and plugins
    assert processes_of_run(child.work) == []  # the emulator's function processes too


def test_a_destroy_that_keeps_failing_is_retried_recorded_then_swept(
    child_run, harness_target, monkeypatch
) -> None:
    child = child_run("undestroyable", "--harness-terraform-root", "tests/integration/stacks")
    assert child.wait(timeout=300) == 1, child.output()[-3000:]  # a leftover fails the run
    output = child.output()
    assert "failed (attempt 3/3)" in output
    (prefix,) = re.findall(r"CHILD APPLIED (\S+)", output)
    assert f"LEFTOVER: {prefix} could not be destroyed" in output

    monkeypatch.setenv("HARNESS_LEDGER", str(child.ledger))
    (entry,) = ledger.entries()
    assert (entry.run_id, entry.prefix, entry.endpoint) == (
        child.run_id,
        prefix,
        harness_target.endpoint,
    )
    assert "refusing to be destroyed" in entry.error
    left = sweeper.find(harness_target, child.run_id)
    assert [x.name for x in left] == [f"{prefix}-stuck"]

    swept = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqs_lambda_harness",
            "sweep",
            "--from-ledger",
            "--target",
            "embedded",
            "--endpoint-url",
            harness_target.endpoint or "",
        ],
        cwd=REPO,
        env={**os.environ, "HARNESS_LEDGER": str(child.ledger)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert swept.returncode == 0, swept.stderr
    assert "deleted: sqs queue" in swept.stdout and f"{prefix}-stuck" in swept.stdout
    assert sweeper.find(harness_target, child.run_id) == []
    assert ledger.entries() == []  # struck off once its resources were gone


@pytest.mark.parametrize(
    ("target", "workers"),
    [("embedded", ()), ("localstack", ()), ("localstack", ("-n", "2"))],
    ids=["embedded", "localstack", "localstack-shared-by-2-workers"],
)
def test_ctrl_c_during_an_apply_in_discard_mode_leaves_no_process_behind(
    child_run, target: str, workers: tuple[str, ...]
) -> None:
    # Its own emulator, so discard by default; with xdist workers, LocalStack is the run's one,
    # started and stopped by the controller.
    child = child_run("pipeline", "--harness-target", target, *workers, own_emulator=True)
    child.wait_for_first_resource()
    tree = child.process_tree()
    commands = " ".join(p.command for p in tree)
    assert EMULATORS[target][1] in commands and "terraform-provider-aws" in commands, commands

    interrupted_at = time.monotonic()
    child.process.send_signal(signal.SIGINT)
    assert child.wait(timeout=60) != 0
    exit_seconds = time.monotonic() - interrupted_at
    output = child.output()
    assert "failed: discarded with the emulator" in output, output[-3000:]
    assert [p for p in tree if p.alive()] == []
    assert processes_with_env("HARNESS_RUN_ID", child.run_id) == []
    assert processes_of_run(child.work) == []  # the emulator's function processes too
    assert exit_seconds < 30, f"Ctrl-C took {exit_seconds:.1f}s to end the run"
