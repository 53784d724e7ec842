"""The empty long poll, seen through the API and the way users see it: a Lambda's Duration."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import shares_queues

pytestmark = pytest.mark.emulator


@pytest.mark.scenario("Three-function demonstration (receive, hidden, reappear, 20 s poll)")
@pytest.mark.needs("lambda_execution")
def test_classic_three_function_demonstration(stack, aws, evidence, tolerances) -> None:
    """Producer sends; receiver 1 gets the messages without deleting; receiver 2 gets nothing
    while they are hidden; once the visibility timeout ends receiver 2 gets and deletes them;
    receiver 1 run again gets nothing and reports an empty long poll of about 20 s."""
    visibility = 12  # receiver 2's 5 s look ends well before the messages reappear
    applied = stack(
        "stacks/poller",
        {"visibility_timeout_seconds": visibility, "receive_wait_time_seconds": 20},
        label="three-functions",
    )
    applied_settings = probes.queue_attributes(
        aws("sqs"), applied["queue_url"], "VisibilityTimeout", "ReceiveMessageWaitTimeSeconds"
    )
    assert applied_settings == {
        "VisibilityTimeout": str(visibility),
        "ReceiveMessageWaitTimeSeconds": "20",
    }, f"precondition: the bounds below rest on these settings; the queue has {applied_settings}"
    client, name = aws("lambda"), applied["client_function_name"]
    low, high = tolerances.long_poll_low, tolerances.long_poll_high
    evidence.measure("inherent wait", visibility + 20)

    sent = probes.invoke(client, name, {"op": "send", "bodies": ["t1", "t2", "t3"]})
    assert sent.function_error is None, sent.payload
    assert len(sent.payload["message_ids"]) == 3

    first = probes.invoke(client, name, {"op": "receive", "delete": False})
    received_at = time.monotonic()
    got = sorted(m["body"] for m in first.payload["messages"])
    assert got == ["t1", "t2", "t3"]
    evidence.claim(f"receiver 1 got all {len(got)} messages without deleting them")

    hidden = probes.invoke(client, name, {"op": "receive", "delete": True, "wait_seconds": 5})
    assert hidden.payload["messages"] == []
    looked_at = time.monotonic() - received_at
    assert looked_at < visibility  # the look really was inside the window
    evidence.claim(
        f"receiver 2, {looked_at:.1f} s later, got nothing: the messages were hidden "
        f"({visibility} s visibility timeout)"
    )

    reappeared = probes.invoke(client, name, {"op": "receive", "delete": True})
    hidden_for = evidence.within(
        "hidden for",
        time.monotonic() - received_at,
        low=visibility - 0.5,
        high=visibility + tolerances.visibility_slack,
    )
    assert sorted(m["body"] for m in reappeared.payload["messages"]) == ["t1", "t2", "t3"]
    counts = sorted({m["receive_count"] for m in reappeared.payload["messages"]})
    assert all(count >= 2 for count in counts)
    evidence.claim(
        f"after {hidden_for:.2f} s the visibility timeout ended: receiver 2's long poll "
        f"returned them early (receive count {', '.join(map(str, counts))}) and deleted them"
    )

    empty = probes.invoke(client, name, {"op": "receive", "delete": False}, logs=aws("logs"))
    assert empty.payload["messages"] == []
    assert empty.reported_ms is not None, empty.log_tail
    seconds = evidence.within("empty poll REPORT Duration", empty.reported_ms / 1000, low, high)
    evidence.claim(f"receiver 1 run again got nothing and reported a Duration of {seconds:.2f} s")


def _applied_wait(sqs: Any, url: str) -> int:
    """The queue's own long-poll wait as SQS reports it: 20 s, which the poll bounds rest on."""
    attribute = "ReceiveMessageWaitTimeSeconds"
    wait = int(probes.queue_attributes(sqs, url, attribute)[attribute])
    assert wait == 20, f"precondition: the queue's {attribute} is {wait}, not 20"
    return wait


@shares_queues
@pytest.mark.scenario("Empty long poll (ReceiveMessage, 20 s wait)")
def test_empty_receive_returns_nothing_after_the_20s_wait(
    queue_of, aws, evidence, tolerances
) -> None:
    sqs, url = aws("sqs"), queue_of("empty-poll")["url"]
    wait = _applied_wait(sqs, url)
    evidence.measure("inherent wait", wait)
    received = probes.receive(sqs, url)  # the queue's own wait
    assert received.messages == []
    low, high = tolerances.long_poll_low, tolerances.long_poll_high
    seconds = evidence.within("empty ReceiveMessage", received.seconds, low, high)
    evidence.claim(
        f"ReceiveMessage on the empty queue (wait {wait} s) returned no message after "
        f"{seconds:.2f} s"
    )


@shares_queues
@pytest.mark.scenario("Long poll ends early when a message arrives")
def test_a_message_sent_during_the_wait_ends_the_poll_early(
    queue_of, aws, evidence, tolerances
) -> None:
    sqs, url = aws("sqs"), queue_of("early-poll")["url"]
    wait = _applied_wait(sqs, url)
    send_after = 3.0
    evidence.measure("inherent wait", send_after)
    timer = threading.Timer(send_after, probes.send, args=(sqs, url, "wake up"))
    timer.start()
    try:
        received = probes.receive(sqs, url)
    finally:
        timer.cancel()
    assert received.bodies == ["wake up"]
    seconds = evidence.within(
        "poll returned after",
        received.seconds,
        low=send_after,
        high=send_after + tolerances.visibility_slack,
    )
    evidence.claim(
        f"a message sent {send_after:g} s into a {wait} s poll was returned after "
        f"{seconds:.2f} s, not at {wait} s"
    )
