"""Redrive: a poison message ends in the DLQ after max_receive_count receives, intact, while
the good messages of the same batches are delivered once (ReportBatchItemFailures)."""

from __future__ import annotations

from collections import Counter

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import body

pytestmark = pytest.mark.emulator
MAX_RECEIVES = 2
CONSUMER_TIMEOUT = 1  # visibility = 6 x timeout = 6 s (the mapping module's rule): 12 s to the DLQ


@pytest.mark.scenario("Redrive of a poison message to the DLQ")
@pytest.mark.needs("lambda_execution", "mapping_redelivery_pace")
def test_poison_message_moves_to_the_dlq_and_good_ones_are_delivered_once(
    pipeline, evidence, tolerances
) -> None:
    live = pipeline(
        "redrive",
        create_dlq=True,
        max_receive_count=MAX_RECEIVES,
        consumer_timeout=CONSUMER_TIMEOUT,
        mapping_enabled=False,
    )
    visibility = live.applied["visibility_timeout_seconds"]
    evidence.measure("inherent wait", MAX_RECEIVES * visibility)
    good = [f"good{i}" for i in range(5)]
    messages = [{"body": body(i)} for i in good]
    messages.append(
        {
            "body": body("poison", "fail", payload="keep me"),
            "attributes": {"origin": "redrive-test"},
        }
    )
    live.produce(messages)
    live.start_mapping()  # the queue is full: the poison message shares its batch
    live.sink.collect(
        probes.has_ids(["poison"], outcome="failed"),
        timeout=tolerances.delivery_timeout,
        what="the poison message's first delivery",
    )

    # From its first delivery the poison message is received max_receive_count times, one
    # visibility timeout apart, and SQS moves it on the receive after the last: that many
    # visibility timeouts, each within the target's slack. The wait runs a whole delivery
    # timeout longer: a late move fails this bound with its figure, none fails the wait.
    bound = MAX_RECEIVES * (visibility + tolerances.redelivery_slack)
    dlq, seconds = probes.wait_until(
        lambda: probes.receive(live.sqs, live.applied["dlq_url"], wait=1).messages,
        lambda got: bool(got),
        timeout=bound + tolerances.delivery_timeout,
        interval=0.0,
        what="poison message in the DLQ",
    )
    evidence.within("poison reached the DLQ after", seconds, low=None, high=bound)
    poisoned = dlq[0]
    assert poisoned["Body"] == body("poison", "fail", payload="keep me")
    assert poisoned["MessageAttributes"]["origin"]["StringValue"] == "redrive-test"
    receives = int(poisoned["Attributes"]["ApproximateReceiveCount"])
    assert receives >= MAX_RECEIVES
    evidence.claim(
        f"{seconds:.2f} s after its first delivery the poison message was in the DLQ with body "
        f"and attributes intact and its receive count not reset ({receives})"
    )

    live.sink.collect(probes.has_ids(good), timeout=tolerances.delivery_timeout)
    probes.wait_until(live.source_empty, bool, timeout=visibility + 10, what="source empty")
    ok = Counter(live.sink.ids("ok"))
    failed = Counter(live.sink.ids("failed"))
    assert all(ok[i] == 1 for i in good), ok
    assert failed["poison"] == MAX_RECEIVES
    shared = live.first_batch_of("poison") - {"poison"}
    assert shared, "precondition: the poison message shared its first batch with good ones"
    evidence.claim(
        f"each of the {len(good)} good messages was delivered once ({len(shared)} of them in "
        f"the poison's failed batch); the poison one was tried {failed['poison']} times, "
        "then redriven"
    )


@pytest.mark.scenario("DLQ messages moved back to the source")
@pytest.mark.needs("dlq_message_move")
def test_dlq_messages_can_be_moved_back_to_the_source(stack, aws, evidence, tolerances) -> None:
    applied = stack(
        "stacks/queue",
        {"max_receive_count": 1, "visibility_timeout_seconds": 1, "receive_wait_time_seconds": 0},
        label="dlq-move",
    )
    sqs = aws("sqs")
    probes.send(sqs, applied["queue_url"], "bring me back")
    assert probes.receive(sqs, applied["queue_url"], wait=2).bodies == ["bring me back"]

    def moved_to_the_dlq() -> int:
        """SQS moves it on the receive after the last allowed one (MiniStack without one)."""
        probes.receive(sqs, applied["queue_url"], wait=1)
        return probes.counts(sqs, applied["dlq_url"]).visible

    probes.wait_until(moved_to_the_dlq, bool, timeout=30, what="message in the DLQ")
    sqs.start_message_move_task(SourceArn=applied["dlq_arn"], DestinationArn=applied["queue_arn"])
    got, seconds = probes.wait_until(
        lambda: probes.receive(sqs, applied["queue_url"], wait=1).bodies,
        bool,
        timeout=tolerances.delivery_timeout,
        what="message back in the source",
    )
    evidence.measure("moved back after", seconds)
    assert got == ["bring me back"]
    evidence.claim(
        f"StartMessageMoveTask moved the DLQ's message back to its source in {seconds:.2f} s"
    )
