"""Order processor: reports orders without an order_id or with a non-positive quantity as
batch item failures, so only those are retried (and reach the DLQ after maxReceiveCount)."""

import json
import logging
import os

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            order = json.loads(record["body"])
            if not order.get("order_id") or int(order.get("quantity", 0)) <= 0:
                raise ValueError("order_id missing or quantity not positive")
            logger.info("order %s accepted", order["order_id"])
        except (ValueError, TypeError) as error:
            logger.warning("message %s rejected: %s", record["messageId"], error)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
