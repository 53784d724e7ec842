"""Delivery delay: a delayed message stays invisible for the delay, then arrives."""

from __future__ import annotations

import time

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import QUEUES, shares_queues

pytestmark = pytest.mark.emulator
DELAY = QUEUES["delay"]["delay_seconds"]


@shares_queues
@pytest.mark.scenario("Delivery delay")
def test_delayed_message_is_invisible_for_the_delay_then_arrives(
    queue_of, aws, evidence, tolerances
) -> None:
    sqs, url = aws("sqs"), queue_of("delay")["url"]
    evidence.measure("inherent wait", DELAY)
    probes.send(sqs, url, "later")
    sent_at = time.monotonic()
    assert probes.receive(sqs, url, wait=1).messages == []
    assert probes.counts(sqs, url).delayed == 1
    evidence.claim("right after sending, nothing was receivable and the message counted as delayed")
    arrived = probes.receive(sqs, url, wait=DELAY + 10)
    assert arrived.bodies == ["later"]
    seconds = evidence.within(
        "arrived after",
        time.monotonic() - sent_at,
        low=DELAY - 0.5,
        high=DELAY + tolerances.visibility_slack,
    )
    evidence.claim(f"it arrived {seconds:.2f} s after sending, once the {DELAY} s delay had passed")
