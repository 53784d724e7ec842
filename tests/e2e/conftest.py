"""Shared plumbing for the behaviour suite: a live pipeline with its producer, queues and sink."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness import probes
from harness.stacks import AppliedStack
from harness.targets import Target


@dataclass
class Pipeline:
    """stacks/pipeline, applied: producer Lambda -> queue (+DLQ) -> mapping -> consumer -> sink."""

    applied: AppliedStack
    sqs: Any
    lambda_client: Any
    sink: probes.Sink

    def produce(self, messages: list[dict[str, Any]]) -> float:
        """Send through the producer Lambda (10 per SendMessageBatch); returns the send time."""
        sent_at = time.time()
        result = probes.invoke(
            self.lambda_client, self.applied["producer_function_name"], {"messages": messages}
        )
        assert result.function_error is None, result.payload
        assert result.payload["failed"] == [], result.payload
        assert len(result.payload["sent"]) == len(messages)
        return sent_at

    def source_empty(self) -> bool:
        return probes.counts(self.sqs, self.applied["queue_url"]).total == 0


def body(message_id: str, directive: str = "ok", **extra: Any) -> str:
    return json.dumps({"id": message_id, "directive": directive, **extra})


@pytest.fixture
def pipeline(stack, aws) -> Callable[..., Pipeline]:
    def apply(label: str, **variables: Any) -> Pipeline:
        applied = stack("stacks/pipeline", variables, label=label)
        return Pipeline(
            applied, aws("sqs"), aws("lambda"), probes.Sink(aws("sqs"), applied["sink_queue_url"])
        )

    return apply


@pytest.fixture
def tolerances(harness_target: Target):
    return harness_target.tolerances
