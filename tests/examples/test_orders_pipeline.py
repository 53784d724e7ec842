"""terraform/examples/orders-pipeline, tested as its owners would: apply it, send orders to its
queue, and observe the unmodified processor only from outside — its log lines and REPORT
lines, its mapping's state, its queue and its DLQ. Nothing in the example writes evidence."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from sqs_lambda_harness import probes

# One application for both tests, on one worker (`--dist loadgroup` keeps a group together).
pytestmark = [
    pytest.mark.emulator,
    pytest.mark.needs("lambda_execution"),
    pytest.mark.xdist_group("orders-pipeline"),
]
# The example's own settings (main.tf): a rejected order is retried after the queue's visibility
# timeout (65 s) and dead-lettered after 5 receives; these tests see its first rejection only.


@pytest.fixture
def orders(shared_stack, aws) -> dict[str, Any]:
    """The example, applied once, with its mapping enabled."""
    applied = shared_stack("examples/orders-pipeline", label="orders")
    probes.wait_until(
        lambda: probes.mapping_state(aws("lambda"), applied["mapping_uuid"]).state,
        lambda state: state == "Enabled",
        timeout=60,
        interval=1.0,
        what="orders mapping enabled",
    )
    return applied


def order(order_id: str, quantity: int, kind: str = "order") -> str:
    return json.dumps({"type": kind, "order_id": order_id, "quantity": quantity})


def test_bad_orders_are_rejected_and_kept_for_retry_others_filtered(
    orders, aws, harness_target
) -> None:
    sqs, logs = aws("sqs"), aws("logs")
    function, queue = orders["processor_function_name"], orders["orders_queue_url"]
    timeout = harness_target.tolerances.delivery_timeout
    visibility = int(probes.queue_attributes(sqs, queue, "VisibilityTimeout")["VisibilityTimeout"])
    # So a rejection seen here is the first, not a retry.
    assert timeout < visibility, f"precondition: the queue's visibility timeout is {visibility} s"

    since = time.time() - 1
    good, _ = probes.send(sqs, queue, order("o-1001", 2))
    bad, _ = probes.send(sqs, queue, order("o-1002", 0))
    ping, _ = probes.send(sqs, queue, order("p-1", 1, kind="ping"))

    rejected, _ = probes.wait_for_log_line(
        logs, function, f"message {bad} rejected", since, timeout
    )
    assert "quantity not positive" in rejected[0].message
    assert probes.reported_durations(logs, function, since), "no REPORT line for the batch"
    # The good order is deleted, the ping filtered out (deleted unseen), the bad order waits
    # in flight for its retry: one message left, invisible, and nothing dead-lettered yet.
    probes.wait_until(
        lambda: probes.counts(sqs, queue),
        lambda c: (c.visible, c.in_flight) == (0, 1),
        timeout=timeout,
        what="only the rejected order left, in flight",
    )
    assert probes.log_lines(logs, function, since, good) == []  # not rejected
    assert probes.log_lines(logs, function, since, ping) == []  # never seen by the function
    assert probes.peek(sqs, orders["orders_dlq_url"]) == []
    assert probes.counts(sqs, orders["orders_dlq_url"]).total == 0
    mapping = probes.mapping_state(aws("lambda"), orders["mapping_uuid"])
    assert mapping.state == "Enabled" and not mapping.problem, mapping
    assert mapping.batch_size == 50


@pytest.mark.needs("function_info_logs")
def test_an_accepted_order_is_logged(orders, aws, harness_target) -> None:
    since = time.time() - 1
    probes.send(aws("sqs"), orders["orders_queue_url"], order("o-2001", 1))
    accepted, _ = probes.wait_for_log_line(
        aws("logs"),
        orders["processor_function_name"],
        "order o-2001 accepted",
        since,
        harness_target.tolerances.delivery_timeout,
    )
    assert len(accepted) == 1
