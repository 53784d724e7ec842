"""FIFO with no Lambda, by direct receive: order per message group, and a duplicate (same
deduplication id) dropped and answered with the original MessageId."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import shares_queues

pytestmark = [pytest.mark.emulator, shares_queues]
GROUPS = ("alpha", "beta", "gamma")
PER_GROUP = 4


def _fifo_queue_url(sqs: Any, queue_of: Callable[[str], dict[str, Any]], name: str) -> str:
    """The scenario's queue, once SQS reports it FIFO (standard queues take group ids too)."""
    url = queue_of(name)["url"]
    fifo = probes.queue_attributes(sqs, url, "FifoQueue").get("FifoQueue")
    assert fifo == "true", f"precondition: {name} is a FIFO queue; FifoQueue is {fifo!r}"
    return url


@pytest.mark.scenario("FIFO order per group and deduplication (direct receive)")
def test_direct_receive_keeps_order_per_group_and_drops_duplicates(
    queue_of, aws, evidence, tolerances
) -> None:
    sqs = aws("sqs")
    url = _fifo_queue_url(sqs, queue_of, "fifo-order")
    expected: dict[str, list[str]] = defaultdict(list)
    for n in range(PER_GROUP):  # interleaved groups, so a global order would not do
        for group in GROUPS:
            body = f"{group}-{n}"
            expected[group].append(body)
            probes.send(sqs, url, body, MessageGroupId=group, MessageDeduplicationId=body)
    probes.send(sqs, url, "alpha-0 again", MessageGroupId="alpha", MessageDeduplicationId="alpha-0")
    total = PER_GROUP * len(GROUPS)

    started = time.monotonic()
    received = probes.drain(
        sqs,
        url,
        lambda got: len(got) >= total,
        timeout=tolerances.delivery_timeout,
        what=f"all {total} FIFO messages",
    )
    evidence.measure("received all after", time.monotonic() - started)
    evidence.measure("messages", total, unit="")
    seen: dict[str, list[str]] = defaultdict(list)
    for message in received:
        seen[message["Attributes"]["MessageGroupId"]].append(message["Body"])
    for group in GROUPS:
        assert seen[group] == expected[group], f"group {group} out of order: {seen[group]}"
    evidence.claim(
        f"{len(GROUPS)} interleaved groups of {PER_GROUP}: each group received in send order"
    )
    assert probes.receive(sqs, url, wait=1).messages == []
    assert "alpha-0 again" not in [m["Body"] for m in received]
    evidence.claim("a second send with the same deduplication id was dropped (never received)")


@pytest.mark.scenario("FIFO duplicate send answered with the original MessageId")
@pytest.mark.needs("fifo_duplicate_message_id")
def test_a_duplicate_send_is_answered_with_the_original_message_id(queue_of, aws, evidence) -> None:
    sqs = aws("sqs")
    url = _fifo_queue_url(sqs, queue_of, "fifo-dedup")
    first, _ = probes.send(sqs, url, "once", MessageGroupId="g", MessageDeduplicationId="d-1")
    again, _ = probes.send(sqs, url, "twice", MessageGroupId="g", MessageDeduplicationId="d-1")
    assert probes.receive(sqs, url, wait=1).bodies == ["once"]  # precondition: dropped
    evidence.claim("the duplicate was dropped: only the first message was received")
    # A check, not a wait: the answer is what it is. Another id is the AWS behaviour not
    # showing up, hence ConditionTimeout (what a declared divergence expects).
    if again != first:
        raise probes.ConditionTimeout(
            f"the duplicate's MessageId equal to the original's {first!r}: SendMessage of the "
            f"duplicate answered {again!r}"
        )
    evidence.claim("SendMessage of the duplicate answered with the original MessageId")
