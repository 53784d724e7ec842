"""Queue client for the classic three-function demonstration (one queue, named QUEUE_NAME).

{"op": "send", "bodies": ["..", ...]}
    -> {"message_ids": [...]}  (in the order of bodies)
{"op": "receive", "delete": false, "max": 10, "wait_seconds": 20}
    -> one ReceiveMessage call (all attributes; WaitTimeSeconds only when wait_seconds is given,
       else the queue's ReceiveMessageWaitTimeSeconds applies), then deletes what it got when
       "delete" is true.
    -> {"messages": [{"body", "message_id", "receive_count"}], "elapsed_ms": <receive call time>,
        "deleted": <count>}
"""

import os
import time

import boto3

BATCH_LIMIT = 10  # SendMessageBatch / DeleteMessageBatch take at most 10 entries

_client = None
_queue_url = None


def _sqs():
    global _client
    if _client is None:
        _client = boto3.client("sqs")
    return _client


def _url():
    """The queue is given by name, so the function need not wait for the queue to be created
    (the stack creates both at once); its URL is looked up on first use."""
    global _queue_url
    if _queue_url is None:
        _queue_url = _sqs().get_queue_url(QueueName=os.environ["QUEUE_NAME"])["QueueUrl"]
    return _queue_url


def _send(queue_url, bodies):
    message_ids = []
    for start in range(0, len(bodies), BATCH_LIMIT):
        chunk = bodies[start : start + BATCH_LIMIT]
        entries = [{"Id": str(i), "MessageBody": str(body)} for i, body in enumerate(chunk)]
        response = _sqs().send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"SendMessageBatch failed for {response['Failed']}")
        by_id = {item["Id"]: item["MessageId"] for item in response.get("Successful", [])}
        message_ids.extend(by_id[str(i)] for i in range(len(chunk)))
    return {"message_ids": message_ids}


def _receive(queue_url, event):
    request = {
        "QueueUrl": queue_url,
        "MaxNumberOfMessages": int(event.get("max", 10)),
        "AttributeNames": ["All"],
        "MessageAttributeNames": ["All"],
    }
    if event.get("wait_seconds") is not None:
        request["WaitTimeSeconds"] = int(event["wait_seconds"])
    started = time.monotonic()
    response = _sqs().receive_message(**request)
    elapsed_ms = (time.monotonic() - started) * 1000.0
    messages = response.get("Messages", [])
    deleted = 0
    if event.get("delete") and messages:
        for start in range(0, len(messages), BATCH_LIMIT):
            chunk = messages[start : start + BATCH_LIMIT]
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
            ]
            result = _sqs().delete_message_batch(QueueUrl=queue_url, Entries=entries)
            if result.get("Failed"):
                raise RuntimeError(f"DeleteMessageBatch failed for {result['Failed']}")
            deleted += len(result.get("Successful", []))
    return {
        "messages": [
            {
                "body": m.get("Body"),
                "message_id": m.get("MessageId"),
                "receive_count": int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
            }
            for m in messages
        ],
        "elapsed_ms": elapsed_ms,
        "deleted": deleted,
    }


def handler(event, context):
    event = event or {}
    queue_url = _url()
    op = event.get("op")
    if op == "send":
        return _send(queue_url, list(event.get("bodies") or []))
    if op == "receive":
        return _receive(queue_url, event)
    raise ValueError(f"unknown op {op!r}: use 'send' or 'receive'")
