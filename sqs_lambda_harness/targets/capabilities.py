"""The capability catalogue: every behaviour a test may name in `needs(...)`, declared once with
what it means on AWS and how the suite measures it, whether or not any target lacks it.

Each emulator (its module in this package) says, for the capabilities where it differs from
AWS, whether it `diverges` or is `unsupported`, with the reason it was measured to; anything it
does not mention it supports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    """Whether a target does what AWS does. `supported` false: the test is skipped with
    `reason`. `diverges`: the test runs its real assertion and is expected to fail (strict
    xfail), so the difference is observed and reported on every run, never papered over.
    The expected failure is the AWS behaviour never showing up (a `ConditionTimeout`); any
    other error, such as a failed apply or precondition, still fails the test."""

    supported: bool = True
    diverges: bool = False
    reason: str = ""

    @property
    def status(self) -> str:
        """`supported`, `diverges` or `unsupported`: how reports and tables name it."""
        if not self.supported:
            return "unsupported"
        return "diverges" if self.diverges else "supported"


SUPPORTED = Capability()


def unsupported(reason: str) -> Capability:
    """The target cannot do it at all: tests that need it are skipped with `reason`."""
    return Capability(supported=False, reason=reason)


def diverges(reason: str) -> Capability:
    """The target does it unlike AWS: tests that need it run as strict xfails."""
    return Capability(diverges=True, reason=reason)


@dataclass(frozen=True)
class CatalogueEntry:
    """One capability: what AWS does (`meaning`) and which test observes it (`measured`)."""

    name: str
    meaning: str
    measured: str


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "lambda_execution",
        "a function runs its handler: invoked directly and through an SQS event source mapping",
        "every scenario marked needs('lambda_execution') (tests/e2e: delivery, long poll, "
        "FIFO, redrive, batch responses) sends messages and waits for the handler's output "
        "in a sink queue",
    ),
    CatalogueEntry(
        "lambda_functions",
        "a function can be created and deleted (CreateFunction, DeleteFunction), whether or "
        "not it can run",
        "tests/integration/test_targets_live.py creates a function on each emulator and sweeps "
        "it; every stack with a function is destroyed through the provider",
    ),
    CatalogueEntry(
        "dlq_message_move",
        "StartMessageMoveTask moves a dead-letter queue's messages back to their source queue",
        "tests/e2e/test_redrive.py::test_dlq_messages_can_be_moved_back_to_the_source starts "
        "the task and waits for the message in the source queue",
    ),
    CatalogueEntry(
        "dlq_source_arn",
        "a message redriven to a DLQ carries the DeadLetterQueueSourceArn attribute naming "
        "its source queue",
        "tests/e2e/test_redrive_queue.py::test_a_redriven_message_names_its_source_queue "
        "receives the redriven message and reads the attribute",
    ),
    CatalogueEntry(
        "fifo_duplicate_message_id",
        "a FIFO send with an already used deduplication id is dropped and answered with the "
        "original message's MessageId",
        "tests/e2e/test_fifo_queue.py::test_a_duplicate_send_is_answered_with_the_original_"
        "message_id sends twice with one deduplication id and compares the answers",
    ),
    CatalogueEntry(
        "batch_response_validation",
        "a batchItemFailures entry with an empty or unknown itemIdentifier fails the whole "
        "batch, so every message of it is retried",
        "tests/e2e/test_batch_responses.py (unknown-id, empty-id) answers such an entry and "
        "waits for the whole batch to be redelivered",
    ),
    CatalogueEntry(
        "function_info_logs",
        "a function's `logging.info` lines reach its CloudWatch log group at the function's "
        "log level",
        "tests/examples/test_orders_pipeline.py::test_an_accepted_order_is_logged waits for "
        "the processor's INFO line in its log group",
    ),
    CatalogueEntry(
        "mapping_redelivery_pace",
        "after a failed batch the mapping receives its messages again as soon as their "
        "visibility timeout ends (Lambda's pollers long-poll continuously), so a message that "
        "always fails reaches the DLQ within maxReceiveCount x (visibility timeout + slack) "
        "of its first delivery",
        "tests/e2e/test_redrive.py::test_poison_message_moves_to_the_dlq_and_good_ones_are_"
        "delivered_once times the poison message from its first delivery to the DLQ",
    ),
    CatalogueEntry(
        "redrive_allow_policy",
        "a DLQ's RedriveAllowPolicy round-trips: read back as written, omitted once removed",
        "the DLQ scenarios' stacks (stacks/queues, restrict_dlq_sources = true) apply and "
        "destroy aws_sqs_queue_redrive_allow_policy through the provider, which waits for it",
    ),
    CatalogueEntry(
        "mapping_batching_window",
        "a mapping with MaximumBatchingWindowInSeconds gathers records for the window before "
        "it invokes: at low traffic a lone message is not invoked before the window (and may "
        "wait up to 20 s)",
        "tests/e2e/test_mapping_batching.py::test_a_lone_message_is_not_invoked_before_the_"
        "batching_window times the handler's start from the send of one message (5 s window)",
    ),
    CatalogueEntry(
        "mapping_large_batches",
        "with BatchSize above 10 and a batching window a backlog is handed to the function in "
        "batches larger than the 10 one ReceiveMessage returns",
        "tests/e2e/test_mapping_batching.py::test_a_backlog_arrives_in_batches_larger_than_ten "
        "enables a mapping (BatchSize 100, 2 s window) over 50 waiting messages and counts "
        "the records per invocation",
    ),
    CatalogueEntry(
        "mapping_maximum_concurrency",
        "ScalingConfig.MaximumConcurrency caps a mapping's concurrent invocations, and a "
        "backlog reaches the cap",
        "tests/e2e/test_mapping_batching.py::test_maximum_concurrency_caps_the_overlapping_"
        "invocations overlaps the slow handler's own start and end records (cap 2)",
    ),
    CatalogueEntry(
        "mapping_throttle_retry",
        "the mapping of a throttled function (reserved concurrency 0) receives its messages, "
        "which return after the visibility timeout with a growing receive count and reach the "
        "DLQ after maxReceiveCount, with no invocation",
        "tests/e2e/test_mapping_failures.py::test_a_throttled_function_sends_its_messages_to_"
        "the_dlq watches the source queue and its DLQ",
    ),
    CatalogueEntry(
        "function_timeout_report",
        "the REPORT line of an invocation that outlived its timeout says `Status: timeout`",
        "tests/e2e/test_mapping_failures.py::test_a_timed_out_batch_comes_back_after_the_"
        "visibility_timeout reads the first batch's REPORT line from the function's log group",
    ),
    CatalogueEntry(
        "fifo_group_concurrency",
        "a FIFO mapping processes different message groups at the same time, one batch at a "
        "time per group",
        "tests/e2e/test_mapping_fifo.py::test_fifo_groups_are_processed_in_parallel_but_each_"
        "group_serially overlaps the slow handler's start and end records per group and overall",
    ),
    CatalogueEntry(
        "mapping_record_shape",
        "the SQS record Lambda passes carries every documented field with its type: "
        "attributes (ApproximateReceiveCount, SentTimestamp, SenderId, "
        "ApproximateFirstReceiveTimestamp; FIFO adds SequenceNumber, MessageGroupId, "
        "MessageDeduplicationId), messageAttributes entries {stringValue|binaryValue, "
        "stringListValues, binaryListValues, dataType}, md5OfBody, eventSource, "
        "eventSourceARN, awsRegion",
        "tests/e2e/test_mapping_record.py echoes a standard and a FIFO record into the sink "
        "and checks each field",
    ),
)

# Every capability a test may name in `needs(...)`: one outside the catalogue is a typo,
# refused at start-up rather than silently "supported" everywhere.
KNOWN_CAPABILITIES = frozenset(entry.name for entry in CATALOGUE)
