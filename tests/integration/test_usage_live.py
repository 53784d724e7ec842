"""A run's usage, counted on a real emulator: the harness's own requests by kind, and what a
stack's functions did, read from their logs the way the stack manager reads them before a
teardown (usage.of_functions), checked against the function's own REPORT lines."""

from __future__ import annotations

import time

import pytest

from sqs_lambda_harness import prices, probes, usage

pytestmark = pytest.mark.emulator
INVOCATIONS = 3


@pytest.mark.needs("lambda_execution")
def test_invocations_gb_seconds_log_bytes_and_requests_are_counted(
    stack, aws, harness_target
) -> None:
    applied = stack("stacks/poller", label="usage")
    function = applied["client_function_name"]
    memory_mb = aws("lambda").get_function_configuration(FunctionName=function)["MemorySize"]
    before = harness_target.meter.snapshot()
    since = time.time() - 1
    for i in range(INVOCATIONS):
        probes.invoke(aws("lambda"), function, {"op": "send", "bodies": [f"usage {i}"]})
    counted = harness_target.meter.snapshot()
    assert counted.requests["lambda:Invoke"] - before.requests.get("lambda:Invoke", 0) == 3

    reports, _ = probes.wait_for_log_line(
        aws("logs"), function, "REPORT RequestId", since, timeout=30, count=INVOCATIONS
    )
    used = usage.of_functions(aws("logs"), applied.prefix)
    assert used.lambda_invocations == INVOCATIONS
    durations_ms = [probes.reported_duration_ms(line.message) for line in reports]
    low = sum(durations_ms) / 1000 * memory_mb / 1024  # billed is the duration rounded up
    high = (sum(durations_ms) + INVOCATIONS) / 1000 * memory_mb / 1024
    assert low <= used.lambda_gb_seconds <= high
    every_line = probes.log_lines(aws("logs"), function, 0)
    assert used.log_events == len(every_line)
    assert used.log_bytes >= sum(
        len(line.message) + usage.LOG_EVENT_OVERHEAD_BYTES for line in every_line
    )
    cost = prices.cost(used, "us-east-1")
    assert cost.usd is not None and cost.usd > 0
