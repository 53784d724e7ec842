"""Consumer behind the SQS event source mapping: records every delivery in the sink queue.

Each record's body is JSON {"id": "<str>", "directive": "<str>", ...}. For every record of the
batch one message goes to SINK_QUEUE_URL (one per delivery attempt) with the JSON body
  {"id", "message_id", "receive_count", "group_id", "sequence_number", "directive", "outcome",
   "request_id", "batch_size", "processed_at"}
outcome: "ok"; "failed" (directive "fail" or "raise"); "skipped" (FIFO: after a failure).

Directives (default "ok"):
  fail                -> the record is reported in batchItemFailures
  raise               -> after recording, the handler raises (the whole batch fails)
  respond-unknown-id  -> returns {"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]}
  respond-empty-id    -> returns {"batchItemFailures": [{"itemIdentifier": ""}]}
  respond-empty-list  -> returns {"batchItemFailures": []}
The first record in the batch that carries raise or a respond-* directive governs the whole
batch response. With FIFO=true the handler stops at the first failed record: that record and
every later one in the batch are reported as failures (the later ones are recorded "skipped").
A FIFO sink gets MessageGroupId = the record's group and a deduplication ID unique per delivery.
"""

import json
import os
import time

import boto3

BATCH_LIMIT = 10  # SendMessageBatch takes at most 10 entries
GOVERNING = ("raise", "respond-unknown-id", "respond-empty-id", "respond-empty-list")
FAILING = ("fail", "raise")

_client = None


class DirectiveRaised(Exception):
    """Raised on purpose by the "raise" directive: the whole batch must fail."""


def _sqs():
    global _client
    if _client is None:
        _client = boto3.client("sqs")
    return _client


def _payload(body):
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _receive_count(attributes):
    try:
        return int(attributes.get("ApproximateReceiveCount", 0))
    except (TypeError, ValueError):
        return 0


def _write_to_sink(rows, fifo):
    queue_url = os.environ["SINK_QUEUE_URL"]
    for start in range(0, len(rows), BATCH_LIMIT):
        entries = []
        for offset, row in enumerate(rows[start : start + BATCH_LIMIT]):
            entry = {"Id": str(start + offset), "MessageBody": json.dumps(row)}
            if fifo:
                entry["MessageGroupId"] = row["group_id"] or "default"
                entry["MessageDeduplicationId"] = (
                    f"{row['message_id']}-{row['receive_count']}-{row['request_id']}"[:128]
                )
            entries.append(entry)
        response = _sqs().send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"could not write to the sink queue: {response['Failed']}")


def handler(event, context):
    records = (event or {}).get("Records") or []
    fifo = os.environ.get("FIFO", "false").strip().lower() == "true"
    request_id = getattr(context, "aws_request_id", "") or ""
    governing = None
    failures = []
    rows = []
    stopped = False
    for record in records:
        payload = _payload(record.get("body"))
        directive = str(payload.get("directive") or "ok")
        if governing is None and directive in GOVERNING:
            governing = directive
        if stopped:
            outcome = "skipped"
        elif directive in FAILING:
            outcome = "failed"
            stopped = fifo
        else:
            outcome = "ok"
        if outcome != "ok":
            failures.append({"itemIdentifier": record["messageId"]})
        attributes = record.get("attributes") or {}
        rows.append(
            {
                "id": payload.get("id"),
                "message_id": record["messageId"],
                "receive_count": _receive_count(attributes),
                "group_id": attributes.get("MessageGroupId"),
                "sequence_number": attributes.get("SequenceNumber"),
                "directive": directive,
                "outcome": outcome,
                "request_id": request_id,
                "batch_size": len(records),
                "processed_at": time.time(),
            }
        )
    _write_to_sink(rows, fifo)

    if governing == "raise":
        raise DirectiveRaised(f"directive 'raise' in a batch of {len(records)}: failing the batch")
    if governing == "respond-unknown-id":
        return {"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]}
    if governing == "respond-empty-id":
        return {"batchItemFailures": [{"itemIdentifier": ""}]}
    if governing == "respond-empty-list":
        return {"batchItemFailures": []}
    return {"batchItemFailures": failures}
