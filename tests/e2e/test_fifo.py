"""FIFO through the mapping: order per message group, duplicates dropped by deduplication id."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import body

pytestmark = pytest.mark.emulator
GROUPS = ("alpha", "beta", "gamma")
PER_GROUP = 6


@pytest.mark.scenario("FIFO order per group and deduplication")
@pytest.mark.needs("lambda_execution")
def test_order_is_kept_per_group_and_duplicates_are_dropped(pipeline, evidence, tolerances) -> None:
    live = pipeline("fifo", fifo=True)
    messages, expected = [], defaultdict(list)
    for n in range(PER_GROUP):  # interleaved groups, so a global order would not do
        for group in GROUPS:
            message_id = f"{group}-{n}"
            expected[group].append(message_id)
            messages.append({"body": body(message_id), "group_id": group, "dedup_id": message_id})
    duplicate = {
        "body": body("alpha-0", note="duplicate"),
        "group_id": "alpha",
        "dedup_id": "alpha-0",
    }
    live.produce(messages)
    live.produce([duplicate])
    all_ids = [m for ids in expected.values() for m in ids]

    live.sink.collect(probes.has_ids(all_ids), timeout=tolerances.delivery_timeout)
    probes.wait_until(
        live.source_empty, bool, timeout=tolerances.delivery_timeout, what="source empty"
    )
    seen = defaultdict(list)
    for entry in live.sink.entries:  # the sink is FIFO with the same groups: arrival order
        seen[entry["group_id"]].append(entry["id"])
    evidence.measure("messages", len(all_ids), unit="")
    for group in GROUPS:
        assert seen[group] == expected[group], f"group {group} out of order: {seen[group]}"
    evidence.claim(
        f"{len(expected)} interleaved groups of {len(expected['alpha'])}: each group processed "
        "in send order"
    )
    deliveries = live.sink.ids().count("alpha-0")
    assert deliveries == 1
    evidence.claim(
        f"a second send with the same deduplication id was dropped ({deliveries} delivery)"
    )
