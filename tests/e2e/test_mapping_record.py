"""The SQS record Lambda hands the function: every field AWS documents, with its type, for a
standard and a FIFO queue (the consumer echoes the record it got into the sink).

Source: the Lambda developer guide, "Using Lambda with Amazon SQS"
(docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), "Example standard queue message event"
and "Example FIFO queue message event": each record has messageId, receiptHandle, body,
attributes (ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp;
FIFO adds SequenceNumber, MessageGroupId, MessageDeduplicationId), messageAttributes (each
{stringValue, stringListValues: [], binaryListValues: [], dataType}), md5OfBody,
eventSource "aws:sqs", eventSourceARN and awsRegion.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from sqs_lambda_harness import probes
from tests.e2e.conftest import Mapping, shares_mappings

pytestmark = [pytest.mark.emulator, shares_mappings]
ATTRIBUTES = {
    "text": {"DataType": "String", "StringValue": "hello"},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe"},
}
STANDARD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
)
FIFO_ATTRIBUTES = ("SequenceNumber", "MessageGroupId", "MessageDeduplicationId")
DIGITS = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
)


def _record_problems(record: dict[str, Any], sent: str, mapping: Mapping, region: str) -> list:
    """Every way `record` differs from the documented shape (empty: none)."""
    problems: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    for key in ("messageId", "receiptHandle", "body", "md5OfBody", "eventSourceARN", "awsRegion"):
        expect(isinstance(record.get(key), str) and record.get(key) != "", f"{key} a string")
    expect(record.get("body") == sent, "body as sent")
    digest = hashlib.md5(sent.encode()).hexdigest()
    expect(record.get("md5OfBody") == digest, f"md5OfBody = MD5 of the body ({digest})")
    expect(record.get("eventSource") == "aws:sqs", "eventSource 'aws:sqs'")
    expect(record.get("eventSourceARN") == mapping["queue_arn"], "eventSourceARN = queue ARN")
    expect(record.get("awsRegion") == region, f"awsRegion {region!r}")

    attributes = record.get("attributes")
    expect(isinstance(attributes, dict), "attributes an object")
    attributes = attributes if isinstance(attributes, dict) else {}
    fifo = mapping["queue_name"].endswith(".fifo")
    wanted = (*STANDARD_ATTRIBUTES, *(FIFO_ATTRIBUTES if fifo else ()))
    for name in wanted:
        value = attributes.get(name)
        expect(isinstance(value, str) and value != "", f"attributes.{name} a string")
        if name in DIGITS:
            expect(isinstance(value, str) and value.isdigit(), f"attributes.{name} digits")

    message_attributes = record.get("messageAttributes")
    expect(isinstance(message_attributes, dict), "messageAttributes an object")
    message_attributes = message_attributes if isinstance(message_attributes, dict) else {}
    expect(set(message_attributes) == set(ATTRIBUTES), f"messageAttributes {sorted(ATTRIBUTES)}")
    for name, given in ATTRIBUTES.items():
        got = message_attributes.get(name) or {}
        expect(got.get("dataType") == given["DataType"], f"{name}.dataType")
        if "StringValue" in given:
            expect(got.get("stringValue") == given["StringValue"], f"{name}.stringValue")
        else:
            encoded = base64.b64encode(given["BinaryValue"]).decode()
            expect(got.get("binaryValue") == encoded, f"{name}.binaryValue (base64)")
        expect(got.get("stringListValues") == [], f"{name}.stringListValues []")
        expect(got.get("binaryListValues") == [], f"{name}.binaryListValues []")
    return problems


def _echoed_record(mapping: Mapping, message_id: str, timeout: float) -> dict[str, Any]:
    rows = mapping.sink.collect(
        probes.has_ids([message_id]), timeout=timeout, what=f"the echo of {message_id}"
    )
    return next(row["record"] for row in rows if row["id"] == message_id)


RECORDS = [
    pytest.param(
        "record",
        marks=pytest.mark.scenario("Event record: every documented field (standard queue)"),
        id="standard",
    ),
    pytest.param(
        "record-fifo",
        marks=pytest.mark.scenario("Event record: every documented field (FIFO queue)"),
        id="fifo",
    ),
]


@pytest.mark.parametrize("name", RECORDS)
@pytest.mark.needs("lambda_execution", "mapping_record_shape")
def test_the_record_carries_every_documented_field(
    mapping_of, aws, evidence, tolerances, name: str
) -> None:
    mapping = mapping_of(name)
    message_id = f"{name}-echo"
    sent = json.dumps({"id": message_id, "directive": "echo"})
    extra: dict[str, Any] = {}
    if name.endswith("fifo"):
        extra = {"MessageGroupId": "group-1", "MessageDeduplicationId": "dedup-1"}
    probes.send(aws("sqs"), mapping["queue_url"], sent, MessageAttributes=ATTRIBUTES, **extra)
    record = _echoed_record(mapping, message_id, tolerances.delivery_timeout)
    region = aws("sqs").meta.region_name
    if extra:  # the FIFO record names the group and deduplication id the send gave
        attributes = record.get("attributes") or {}
        assert attributes.get("MessageGroupId") == "group-1", attributes
        assert attributes.get("MessageDeduplicationId") == "dedup-1", attributes
    evidence.claim(f"the {name} record reached the function and was echoed back")
    problems = _record_problems(record, sent, mapping, region)
    evidence.measure("fields unlike the documented record", len(problems), unit="", high=0)
    # A check, not a wait: the record is what it is. A field unlike AWS's is the AWS behaviour
    # not showing up, hence ConditionTimeout (what a declared divergence expects).
    if problems:
        evidence.claim(f"unlike AWS's record: {'; '.join(problems)}")
        raise probes.ConditionTimeout(
            f"the record as AWS documents it; unlike it: {'; '.join(problems)} "
            f"(record: {json.dumps({k: v for k, v in record.items() if k != 'receiptHandle'})})"
        )
    evidence.claim(
        f"every documented field present with its type: {len(record)} keys, attributes "
        f"{sorted(record['attributes'])}, messageAttributes with dataType, string/binary value "
        "and empty list values, md5OfBody the body's MD5, eventSource aws:sqs, the queue's ARN "
        f"and region {region}"
    )
