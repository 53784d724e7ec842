"""probes.queue_attributes: what a test reads to check a stack applied what its bounds rest on."""

from __future__ import annotations

from typing import Any

from sqs_lambda_harness import probes


class RecordingSqs:
    """Answers GetQueueAttributes like SQS (string values) and keeps the request."""

    def __init__(self, attributes: dict[str, str]) -> None:
        self.attributes = attributes
        self.requests: list[dict[str, Any]] = []

    def get_queue_attributes(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        names = request["AttributeNames"]
        return {"Attributes": {k: v for k, v in self.attributes.items() if k in names}}


def test_queue_attributes_asks_for_the_named_attributes_and_returns_what_sqs_reports() -> None:
    sqs = RecordingSqs({"VisibilityTimeout": "12", "FifoQueue": "true", "DelaySeconds": "0"})
    got = probes.queue_attributes(sqs, "http://q", "VisibilityTimeout", "FifoQueue")
    assert got == {"VisibilityTimeout": "12", "FifoQueue": "true"}
    assert sqs.requests == [
        {"QueueUrl": "http://q", "AttributeNames": ["VisibilityTimeout", "FifoQueue"]}
    ]
