"""Consumer behind the SQS event source mapping: records every delivery in the sink queue.

Each record's body is JSON {"id": "<str>", "directive": "<str>", ...}. For every record of the
batch one message goes to the sink queue (one per delivery attempt): SINK_QUEUE_URL, or the
queue named SINK_QUEUE_NAME (its URL looked up on first use, so the function can be created
while the sink queue is), with the JSON body
  {"id", "message_id", "receive_count", "group_id", "sequence_number", "directive", "outcome",
   "request_id", "batch_size", "processed_at", "started_at", "position", "source",
   "first_received_at", "environment_started_at", "invocation_in_environment"}
outcome: "ok"; "failed" (directive "fail" or "raise", or "fail-first" on its first receive);
"skipped" (FIFO: after a failure); "started" (directive "hang-first", written before it hangs).
started_at is when the handler began (epoch seconds), processed_at when it wrote the batch's
rows (after any "sleep"), position the record's index in the batch, source the name of the
queue the record came from (from its eventSourceARN): a sink shared by several mappings tells
them apart by it. first_received_at is the record's ApproximateFirstReceiveTimestamp (epoch
seconds: SQS's clock, when the receive that started the first visibility timeout happened);
environment_started_at when this execution environment began its init (before boto3 is
imported), invocation_in_environment how many invocations it has served, this one included: an
invocation that is the first of its environment (a cold start) reached the function when that
init began, not when the handler ran.

Directives (default "ok"):
  fail                -> the record is reported in batchItemFailures
  raise               -> after recording, the handler raises (the whole batch fails)
  respond-unknown-id  -> returns {"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]}
  respond-empty-id    -> returns {"batchItemFailures": [{"itemIdentifier": ""}]}
  respond-empty-list  -> returns {"batchItemFailures": []}
  fail-first          -> like fail on the record's first receive, ok after
  sleep               -> the handler sleeps the body's "seconds" (the longest in the batch) before
                         it writes the rows: a slow handler, for overlap measurements
  hang-first          -> on the record's first receive the handler writes its rows at once
                         (outcome "started"), then sleeps past any timeout (900 s); ok after
  echo                -> the row also carries the whole record as Lambda passed it ("record")
The first record in the batch that carries raise or a respond-* directive governs the whole
batch response. With FIFO=true, or a record from a FIFO queue (eventSourceARN ends with .fifo),
the handler stops at the first failed record: that record and every later one in the batch are
reported as failures (the later ones are recorded "skipped"), as AWS asks of a FIFO consumer.
A FIFO sink (FIFO=true) gets MessageGroupId = the record's group and a deduplication ID unique
per delivery.
"""

import json
import os
import time

ENVIRONMENT_STARTED_AT = time.time()  # before the imports and clients of the init below

import boto3  # noqa: E402

BATCH_LIMIT = 10  # SendMessageBatch takes at most 10 entries
GOVERNING = ("raise", "respond-unknown-id", "respond-empty-id", "respond-empty-list")
FAILING = ("fail", "raise")
HANG_SECONDS = 900  # past the longest Lambda timeout: the runtime ends the invocation

# Made while the runtime initialises, as AWS advises, so that a busy machine's boto3 start-up
# is not charged to the 1 s timeouts some scenarios give this function.
_client = boto3.client("sqs")
_sink_url = None
_invocations_here = 0


class DirectiveRaised(Exception):
    """Raised on purpose by the "raise" directive: the whole batch must fail."""


def _sqs():
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


def _sink_queue_url():
    global _sink_url
    if _sink_url is None:
        _sink_url = (
            os.environ.get("SINK_QUEUE_URL")
            or _sqs().get_queue_url(QueueName=os.environ["SINK_QUEUE_NAME"])["QueueUrl"]
        )
    return _sink_url


def _write_to_sink(rows, fifo):
    queue_url = _sink_queue_url()
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


def _seconds(payload):
    try:
        return float(payload.get("seconds", 0))
    except (TypeError, ValueError):
        return 0.0


def _first_received_at(attributes):
    """ApproximateFirstReceiveTimestamp (epoch milliseconds) in epoch seconds; None if absent."""
    try:
        return int(attributes["ApproximateFirstReceiveTimestamp"]) / 1000
    except (KeyError, TypeError, ValueError):
        return None


def _source(record):
    """The queue's name from the record's eventSourceARN (arn:aws:sqs:<region>:<account>:<name>)."""
    return str(record.get("eventSourceARN") or "").rsplit(":", 1)[-1]


def handler(event, context):
    global _invocations_here
    started_at = time.time()
    _invocations_here += 1
    records = (event or {}).get("Records") or []
    fifo = os.environ.get("FIFO", "false").strip().lower() == "true"
    request_id = getattr(context, "aws_request_id", "") or ""
    governing = None
    failures = []
    rows = []
    stopped = False
    sleep_for = 0.0
    hang = False
    for position, record in enumerate(records):
        payload = _payload(record.get("body"))
        directive = str(payload.get("directive") or "ok")
        attributes = record.get("attributes") or {}
        receive_count = _receive_count(attributes)
        source = _source(record)
        if governing is None and directive in GOVERNING:
            governing = directive
        if directive == "sleep":
            sleep_for = max(sleep_for, _seconds(payload))
        first_receive = receive_count <= 1
        if directive == "hang-first" and first_receive:
            hang = True
        if stopped:
            outcome = "skipped"
        elif directive in FAILING or (directive == "fail-first" and first_receive):
            outcome = "failed"
            stopped = fifo or source.endswith(".fifo")
        else:
            outcome = "ok"
        if outcome != "ok":
            failures.append({"itemIdentifier": record["messageId"]})
        row = {
            "id": payload.get("id"),
            "message_id": record["messageId"],
            "receive_count": receive_count,
            "group_id": attributes.get("MessageGroupId"),
            "sequence_number": attributes.get("SequenceNumber"),
            "directive": directive,
            "outcome": outcome,
            "request_id": request_id,
            "batch_size": len(records),
            "processed_at": time.time(),
            "started_at": started_at,
            "position": position,
            "source": source,
            "first_received_at": _first_received_at(attributes),
            "environment_started_at": ENVIRONMENT_STARTED_AT,
            "invocation_in_environment": _invocations_here,
        }
        if directive == "echo":
            row["record"] = record
        rows.append(row)

    if hang:
        for row in rows:
            row["outcome"] = "started"
        _write_to_sink(rows, fifo)
        time.sleep(HANG_SECONDS)  # the runtime ends the invocation at the function's timeout
        raise DirectiveRaised("directive 'hang-first' outlived its sleep")
    if sleep_for > 0:
        time.sleep(sleep_for)
        for row in rows:
            row["processed_at"] = time.time()
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
