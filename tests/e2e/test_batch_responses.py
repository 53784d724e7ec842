"""The partial batch response rules of the SQS event source mapping."""

from __future__ import annotations

from collections import Counter

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import body, retry_back_after

pytestmark = [pytest.mark.emulator, pytest.mark.needs("lambda_execution")]
CONSUMER_TIMEOUT = 1  # visibility 6 s: a whole-batch retry shows up within seconds
# SQS's clock (the receive) against the function's: one clock on the loopback, two NTP-synchronised
# ones on AWS (milliseconds apart); see test_mapping_failures.py.
CLOCK_SLACK = 0.5


def _sent_together(live, ids, directive_id, directive):
    """Fill the queue while the mapping is off, then start it: one batch takes them all."""
    live.produce([{"body": body(i, directive if i == directive_id else "ok")} for i in ids])
    live.start_mapping()


def _whole_batch_retried(live, ids, trigger, directive, evidence, tolerances):
    live.sink.collect(probes.has_ids(ids, outcome=None), timeout=tolerances.delivery_timeout)
    batch = live.first_batch_of(trigger)
    # A batch of one cannot tell a whole-batch retry from a retry of the failing message.
    assert len(batch) >= 2, f"precondition: '{trigger}' came alone in its first batch {batch}"
    visibility = live.applied["visibility_timeout_seconds"]
    evidence.measure("inherent wait", visibility)

    def retried(entries):
        again = {e["id"] for e in entries if e["receive_count"] >= 2}
        return batch <= again

    # The failed batch comes back once the visibility timeout its receive started has ended:
    # from that receive (SQS's ApproximateFirstReceiveTimestamp) to the retry reaching the
    # function (its environment's start when the retry is a cold start, as every retry is on
    # an emulator that discards an environment after a failure), within the target's slack.
    # The wait runs a whole delivery timeout longer: a late retry fails this bound with its
    # figure, a retry that never comes fails the wait.
    bound = visibility + tolerances.redelivery_slack
    entries, _ = probes.wait_until(
        lambda: live.sink.collect(lambda _: True, timeout=1),
        retried,
        timeout=bound + tolerances.delivery_timeout,
        what="whole batch redelivered",
    )
    retry = [e for e in entries if e["id"] in batch and e["receive_count"] == 2]
    failed = [e for e in entries if e["id"] in batch and e["receive_count"] == 1]
    back_after = retry_back_after(failed, retry)
    evidence.measure("batch size", len(batch), unit="")
    cold = [e for e in retry if e["invocation_in_environment"] == 1]
    if cold:  # what the handler's own start would have added: the retry's init
        evidence.measure(
            "retry's init", max(e["started_at"] - e["environment_started_at"] for e in cold)
        )
    evidence.within("batch back after", back_after, low=visibility - CLOCK_SLACK, high=bound)
    evidence.claim(
        f"'{directive}': every message of the batch ({len(batch)}) was delivered again, "
        f"{back_after:.2f} s after the receive that failed ({visibility} s visibility timeout)"
    )


@pytest.mark.scenario("Batch response: empty batchItemFailures is full success")
def test_empty_failure_list_is_full_success(pipeline, evidence, tolerances) -> None:
    live = pipeline("empty-list", consumer_timeout=CONSUMER_TIMEOUT, mapping_enabled=False)
    ids = [f"e{i}" for i in range(6)]
    _sent_together(live, ids, "e0", "respond-empty-list")
    live.sink.collect(probes.has_ids(ids), timeout=tolerances.delivery_timeout)
    assert len(live.first_batch_of("e0")) >= 2, "precondition: a batch of several messages"
    _, seconds = probes.wait_until(
        live.source_empty, bool, timeout=tolerances.delivery_timeout, what="source empty"
    )
    # Empty source and nothing in flight: no redelivery can still come.
    assert Counter(live.sink.ids()) == Counter(ids)
    evidence.measure("source empty after", seconds)
    evidence.claim(
        "{'batchItemFailures': []} deleted the whole batch; each of the "
        f"{len(ids)} messages delivered exactly once"
    )


WHOLE_BATCH_FAILURES = [
    pytest.param(
        "raise",
        marks=pytest.mark.scenario("Batch response: a raised exception retries the whole batch"),
        id="raise",
    ),
    pytest.param(
        "respond-unknown-id",
        marks=[
            pytest.mark.scenario("Batch response: unknown itemIdentifier fails the whole batch"),
            pytest.mark.needs("batch_response_validation"),
        ],
        id="unknown-id",
    ),
    pytest.param(
        "respond-empty-id",
        marks=[
            pytest.mark.scenario("Batch response: empty itemIdentifier fails the whole batch"),
            pytest.mark.needs("batch_response_validation"),
        ],
        id="empty-id",
    ),
]


@pytest.mark.parametrize("directive", WHOLE_BATCH_FAILURES)
def test_response_that_fails_the_whole_batch_retries_every_message(
    pipeline, evidence, tolerances, directive: str
) -> None:
    live = pipeline(directive, consumer_timeout=CONSUMER_TIMEOUT, mapping_enabled=False)
    ids = [f"w{i}" for i in range(6)]
    _sent_together(live, ids, "w0", directive)
    _whole_batch_retried(live, ids, "w0", directive, evidence, tolerances)
