"""Run only as a child process by tests/integration (CHILD_MODE selects the behaviour)."""

import os
import time

import pytest

MODE = os.environ.get("CHILD_MODE", "")


@pytest.mark.skipif(MODE != "fail", reason="mode")
def test_applies_then_fails(stack):
    applied = stack("stacks/queue", {"create_dlq": True}, label="child-fail")
    print(f"CHILD APPLIED {applied.prefix}", flush=True)
    raise AssertionError("this test fails on purpose; teardown must still destroy")


@pytest.mark.skipif(MODE != "wait", reason="mode")
def test_applies_then_waits_for_interrupt(stack):
    applied = stack("stacks/queue", label="child-wait")
    print(f"CHILD APPLIED {applied.prefix}", flush=True)
    time.sleep(300)


@pytest.mark.skipif(MODE != "pipeline", reason="mode")
def test_applies_a_pipeline(stack):
    stack("stacks/pipeline", label="child-kill")
    time.sleep(300)


@pytest.mark.skipif(MODE != "queue", reason="mode")
def test_applies_a_queue(stack):
    applied = stack("stacks/queue", label="child-queue")
    print(f"CHILD APPLIED {applied.prefix}", flush=True)
