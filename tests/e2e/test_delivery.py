"""Delivery through the event source mapping, end to end, with latency."""

from __future__ import annotations

from collections import Counter
from statistics import median

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import body

pytestmark = pytest.mark.emulator
COUNT = 20


@pytest.mark.scenario("Delivery through the mapping")
@pytest.mark.needs("lambda_execution")
def test_every_message_sent_by_the_producer_reaches_the_sink(
    pipeline, evidence, tolerances
) -> None:
    """At-least-once delivery: a duplicate is tolerated because the sink check is by id (the
    consumer is idempotent per id); every id must arrive with outcome ok."""
    live = pipeline("delivery")
    ids = [f"m{i:03d}" for i in range(COUNT)]
    sent_at = live.produce([{"body": body(i)} for i in ids])

    entries = live.sink.collect(
        probes.has_ids(ids), timeout=tolerances.delivery_timeout, what="all messages in the sink"
    )
    probes.wait_until(
        live.source_empty, bool, timeout=tolerances.delivery_timeout, what="source queue empty"
    )
    latencies = [e["processed_at"] - sent_at for e in entries if e["outcome"] == "ok"]
    duplicates = sum(n - 1 for n in Counter(live.sink.ids("ok")).values())
    evidence.measure("messages", len(ids), unit="")
    evidence.measure("latency median", median(latencies))
    evidence.measure("latency max", max(latencies))
    evidence.measure("duplicates", duplicates, unit="")
    assert set(live.sink.ids("ok")) == set(ids)
    evidence.claim(
        f"all {len(ids)} messages reached the sink through the mapping (median latency "
        f"{median(latencies):.2f} s); the source queue ended empty"
    )
