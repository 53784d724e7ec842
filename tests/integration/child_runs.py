"""Run only as a child process by tests/integration (CHILD_MODE selects the behaviour)."""

import os
import time
from pathlib import Path

import pytest

from sqs_lambda_harness import probes

MODE = os.environ.get("CHILD_MODE", "")


def mark(name: str, text: str = "") -> None:
    """Tell the parent test something (xdist workers' output does not reach the log)."""
    (Path(os.environ["CHILD_MARKERS"]) / name).write_text(text)


def await_mark(name: str, timeout: float) -> None:
    marker = Path(os.environ["CHILD_MARKERS"]) / name
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert time.monotonic() < deadline, f"the parent never wrote {name}"
        time.sleep(0.1)


@pytest.mark.skipif(MODE != "fail", reason="mode")
def test_applies_then_fails(stack):
    applied = stack("stacks/queue", {"create_dlq": False}, label="child-fail")
    print(f"CHILD APPLIED {applied.prefix}", flush=True)
    raise AssertionError("this test fails on purpose; teardown must still destroy")


@pytest.mark.skipif(MODE != "wait", reason="mode")
def test_applies_then_waits_for_interrupt(stack):
    applied = stack("stacks/queue", {"create_dlq": False}, label="child-wait")
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


@pytest.mark.skipif(MODE != "undestroyable", reason="mode")
def test_applies_a_stack_whose_destroy_fails(stack):
    applied = stack("undestroyable", label="child-stuck")
    print(f"CHILD APPLIED {applied.prefix}", flush=True)


@pytest.mark.xdist_group("dies")
@pytest.mark.skipif(MODE != "emulator-dies", reason="mode")
def test_emulator_dies_under_this_test(stack, aws, harness_target):
    applied = stack("stacks/queue", {"create_dlq": False}, label="child-dies")
    mark("dying", harness_target.endpoint or "")
    started = time.monotonic()
    try:
        while time.monotonic() - started < 300:  # long polls, until the emulator is killed
            probes.receive(aws("sqs"), applied["queue_url"], wait=20)
    except BaseException as error:
        mark("died", f"{time.time()}\n{error}")
        raise


@pytest.mark.xdist_group("dies")
@pytest.mark.skipif(MODE != "emulator-dies", reason="mode")
def test_emulator_dies_then_the_next_test_of_that_worker_errors_at_setup(harness_target):
    mark("next test ran")  # not reached: its setup meets the dead emulator


@pytest.mark.xdist_group("lives")
@pytest.mark.skipif(MODE != "emulator-dies", reason="mode")
def test_emulator_dies_elsewhere_and_this_worker_carries_on(stack, aws):
    applied = stack("stacks/queue", {"create_dlq": False}, label="child-lives")
    mark("living")
    await_mark("go", timeout=300)  # the other worker's emulator has been killed by now
    probes.send(aws("sqs"), applied["queue_url"], "still here")
    assert probes.receive(aws("sqs"), applied["queue_url"], wait=5).bodies == ["still here"]


@pytest.mark.scenario("AWS's clock, rehearsed: a pipeline applied, delivering, destroyed")
@pytest.mark.skipif(MODE != "aws-clock", reason="mode")
def test_a_pipeline_lives_its_lifecycle_on_aws_s_clock(stack, aws, harness_target, evidence):
    """Behind the rehearsal proxy (test_aws_clock.py): the apply outlasts IAM propagation and the
    mapping's Creating, a message reaches the sink through the mapping, and the teardown
    (destroy: the endpoint is given) outlasts Deleting; throttles and 5xx on the way."""
    started = time.monotonic()
    applied = stack("stacks/pipeline", label="child-clock")
    applied_after = time.monotonic() - started
    lambda_client, sqs = aws("lambda"), aws("sqs")
    state = lambda_client.get_event_source_mapping(UUID=applied["mapping_uuid"])["State"]
    assert state == "Enabled", "the provider returned before the mapping left Creating"
    sent = time.monotonic()
    body = '{"id": "clock-1", "directive": "ok"}'
    result = probes.invoke(
        lambda_client, applied["producer_function_name"], {"messages": [{"body": body}]}
    )
    assert result.function_error is None, result.payload
    probes.Sink(sqs, applied["sink_queue_url"]).collect(
        probes.has_ids(["clock-1"]),
        timeout=harness_target.tolerances.delivery_timeout,
        what="the message in the sink, through the mapping",
    )
    delivered_after = time.monotonic() - sent
    evidence.measure("apply", applied_after)
    evidence.measure("delivered after", delivered_after)
    evidence.claim(
        f"stacks/pipeline applied in {applied_after:.1f} s on AWS's clock, its mapping Enabled; "
        f"a message produced through the producer reached the sink after {delivered_after:.1f} s"
    )
    mark("delivered", f"{applied_after:.2f} {delivered_after:.2f}")
