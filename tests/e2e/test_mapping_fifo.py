"""FIFO through the mapping, where the mapping's own rules show: a partial failure within a
message group, and message groups processed in parallel.

Sources: the Lambda developer guide, "Using Lambda with Amazon SQS"
(docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, "Implementing partial batch responses"):
with FIFO queues "your function should stop processing messages after the first failure and
return all failed and unprocessed messages in batchItemFailures. This helps preserve the
ordering of messages in your queue"; and "Configuring scaling behavior for SQS event source
mappings" (services-sqs-scaling.html): "For FIFO queues, Lambda sends messages to your function
in the order that it receives them ... Lambda ... processes one batch per message group at a
time", scaling up to the number of active message groups.
"""

from __future__ import annotations

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import (
    Mapping,
    body,
    invocations,
    overlaps,
    retry_back_after,
    shares_mappings,
)

pytestmark = [pytest.mark.emulator, shares_mappings]
CLOCK_SLACK = 0.5  # see test_mapping_failures.py: the function's clock against the timeout


def _send_fifo(mapping: Mapping, messages: list[tuple[str, str, str]]) -> float:
    """(id, directive, group) each, in order; the id is the deduplication id."""
    return mapping.send(
        [body(i, directive) for i, directive, _ in messages],
        MessageGroupId=lambda n: messages[n][2],
        MessageDeduplicationId=lambda n: messages[n][0],
    )


@pytest.mark.scenario("FIFO partial failure: the failed message and the rest return in order")
@pytest.mark.needs("lambda_execution")
def test_a_fifo_partial_failure_returns_the_rest_of_the_group_in_order(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("fifo-partial")
    visibility = mapping.visibility
    evidence.measure("inherent wait", visibility)
    group = [("a1", "ok", "a"), ("a2", "fail-first", "a"), ("a3", "ok", "a"), ("a4", "ok", "a")]
    assert mapping.state() == "Disabled", "precondition: the mapping was applied disabled"
    _send_fifo(mapping, group)
    probes.wait_until(
        lambda: mapping.queue_counts().visible,
        lambda visible: visible == len(group),
        timeout=tolerances.delivery_timeout,
        what="the group waiting in the queue",
    )
    mapping.enable()  # the queue is full: the first batch holds the whole group
    ids = [m[0] for m in group]
    mapping.sink.collect(
        probes.has_ids(ids, outcome=None), timeout=tolerances.delivery_timeout, what="group a"
    )
    first = next(iter(invocations(mapping.sink.entries).values()))
    assert [(r["id"], r["outcome"]) for r in first] == [
        ("a1", "ok"),
        ("a2", "failed"),
        ("a3", "skipped"),
        ("a4", "skipped"),
    ], f"precondition: the handler stopped at a2 and reported a2-a4: {first}"
    evidence.claim("in one batch a1 succeeded and a2 failed; the handler reported a2, a3, a4")

    sent_b = _send_fifo(mapping, [("b1", "ok", "b")])
    returned = {"a2", "a3", "a4"}

    def back(rows: list[dict]) -> bool:
        return returned <= {r["id"] for r in rows if r["receive_count"] >= 2}

    bound = visibility + tolerances.redelivery_slack
    rows = mapping.sink.collect(
        lambda rows: back(rows) and probes.has_ids(["b1"])(rows),
        timeout=bound + tolerances.delivery_timeout,
        what="group b delivered and a2-a4 back",
    )
    b1 = next(r for r in rows if r["id"] == "b1")
    again = sorted(
        (r for r in rows if r["receive_count"] >= 2), key=lambda r: (r["started_at"], r["position"])
    )
    failed = [r for r in first if r["id"] in returned]
    back_after = retry_back_after(failed, again)
    evidence.within("a2-a4 back after", back_after, low=visibility - CLOCK_SLACK, high=bound)
    assert [r["id"] for r in again] == ["a2", "a3", "a4"], again
    assert all(r["outcome"] == "ok" and r["receive_count"] == 2 for r in again), again
    probes.wait_until(
        lambda: mapping.queue_counts().total,
        lambda total: total == 0,
        timeout=tolerances.delivery_timeout,
        what="the queue empty",
    )
    rows = mapping.sink.refresh()
    assert [r["id"] for r in rows].count("a1") == 1, "a1 was deleted after its success"
    evidence.claim(
        f"a1 was deleted (delivered once); a2, a3, a4 came back in order {back_after:.2f} s "
        f"later ({visibility} s visibility timeout) with receive count 2"
    )
    # Group b was sent after the failure: it waits for nothing of group a.
    evidence.measure("group b invoked after its send", b1["started_at"] - sent_b)
    evidence.within(
        "group b ahead of group a's return by",
        again[0]["started_at"] - b1["started_at"],
        low=0,
        high=None,
    )
    evidence.claim(
        f"group b's message, sent after the failure, was invoked "
        f"{b1['started_at'] - sent_b:.2f} s after its send, before group a's messages returned"
    )


GROUPS = ("g1", "g2", "g3")
PER_GROUP = 2
SLEEP = 1.0


@pytest.mark.scenario("FIFO groups in parallel, each group one batch at a time")
@pytest.mark.needs("lambda_execution", "fifo_group_concurrency")
def test_fifo_groups_are_processed_in_parallel_but_each_group_serially(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("fifo-groups")
    messages = [(f"{g}-{n}", "sleep", g) for n in range(PER_GROUP) for g in GROUPS]
    mapping.send(
        [body(i, "sleep", seconds=SLEEP) for i, _, _ in messages],
        MessageGroupId=lambda n: messages[n][2],
        MessageDeduplicationId=lambda n: messages[n][0],
    )
    ids = [m[0] for m in messages]
    rows = mapping.sink.collect(
        probes.has_ids(ids), timeout=len(ids) * SLEEP + tolerances.delivery_timeout
    )
    spans = {}
    for batch in invocations(rows).values():
        spans.setdefault(batch[0]["group_id"], []).append(
            (batch[0]["started_at"], batch[0]["processed_at"], [r["id"] for r in batch])
        )
    for group in GROUPS:
        in_order = [i for _, _, batch in sorted(spans[group]) for i in batch]
        assert in_order == [f"{group}-{n}" for n in range(PER_GROUP)], in_order
        assert overlaps([(s, e) for s, e, _ in spans[group]]) == 1, f"{group}: two at once"
    evidence.claim(
        f"{len(GROUPS)} groups of {PER_GROUP} with a {SLEEP:g} s handler: each group in order, "
        "never two invocations of one group at once"
    )
    peak = overlaps([(s, e) for group in spans.values() for s, e, _ in group])
    evidence.measure("invocations", sum(len(g) for g in spans.values()), unit="")
    evidence.within("most invocations at once", peak, low=2, high=len(GROUPS), unit="")
    evidence.claim(f"up to {peak} groups were processed at the same time")
