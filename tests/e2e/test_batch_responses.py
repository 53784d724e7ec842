"""The partial batch response rules of the SQS event source mapping."""

from __future__ import annotations

from collections import Counter

import pytest

from harness import probes
from tests.e2e.conftest import body

pytestmark = pytest.mark.emulator
CONSUMER_TIMEOUT = 1  # visibility 6 s: a whole-batch retry shows up within seconds


def _sent_together(live, ids, directive_id, directive):
    live.produce([{"body": body(i, directive if i == directive_id else "ok")} for i in ids])


def _first_batch_of(live, message_id):
    """The ids that were in the same invocation as `message_id`'s first delivery."""
    first = next(e for e in live.sink.entries if e["id"] == message_id and e["receive_count"] == 1)
    return {e["id"] for e in live.sink.entries if e["request_id"] == first["request_id"]}


def _whole_batch_retried(live, ids, trigger, directive, evidence, tolerances):
    live.sink.collect(probes.has_ids(ids, outcome=None), timeout=tolerances.delivery_timeout)
    batch = _first_batch_of(live, trigger)
    visibility = live.applied["visibility_timeout_seconds"]
    evidence.measure("inherent wait", visibility)

    def retried(entries):
        again = {e["id"] for e in entries if e["receive_count"] >= 2}
        return batch <= again

    _, seconds = probes.wait_until(
        lambda: live.sink.collect(lambda _: True, timeout=1),
        retried,
        timeout=visibility + tolerances.delivery_timeout,
        what="whole batch redelivered",
    )
    evidence.measure("batch size", len(batch), unit="")
    evidence.measure("redelivered after", seconds, bound=f"~{visibility} s visibility")
    evidence.claim(f"'{directive}': every message of the batch ({len(batch)}) was delivered again")


@pytest.mark.scenario("Batch response: empty batchItemFailures is full success")
def test_empty_failure_list_is_full_success(pipeline, evidence, tolerances) -> None:
    live = pipeline("empty-list", consumer_timeout=CONSUMER_TIMEOUT)
    ids = [f"e{i}" for i in range(6)]
    _sent_together(live, ids, "e0", "respond-empty-list")
    live.sink.collect(probes.has_ids(ids), timeout=tolerances.delivery_timeout)
    _, seconds = probes.wait_until(
        live.source_empty, bool, timeout=tolerances.delivery_timeout, what="source empty"
    )
    # Empty source and nothing in flight: no redelivery can still come.
    assert Counter(live.sink.ids()) == Counter(ids)
    evidence.measure("source empty after", seconds)
    evidence.claim(
        "{'batchItemFailures': []} deleted the whole batch; each message delivered exactly once"
    )


@pytest.mark.scenario("Batch response: a raised exception retries the whole batch")
def test_raised_exception_retries_the_whole_batch(pipeline, evidence, tolerances) -> None:
    live = pipeline("raise", consumer_timeout=CONSUMER_TIMEOUT)
    ids = [f"r{i}" for i in range(6)]
    _sent_together(live, ids, "r0", "raise")
    _whole_batch_retried(live, ids, "r0", "raise", evidence, tolerances)


@pytest.mark.scenario("Batch response: unknown itemIdentifier fails the whole batch")
@pytest.mark.needs("batch_response_validation")
def test_unknown_item_identifier_fails_the_whole_batch(pipeline, evidence, tolerances) -> None:
    live = pipeline("unknown-id", consumer_timeout=CONSUMER_TIMEOUT)
    ids = [f"u{i}" for i in range(6)]
    _sent_together(live, ids, "u0", "respond-unknown-id")
    _whole_batch_retried(live, ids, "u0", "respond-unknown-id", evidence, tolerances)


@pytest.mark.scenario("Batch response: empty itemIdentifier fails the whole batch")
@pytest.mark.needs("batch_response_validation")
def test_empty_item_identifier_fails_the_whole_batch(pipeline, evidence, tolerances) -> None:
    live = pipeline("empty-id", consumer_timeout=CONSUMER_TIMEOUT)
    ids = [f"z{i}" for i in range(6)]
    _sent_together(live, ids, "z0", "respond-empty-id")
    _whole_batch_retried(live, ids, "z0", "respond-empty-id", evidence, tolerances)
