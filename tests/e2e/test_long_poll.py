"""The empty long poll, seen through the API and the way users see it: a Lambda's Duration."""

from __future__ import annotations

import threading
import time

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import QUEUES, shares_queues

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
    client, name = aws("lambda"), applied["client_function_name"]
    low, high = tolerances.long_poll_low, tolerances.long_poll_high
    evidence.measure("inherent wait", visibility + 20)

    sent = probes.invoke(client, name, {"op": "send", "bodies": ["t1", "t2", "t3"]})
    assert sent.function_error is None, sent.payload
    assert len(sent.payload["message_ids"]) == 3

    first = probes.invoke(client, name, {"op": "receive", "delete": False})
    received_at = time.monotonic()
    assert sorted(m["body"] for m in first.payload["messages"]) == ["t1", "t2", "t3"]
    evidence.claim("receiver 1 got all 3 messages without deleting them")

    hidden = probes.invoke(client, name, {"op": "receive", "delete": True, "wait_seconds": 5})
    assert hidden.payload["messages"] == []
    assert time.monotonic() - received_at < visibility  # the look really was inside the window
    evidence.claim("receiver 2, run right after, got nothing: the messages were hidden")

    reappeared = probes.invoke(client, name, {"op": "receive", "delete": True})
    hidden_for = evidence.measure(
        "hidden for",
        time.monotonic() - received_at,
        bound=f"{visibility}-{visibility + tolerances.visibility_slack} s",
    )
    assert sorted(m["body"] for m in reappeared.payload["messages"]) == ["t1", "t2", "t3"]
    assert all(m["receive_count"] >= 2 for m in reappeared.payload["messages"])
    assert visibility - 0.5 <= hidden_for <= visibility + tolerances.visibility_slack
    evidence.claim(
        "when the visibility timeout ended, receiver 2's long poll returned them "
        "early (receive count 2) and deleted them"
    )

    empty = probes.invoke(client, name, {"op": "receive", "delete": False}, logs=aws("logs"))
    assert empty.payload["messages"] == []
    assert empty.reported_ms is not None, empty.log_tail
    seconds = evidence.measure(
        "empty poll REPORT Duration", empty.reported_ms / 1000, bound=f"{low}-{high} s"
    )
    evidence.claim("receiver 1 run again got nothing and reported a Duration of about 20 s")
    assert low <= seconds <= high


@shares_queues
@pytest.mark.scenario("Empty long poll (ReceiveMessage, 20 s wait)")
def test_empty_receive_returns_nothing_after_the_20s_wait(
    queue_of, aws, evidence, tolerances
) -> None:
    assert QUEUES["empty-poll"]["receive_wait_time_seconds"] == 20
    evidence.measure("inherent wait", 20)
    received = probes.receive(aws("sqs"), queue_of("empty-poll")["url"])  # the queue's own wait
    low, high = tolerances.long_poll_low, tolerances.long_poll_high
    evidence.measure("empty ReceiveMessage", received.seconds, bound=f"{low}-{high} s")
    evidence.claim("ReceiveMessage on the empty queue returned no message after ~20 s")
    assert received.messages == []
    assert low <= received.seconds <= high


@shares_queues
@pytest.mark.scenario("Long poll ends early when a message arrives")
def test_a_message_sent_during_the_wait_ends_the_poll_early(
    queue_of, aws, evidence, tolerances
) -> None:
    assert QUEUES["early-poll"]["receive_wait_time_seconds"] == 20
    sqs, url = aws("sqs"), queue_of("early-poll")["url"]
    send_after = 3.0
    evidence.measure("inherent wait", send_after)
    timer = threading.Timer(send_after, probes.send, args=(sqs, url, "wake up"))
    timer.start()
    try:
        received = probes.receive(sqs, url)
    finally:
        timer.cancel()
    evidence.measure(
        "poll returned after",
        received.seconds,
        bound=f"{send_after}-{send_after + tolerances.visibility_slack} s",
    )
    evidence.claim("a message sent 3 s into a 20 s poll was returned at once, not at 20 s")
    assert received.bodies == ["wake up"]
    assert send_after <= received.seconds <= send_after + tolerances.visibility_slack
