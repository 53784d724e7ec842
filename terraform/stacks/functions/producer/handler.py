"""Producer: sends the event's messages to the queue named QUEUE_NAME, 10 per SendMessageBatch.

Event:  {"messages": [{"body": "<str>", "group_id": "..", "dedup_id": "..",
                       "delay_seconds": 0, "attributes": {"name": "string value"}}, ...]}
        Only "body" is required (a non-string body is sent as its JSON text).
Result: {"sent": [{"id": "<entry id>", "message_id": "..", "sequence_number": ".." (FIFO)}],
         "failed": [{"id": "<entry id>", "code": "..", "message": "..", "sender_fault": bool}]}
Entry ids are the messages' positions in the event ("0", "1", ...), so results map back to
the input. Plain boto3: the endpoint and region come from the environment.
"""

import json
import os

import boto3

BATCH_LIMIT = 10  # SendMessageBatch takes at most 10 entries

_client = None
_queue_url = None


def _sqs():
    global _client
    if _client is None:
        _client = boto3.client("sqs")
    return _client


def _url():
    """The queue is given by name (QUEUE_NAME); its URL is looked up on first use."""
    global _queue_url
    if _queue_url is None:
        _queue_url = _sqs().get_queue_url(QueueName=os.environ["QUEUE_NAME"])["QueueUrl"]
    return _queue_url


def _entry(index, message):
    body = message["body"]
    entry = {"Id": str(index), "MessageBody": body if isinstance(body, str) else json.dumps(body)}
    if message.get("group_id") is not None:
        entry["MessageGroupId"] = str(message["group_id"])
    if message.get("dedup_id") is not None:
        entry["MessageDeduplicationId"] = str(message["dedup_id"])
    if message.get("delay_seconds") is not None:
        entry["DelaySeconds"] = int(message["delay_seconds"])
    attributes = message.get("attributes") or {}
    if attributes:
        entry["MessageAttributes"] = {
            str(name): {"DataType": "String", "StringValue": str(value)}
            for name, value in attributes.items()
        }
    return entry


def handler(event, context):
    messages = (event or {}).get("messages") or []
    queue_url = _url()
    sent, failed = [], []
    for start in range(0, len(messages), BATCH_LIMIT):
        chunk = messages[start : start + BATCH_LIMIT]
        entries = [_entry(start + offset, message) for offset, message in enumerate(chunk)]
        response = _sqs().send_message_batch(QueueUrl=queue_url, Entries=entries)
        for item in response.get("Successful", []):
            result = {"id": item["Id"], "message_id": item["MessageId"]}
            if item.get("SequenceNumber"):
                result["sequence_number"] = item["SequenceNumber"]
            sent.append(result)
        for item in response.get("Failed", []):
            failed.append(
                {
                    "id": item["Id"],
                    "code": item.get("Code"),
                    "message": item.get("Message"),
                    "sender_fault": item.get("SenderFault"),
                }
            )
    sent.sort(key=lambda item: int(item["id"]))
    failed.sort(key=lambda item: int(item["id"]))
    return {"sent": sent, "failed": failed}
