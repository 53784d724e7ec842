"""Failures the mapping itself handles: a throttled function, and a function that outlives its
timeout. Both return the batch to the queue for another try after its visibility timeout.

Sources: the Lambda developer guide, "Using Lambda with Amazon SQS"
(docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): "If your function returns an error, or
can't be invoked because it's at maximum concurrency, processing might succeed with additional
attempts. To give messages a better chance to be processed before sending them to the
dead-letter queue, set the maxReceiveCount on the source queue's redrive policy to at least 5"
(a throttled batch returns after the visibility timeout and counts as a receive); "When the
function ... times out ... the messages in the batch become visible again after the visibility
timeout"; reserved concurrency 0 throttles every invocation ("Configuring reserved
concurrency", configuration-concurrency.html). A timed-out invocation's REPORT line ends with
`Status: timeout` ("Monitoring and troubleshooting Lambda functions", the REPORT line of the
text log format).
"""

from __future__ import annotations

import time

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import (
    RETRY_MAPPINGS,
    body,
    invocations,
    retry_back_after,
    shares_mappings,
    shares_retry_mappings,
)

pytestmark = pytest.mark.emulator
MAX_RECEIVES = RETRY_MAPPINGS["throttled"]["max_receive_count"]
# SQS ends a visibility timeout on its own timer (LocalStack: a 1 s one) and the first receive
# is seen in flight within one 0.1 s sample: a return is not expected earlier than a second
# before the timeout, and a start on the function's clock not earlier than 0.5 s before it.
TIMER_SLACK = 1.0
CLOCK_SLACK = 0.5


@pytest.mark.scenario("Throttled function: messages return after the visibility timeout, then DLQ")
@pytest.mark.needs("lambda_execution", "mapping_throttle_retry")
@shares_retry_mappings
def test_a_throttled_function_sends_its_messages_to_the_dlq(
    retry_mapping_of, evidence, tolerances
) -> None:
    mapping = retry_mapping_of("throttled")
    visibility = mapping.visibility
    evidence.measure("inherent wait", MAX_RECEIVES * visibility)
    mapping.send([body("throttled-1")])
    # The mapping receives the message although the function (reserved concurrency 0) cannot
    # run: it is in flight, then visible again after the visibility timeout, MAX_RECEIVES
    # times, and SQS moves it to the DLQ on the receive after the last.
    _, first_receive = probes.wait_until(
        mapping.queue_counts,
        lambda counts: counts.in_flight >= 1,
        timeout=tolerances.delivery_timeout,
        interval=0.1,
        what="the throttled function's mapping receiving the message",
    )
    evidence.measure("first received after", first_receive)
    received_at = time.monotonic()
    bound = MAX_RECEIVES * (visibility + tolerances.redelivery_slack)
    probes.wait_until(
        lambda: probes.counts(mapping.sqs, mapping["dlq_url"]).total,
        lambda total: total >= 1,
        timeout=bound + tolerances.delivery_timeout,
        interval=0.1,
        what="the throttled message in the DLQ",
    )
    seconds = time.monotonic() - received_at
    evidence.within(
        "in the DLQ after", seconds, low=MAX_RECEIVES * visibility - TIMER_SLACK, high=bound
    )
    dead = probes.receive(mapping.sqs, mapping["dlq_url"], wait=1).messages
    assert [m["Body"] for m in dead] == [body("throttled-1")], dead
    receives = int(dead[0]["Attributes"]["ApproximateReceiveCount"])
    evidence.within("receive count in the DLQ", receives, low=MAX_RECEIVES, high=None, unit="")
    assert mapping.sink.refresh() == [], "the throttled function was never invoked"
    assert mapping.queue_counts().total == 0
    evidence.claim(
        f"with reserved concurrency 0 the mapping received the message ({first_receive:.2f} s "
        f"after the send) and invoked nothing; it returned after each {visibility} s "
        f"visibility timeout and was in the DLQ {seconds:.2f} s after the first receive, its "
        f"receive count {receives} (maxReceiveCount {MAX_RECEIVES})"
    )


@pytest.mark.scenario("Function timeout: the whole batch returns after the visibility timeout")
@pytest.mark.needs("lambda_execution", "mapping_redelivery_pace", "function_timeout_report")
@shares_mappings
def test_a_timed_out_batch_comes_back_after_the_visibility_timeout(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("timeout")
    visibility, timeout = mapping.visibility, mapping["function_timeout"]
    evidence.measure("inherent wait", visibility)
    ids = [f"late-{i}" for i in range(3)]
    since = time.time()
    assert mapping.state() == "Disabled", "precondition: the mapping was applied disabled"
    mapping.send([body(i, "hang-first") for i in ids])
    probes.wait_until(
        lambda: mapping.queue_counts().visible,
        lambda visible: visible == len(ids),
        timeout=tolerances.delivery_timeout,
        what="the batch waiting in the queue",
    )
    mapping.enable()  # the queue is full: one batch takes them all
    mapping.sink.collect(
        probes.has_ids(ids, outcome="started"),
        timeout=tolerances.delivery_timeout,
        what="the hanging handler's start rows",
    )
    first = next(rows for rows in invocations(mapping.sink.entries).values())
    batch = {row["id"] for row in first}
    assert len(batch) >= 2, f"precondition: a batch of several messages, got {batch}"
    request_id = first[0]["request_id"]

    def redelivered(rows: list[dict]) -> bool:
        return batch <= {r["id"] for r in rows if r["receive_count"] >= 2 and r["outcome"] == "ok"}

    bound = visibility + tolerances.redelivery_slack
    rows = mapping.sink.collect(
        redelivered, timeout=bound + tolerances.delivery_timeout, what="the batch redelivered"
    )
    again = [r for r in rows if r["id"] in batch and r["receive_count"] >= 2]
    back_after = retry_back_after(first, again)
    evidence.within("batch back after", back_after, low=visibility - CLOCK_SLACK, high=bound)
    assert {r["receive_count"] for r in again} == {2}, again
    evidence.claim(
        f"a handler outliving its {timeout} s timeout failed its whole batch of {len(batch)}: "
        f"every message came back {back_after:.2f} s later ({visibility} s visibility "
        "timeout) with receive count 2, and then succeeded"
    )

    lines, _ = probes.wait_until(
        lambda: probes.log_lines(mapping.logs, mapping["function_name"], since, request_id),
        lambda found: any(line.message.startswith("REPORT") for line in found),
        timeout=tolerances.delivery_timeout,
        interval=0.5,
        what=f"the REPORT line of the timed-out invocation {request_id}",
    )
    report = next(line.message for line in lines if line.message.startswith("REPORT"))
    duration = probes.reported_duration_ms(report)
    if duration is not None:
        evidence.measure("timed-out REPORT Duration", duration / 1000)
    # A check, not a wait: the line is what it is (ConditionTimeout for a declared divergence).
    if "Status: timeout" not in report:
        raise probes.ConditionTimeout(f"'Status: timeout' in the REPORT line; got {report!r}")
    evidence.claim(f"its REPORT line says Status: timeout ({report.strip()!r})")
