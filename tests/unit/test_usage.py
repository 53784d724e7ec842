"""A run's usage (counted from its clients and its functions' logs) and its price."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import boto3
import jsonschema
import pytest
from botocore.stub import Stubber

from sqs_lambda_harness import prices, usage
from sqs_lambda_harness.reporting import html
from sqs_lambda_harness.reporting.report import RunReport
from sqs_lambda_harness.targets import Target
from sqs_lambda_harness.terraform.stacks import StackRecord
from sqs_lambda_harness.usage import Meter, Usage

QUEUE = "https://sqs.us-east-1.amazonaws.com/000000000000/hx-abc123-0-q-1"
REPORT_LINE = (
    "REPORT RequestId: 7f0c\tDuration: 1200.10 ms\tBilled Duration: 1201 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 70 MB"
)


def client(service: str):
    return boto3.session.Session().client(
        service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )


def test_every_call_is_counted_by_kind_with_fifo_queues_and_retries_apart() -> None:
    meter = Meter()
    sqs = meter.watch(client("sqs"))
    with Stubber(sqs) as stub:
        stub.add_response("send_message", {"MessageId": "1", "MD5OfMessageBody": "x"})
        stub.add_response(
            "send_message",
            {"MessageId": "2", "MD5OfMessageBody": "x", "ResponseMetadata": {"RetryAttempts": 2}},
        )
        stub.add_client_error("receive_message", "AWS.SimpleQueueService.NonExistentQueue")
        sqs.send_message(QueueUrl=QUEUE, MessageBody="a")
        sqs.send_message(QueueUrl=QUEUE + ".fifo", MessageBody="b", MessageGroupId="g")
        with pytest.raises(sqs.exceptions.ClientError):
            sqs.receive_message(QueueUrl=QUEUE)
    used = meter.snapshot()
    assert used.requests == {"sqs:SendMessage": 2, "sqs:ReceiveMessage": 1}
    assert used.fifo_requests == 1
    assert used.retries == {"sqs:SendMessage": 2}


def test_a_targets_clients_count_into_its_meter_which_its_copies_share() -> None:
    target = Target(name="aws", region="us-east-1")
    copy = dataclasses.replace(target, endpoint="http://127.0.0.1:1")
    sqs = copy.client("sqs")
    with Stubber(sqs) as stub:
        stub.add_response("list_queues", {})
        sqs.list_queues()
    assert target.meter.snapshot().requests == {"sqs:ListQueues": 1}


def test_report_lines_are_invocations_of_billed_duration_times_memory() -> None:
    messages = ["START RequestId: 7f0c Version: $LATEST", "hello", REPORT_LINE, REPORT_LINE]
    used = usage.from_log_events(messages)
    assert used.lambda_invocations == 2
    assert used.lambda_gb_seconds == pytest.approx(2 * 1.201 * 256 / 1024)
    assert used.log_events == 4
    assert used.log_bytes == sum(len(m.encode()) + 26 for m in messages)


def test_functions_are_read_from_every_page_of_every_log_group_of_the_prefix() -> None:
    logs = client("logs")
    group = "/aws/lambda/hx-abc123-0-p-1-consumer"
    with Stubber(logs) as stub:
        stub.add_response(
            "describe_log_groups",
            {"logGroups": [{"logGroupName": group}]},
            {"logGroupNamePrefix": "/aws/lambda/hx-abc123-0-p-1-"},
        )
        stub.add_response(
            "filter_log_events", {"events": [{"message": REPORT_LINE}], "nextToken": "t"}
        )
        stub.add_response("filter_log_events", {"events": [], "nextToken": "u"})
        stub.add_response("filter_log_events", {"events": [{"message": REPORT_LINE}]})
        used = usage.of_functions(logs, "hx-abc123-0-p-1")
    assert used.lambda_invocations == 2


def test_usage_adds_up_and_survives_json() -> None:
    a = Usage(requests={"sqs:SendMessage": 2}, lambda_invocations=1, log_bytes=10)
    b = Usage.from_json(json.loads(json.dumps(a.to_json())))
    a.add(b)
    assert a.requests == {"sqs:SendMessage": 4}
    assert (a.lambda_invocations, a.log_bytes) == (2, 20)


def test_cost_is_the_tables_prices_times_the_usage() -> None:
    used = Usage(
        requests={"sqs:SendMessage": 1_500_000, "sqs:ReceiveMessage": 500_000, "iam:GetRole": 9},
        fifo_requests=1_000_000,
        lambda_invocations=2_000_000,
        lambda_gb_seconds=1000.0,
        log_bytes=2 * 1024**3,
    )
    cost = prices.cost(used, "us-east-1")
    by_item = {line.item: round(line.usd, 6) for line in cost.lines}
    assert by_item == {
        "SQS requests (standard)": 0.40,
        "SQS requests (FIFO)": 0.50,
        "Lambda requests": 0.40,
        "Lambda duration": 0.016667,
        "CloudWatch Logs ingested": 1.00,
    }
    assert cost.usd == pytest.approx(2.316667, abs=1e-6)
    assert cost.as_of == prices.table()["as_of"]
    assert "Free tier ignored" in cost.note


def test_a_region_without_prices_gets_no_figure_and_says_why() -> None:
    cost = prices.cost(Usage(requests={"sqs:SendMessage": 1}), "mars-north-1")
    assert cost.usd is None
    assert "no prices for mars-north-1" in cost.note
    assert prices.dollars(None) == "unknown"


def test_every_region_of_the_table_prices_every_item() -> None:
    keys = set(prices.table()["regions"]["us-east-1"])
    for region, rates in prices.table()["regions"].items():
        assert set(rates) == keys, region
        assert all(v > 0 for v in rates.values()), region


def report_with_usage(target: str = "embedded") -> RunReport:
    report = RunReport("abc123", target, started_at=1000.0, region="us-east-1")
    report.usage = Usage(
        requests={"sqs:SendMessage": 3, "sqs:ReceiveMessage": 5, "logs:FilterLogEvents": 2},
        retries={"sqs:ReceiveMessage": 1},
        lambda_invocations=2,
        lambda_gb_seconds=0.25,
        log_events=6,
        log_bytes=2048,
    )
    report.stacks.append(
        StackRecord(
            "stacks/pipeline", "hx-abc123-0-p-1", "gw0", 12, 1000.0, 20.0, "discard", 0, True
        )
    )
    return report


def test_the_summary_shows_usage_and_what_it_would_cost_on_aws() -> None:
    lines = report_with_usage().render(30.0)
    used = next(line for line in lines if line.startswith("  usage:"))
    assert "sqs 8 requests (ReceiveMessage 5, SendMessage 3)" in used
    assert "lambda 2 invocations, 0.25 GB-s" in used
    assert "logs 2.0 KiB ingested; 12 resources created; 1 requests retried" in used
    cost = next(line for line in lines if line.startswith("  cost:"))
    assert "on AWS this run would cost $0.000009 in us-east-1" in cost
    assert "free tier ignored" in cost
    aws = next(line for line in report_with_usage("aws").render(30.0) if "cost:" in line)
    assert "this run's cost" in aws


def test_json_and_html_carry_usage_and_cost_valid_against_the_schema() -> None:
    data = report_with_usage().to_dict(30.0)
    schema = json.loads(
        resources.files("sqs_lambda_harness.reporting").joinpath("report.schema.json").read_text()
    )
    jsonschema.validate(data, schema)
    assert data["usage"]["resources_created"] == 12
    assert data["cost"]["usd"] == pytest.approx(
        prices.cost(report_with_usage().usage, "us-east-1").usd, abs=1e-6
    )
    page = html.render(data)
    assert 'id="usage"' in page
    assert "On AWS this run would cost" in page
    assert 'data-item="Lambda duration"' in page
