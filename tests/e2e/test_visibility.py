"""Visibility timeout: hiding, reappearance with a higher receive count, delete, and
ChangeMessageVisibility."""

from __future__ import annotations

import time

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import QUEUES, shares_queues

pytestmark = [pytest.mark.emulator, shares_queues]
VISIBILITY = QUEUES["visibility"]["visibility_timeout_seconds"]
CHANGE_VISIBILITY = QUEUES["change-vis"]["visibility_timeout_seconds"]


@pytest.mark.scenario("Visibility timeout hides, then the message reappears")
def test_received_message_is_hidden_then_reappears_then_delete_is_final(
    queue_of, aws, evidence, tolerances
) -> None:
    sqs, url = aws("sqs"), queue_of("visibility")["url"]
    evidence.measure("inherent wait", VISIBILITY + VISIBILITY + 1)
    probes.send(sqs, url, "hide me")

    a = probes.receive(sqs, url, wait=5)
    assert a.bodies == ["hide me"]
    received_at = time.monotonic()
    assert a.messages[0]["Attributes"]["ApproximateReceiveCount"] == "1"

    b = probes.receive(sqs, url, wait=1)
    assert b.messages == []
    evidence.claim(f"consumer B received nothing while A's {VISIBILITY} s visibility timeout ran")

    again, _ = probes.wait_until(
        lambda: probes.receive(sqs, url, wait=1).messages,
        lambda got: bool(got),
        timeout=VISIBILITY + 10,
        interval=0.0,
        what="message to reappear",
    )
    hidden_for = evidence.within(
        "hidden for",
        time.monotonic() - received_at,
        low=VISIBILITY - 0.5,
        high=VISIBILITY + tolerances.visibility_slack,
    )
    assert again[0]["Body"] == "hide me"
    count = again[0]["Attributes"]["ApproximateReceiveCount"]
    assert count == "2"
    evidence.claim(
        f"after {hidden_for:.2f} s hidden it reappeared with ApproximateReceiveCount {count}"
    )

    sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
    assert probes.counts(sqs, url).total == 0
    late = probes.receive(sqs, url, wait=VISIBILITY + 1)  # a poll that outlasts the timeout
    assert late.messages == []
    evidence.claim(
        f"deleted by receipt handle, it did not come back in a {late.seconds:.1f} s poll"
    )


@pytest.mark.scenario("ChangeMessageVisibility extends and ends hiding")
def test_change_message_visibility_extends_and_ends_the_hiding(
    queue_of, aws, evidence, tolerances
) -> None:
    sqs, url = aws("sqs"), queue_of("change-vis")["url"]
    extended = CHANGE_VISIBILITY + 6
    evidence.measure("inherent wait", CHANGE_VISIBILITY + 3)
    probes.send(sqs, url, "extend me")
    got = probes.receive(sqs, url, wait=5).messages
    assert len(got) == 1
    received_at = time.monotonic()
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=extended
    )
    # Poll through the original timeout and beyond: the extension must keep it hidden.
    window = CHANGE_VISIBILITY + 3 - (time.monotonic() - received_at)
    assert probes.receive(sqs, url, wait=int(window) + 1).messages == []
    hidden_at = evidence.within(
        "still hidden at", time.monotonic() - received_at, low=CHANGE_VISIBILITY, high=extended
    )
    evidence.claim(
        f"extended to {extended} s, the message was still hidden {hidden_at:.2f} s after "
        f"receipt, past the original {CHANGE_VISIBILITY} s"
    )

    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    back = probes.receive(sqs, url, wait=1)
    assert back.bodies == ["extend me"]
    seconds = evidence.within("visible again after ending the hiding", back.seconds, None, 1.5)
    evidence.claim(f"visibility 0 made it receivable at once ({seconds:.2f} s)")
