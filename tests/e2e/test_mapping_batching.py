"""How the SQS event source mapping forms its batches: the batching window at low traffic, the
batch size, and MaximumConcurrency. Each mapping is its own in one shared application of
stacks/mappings (tests/e2e/conftest.py MAPPINGS); every figure comes from the consumer's own
rows in the sink (its start and end times, its request id), never from the test's clock alone.

Source of every AWS fact here: the Lambda developer guide, "Using Lambda with Amazon SQS"
(docs.aws.amazon.com/lambda/latest/dg/with-sqs.html: batching window and batch size) and
"Configuring scaling behavior for SQS event source mappings" (services-sqs-scaling.html:
maximum concurrency), with the API reference of CreateEventSourceMapping (BatchSize,
MaximumBatchingWindowInSeconds, ScalingConfig).
"""

from __future__ import annotations

from collections import Counter

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import MAPPINGS, body, invocations, overlaps, shares_mappings

pytestmark = [pytest.mark.emulator, shares_mappings]
WINDOW = MAPPINGS["window"]["maximum_batching_window_in_seconds"]
# [guide] "If you're using a batching window and your Amazon SQS queue contains very low
# traffic, Lambda might wait for up to 20 seconds before invoking your function. This is true
# even if you set a batching window lower than 20 seconds."
LOW_TRAFFIC_WAIT = 20
# The send time is the test host's clock, the start the function host's: on the loopback one
# clock, on AWS two NTP-synchronised ones (milliseconds apart); the window is whole seconds.
# 0.5 s covers both with room, and is a tenth of the 5 s window under test.
CLOCK_SLACK = 0.5


@pytest.mark.scenario("Batching window: a lone message waits for the window")
@pytest.mark.needs("lambda_execution", "mapping_batching_window")
def test_a_lone_message_is_not_invoked_before_the_batching_window(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("window")
    evidence.measure("inherent wait", WINDOW)
    sent_at = mapping.send([body("window-1")])
    rows = mapping.sink.collect(
        probes.has_ids(["window-1"]),
        timeout=LOW_TRAFFIC_WAIT + tolerances.delivery_timeout,
        what="the lone message's invocation",
    )
    invoked_after = rows[0]["started_at"] - sent_at
    # [guide]: records are gathered for up to the window; at low traffic up to 20 s.
    evidence.within(
        "invoked after",
        invoked_after,
        low=WINDOW - CLOCK_SLACK,
        high=LOW_TRAFFIC_WAIT + tolerances.visibility_slack,
    )
    evidence.claim(
        f"a lone message on a mapping with a {WINDOW} s batching window was handed to the "
        f"function {invoked_after:.2f} s after it was sent (not before the window; at most the "
        f"{LOW_TRAFFIC_WAIT} s AWS allows at low traffic)"
    )


@pytest.mark.scenario("Batch size: batches of at most BatchSize, each message once")
@pytest.mark.needs("lambda_execution")
def test_batches_hold_at_most_the_batch_size_and_each_message_once(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("batch10")
    batch_size = MAPPINGS["batch10"].get("batch_size", 10)
    ids = [f"size-{i:02d}" for i in range(25)]
    mapping.send([body(i) for i in ids])
    mapping.sink.collect(probes.has_ids(ids), timeout=tolerances.delivery_timeout)
    probes.wait_until(
        lambda: mapping.queue_counts().total,
        lambda total: total == 0,
        timeout=tolerances.delivery_timeout,
        what="source queue empty",
    )
    rows = mapping.sink.refresh()  # empty source, nothing in flight: every delivery is in
    sizes = sorted((len(batch) for batch in invocations(rows).values()), reverse=True)
    deliveries = Counter(e["id"] for e in rows)
    assert set(deliveries) == set(ids), deliveries
    assert all(n == 1 for n in deliveries.values()), {i: n for i, n in deliveries.items() if n > 1}
    assert sum(sizes) == len(ids)
    evidence.measure("batches", len(sizes), unit="")
    evidence.within("largest batch", max(sizes), low=1, high=batch_size, unit="")
    evidence.claim(
        f"{len(ids)} messages arrived in {len(sizes)} batches {sizes} of at most {batch_size} "
        "(BatchSize) that add up to them, each message once"
    )


@pytest.mark.scenario("Batch size above 10: a backlog arrives in batches larger than 10")
@pytest.mark.needs("lambda_execution", "mapping_large_batches")
def test_a_backlog_arrives_in_batches_larger_than_ten(mapping_of, evidence, tolerances) -> None:
    mapping = mapping_of("batch100")
    settings = MAPPINGS["batch100"]
    ids = [f"big-{i:02d}" for i in range(50)]
    # The mapping was applied disabled: the whole backlog is in the queue before it polls.
    assert mapping.state() == "Disabled", "precondition: the mapping starts disabled"
    mapping.send([body(i) for i in ids])
    probes.wait_until(
        lambda: mapping.queue_counts().visible,
        lambda visible: visible == len(ids),
        timeout=tolerances.delivery_timeout,
        what="the backlog visible in the queue",
    )
    mapping.enable()
    mapping.sink.collect(probes.has_ids(ids), timeout=tolerances.delivery_timeout)
    sizes = sorted((len(b) for b in invocations(mapping.sink.entries).values()), reverse=True)
    assert set(mapping.sink.ids()) == set(ids)
    evidence.measure("batches", len(sizes), unit="")
    # [guide]: BatchSize up to 10,000 on a standard queue with a window of at least 1 s; the
    # mapping gathers records until the window, the batch size or 6 MB.
    evidence.within("largest batch", max(sizes), low=11, high=settings["batch_size"], unit="")
    evidence.claim(
        f"a backlog of {len(ids)} with BatchSize {settings['batch_size']} and a "
        f"{settings['maximum_batching_window_in_seconds']} s window arrived in batches {sizes}, "
        "the largest above the 10 of a single ReceiveMessage"
    )


@pytest.mark.scenario("MaximumConcurrency caps overlapping invocations")
@pytest.mark.needs("lambda_execution", "mapping_maximum_concurrency")
def test_maximum_concurrency_caps_the_overlapping_invocations(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("concurrency")
    cap = MAPPINGS["concurrency"]["maximum_concurrency"]
    seconds, count = 1.0, 8  # batch size 1: 8 invocations of 1 s, 4 s at the cap
    ids = [f"conc-{i}" for i in range(count)]
    mapping.send([body(i, "sleep", seconds=seconds) for i in ids])
    mapping.sink.collect(probes.has_ids(ids), timeout=count * seconds + tolerances.delivery_timeout)
    batches = invocations(mapping.sink.entries).values()
    spans = [(rows[0]["started_at"], rows[0]["processed_at"]) for rows in batches]
    peak = overlaps(spans)
    evidence.measure("invocations", len(spans), unit="")
    # From the handler's own start and end records. [api] ScalingConfig.MaximumConcurrency:
    # "Limits the number of concurrent instances that the Amazon SQS event source can
    # invoke"; with a backlog and batch size 1 the mapping reaches the cap.
    evidence.within("most invocations at once", peak, low=cap, high=cap, unit="")
    evidence.claim(
        f"{len(spans)} invocations of a {seconds:g} s handler over a backlog of {count}: at "
        f"most {peak} overlapped (MaximumConcurrency {cap}), and the mapping reached the cap"
    )
