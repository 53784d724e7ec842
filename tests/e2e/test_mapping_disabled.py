"""A disabled event source mapping consumes nothing; enabling it consumes the backlog.

Source: the Lambda API reference, UpdateEventSourceMapping / CreateEventSourceMapping
`Enabled`: "When true, the event source mapping is active. When false, Lambda pauses polling
and invocation" (docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html), and
the mapping's State (Disabled, Enabling, Enabled) in GetEventSourceMapping.
"""

from __future__ import annotations

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import body, shares_mappings

pytestmark = [pytest.mark.emulator, shares_mappings]
# How long the disabled mapping is watched: longer than any enabled mapping took to take a
# message in the suite's runs (MiniStack: at most 3.6 s over ten runs; LocalStack as a host
# process: 2.27-2.38 s for five messages; AWS's pollers long-poll continuously), and checked
# below against what this mapping itself takes once enabled.
WATCH = 10.0


@pytest.mark.scenario("Disabled mapping: nothing consumed until it is enabled")
@pytest.mark.needs("lambda_execution")
def test_a_disabled_mapping_consumes_nothing_until_enabled(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("disabled")
    assert mapping.state() == "Disabled", "precondition: the mapping was applied disabled"
    ids = [f"paused-{i}" for i in range(3)]
    mapping.send([body(i) for i in ids])
    probes.wait_until(
        mapping.queue_counts,
        lambda counts: counts.visible == len(ids),
        timeout=tolerances.delivery_timeout,
        what="the messages visible in the queue",
    )
    evidence.measure("inherent wait", WATCH)
    _, samples = probes.holds_for(
        mapping.queue_counts,
        lambda counts: counts.visible == len(ids) and counts.in_flight == 0,
        seconds=WATCH,
        what="the disabled mapping's queue untouched",
    )
    assert mapping.sink.refresh() == [], "no invocation while disabled"
    evidence.measure("untouched for", WATCH)
    evidence.claim(
        f"disabled, the mapping received none of {len(ids)} messages in {WATCH:g} s "
        f"({samples} samples: all visible, none in flight) and invoked nothing"
    )

    enabled_at = mapping.enable()
    _, seconds = probes.wait_until(
        lambda: mapping.sink.refresh(),
        probes.has_ids(ids),
        timeout=tolerances.delivery_timeout,
        what="the backlog consumed once enabled",
    )
    # The watch above means something only if an enabled mapping takes less than it.
    evidence.within("consumed after enabling", seconds, low=None, high=WATCH)
    probes.wait_until(
        lambda: mapping.queue_counts().total,
        lambda total: total == 0,
        timeout=tolerances.delivery_timeout,
        what="the queue empty",
    )
    evidence.claim(
        f"enabled (state Enabled after {enabled_at:.2f} s), it consumed the backlog in "
        f"{seconds:.2f} s, well within the {WATCH:g} s it was watched while disabled"
    )
