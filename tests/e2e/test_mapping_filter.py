"""Filter criteria on an SQS event source mapping: a message that matches is delivered; one that
does not, whether a JSON body that does not match or a body that is not JSON, is deleted
without an invocation.

Source: the Lambda developer guide, "Filtering events from an Amazon SQS event source"
(docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html): "If a message doesn't match
any of your filter criteria, Lambda deletes it from the queue"; a filter on `body` properties
matches only a JSON body ("if the incoming message body is plain text ... and your filter
criteria expects JSON ... Lambda drops the message"), as "Control which events Lambda sends to
your function" (invocation-eventfiltering.html) tabulates.
"""

from __future__ import annotations

import json

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import FILTER_PATTERN, shares_mappings

pytestmark = [pytest.mark.emulator, shares_mappings]


@pytest.mark.scenario("Filter criteria: only matching messages invoke, the rest are deleted")
@pytest.mark.needs("lambda_execution")
def test_only_matching_messages_invoke_and_the_rest_are_deleted(
    mapping_of, evidence, tolerances
) -> None:
    mapping = mapping_of("filter")
    matching = json.dumps({"id": "filter-match", "kind": "match"})
    other_json = json.dumps({"id": "filter-other", "kind": "other"})
    plain_text = "filter-plain: kind match, but not JSON"
    mapping.send([other_json, plain_text, matching])
    mapping.sink.collect(
        probes.has_ids(["filter-match"]),
        timeout=tolerances.delivery_timeout,
        what="the matching message's invocation",
    )
    _, seconds = probes.wait_until(
        lambda: mapping.queue_counts().total,
        lambda total: total == 0,
        timeout=tolerances.delivery_timeout,
        what="the queue empty (the non-matching messages deleted)",
    )
    # The consumer writes its row before it returns, and the mapping deletes a message only
    # after that: with the queue empty, any invocation of a non-matching message is in the sink.
    rows = mapping.sink.refresh()
    assert [row["id"] for row in rows] == ["filter-match"], rows
    assert rows[0]["batch_size"] == 1, "the matching message was invoked alone"
    evidence.within("queue empty after", seconds, low=None, high=tolerances.delivery_timeout)
    evidence.claim(f"pattern {FILTER_PATTERN}: the matching JSON message was invoked (alone)")
    evidence.claim(
        "a non-matching JSON body and a plain-text body were deleted from the queue without an "
        f"invocation (queue empty {seconds:.2f} s after the matching delivery)"
    )
