"""sqs-queue: every rule of SQS CreateQueue / SetQueueAttributes (and of queue tags) is refused
at plan with a message that states it, the edge values plan, and the rules the module keeps by
construction (the DLQ's type, one encryption option, a TLS-only policy) show in the plan.

All cases of a kind share one plan (tests/terraform/batches.py)."""

from __future__ import annotations

import pytest

from tests.terraform import batches
from tests.terraform.batches import Batch, Case

pytestmark = [
    pytest.mark.terraform,
]

MODULE = "sqs-queue"
BASE = {"name": "tfq-base"}
FIFO = {"fifo_queue": True}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
TAGS_RULE = "Each tag key must be 1-128 characters and each tag value at most 256 characters"
TAG_CHARACTERS = "Tag keys and values may contain only Unicode letters, digits, spaces and"


def fifo(name: str = "tfq.fifo", **inputs) -> dict:
    return {"name": name, **FIFO, **inputs}


RULES = [
    # QueueName: up to 80 characters of alphanumerics, hyphens and underscores; .fifo iff FIFO.
    Case("name-empty", {"name": ""}, VARIABLE, "name must be 1-80 characters long"),
    Case(
        "name-81-chars",
        {"name": "a" * 81},
        VARIABLE,
        "name must be 1-80 characters long, including any .fifo suffix (SQS QueueName: up to 80"
        " characters)",
    ),
    Case("fifo-name-81-chars", fifo("a" * 76 + ".fifo"), VARIABLE, "is 81."),
    Case(
        "name-bad-character",
        {"name": "orders queue"},
        VARIABLE,
        "may contain only letters, digits, hyphens and underscores, plus a final .fifo for a FIFO"
        ' queue (SQS QueueName rule); got "orders queue"',
    ),
    Case(
        "fifo-name-without-suffix",
        {"name": "tfq-orders", **FIFO},
        PRECONDITION,
        "must end with .fifo because fifo_queue is true (SQS: a FIFO queue's name must end with"
        " .fifo)",
    ),
    Case(
        "standard-name-with-suffix",
        {"name": "tfq-orders.fifo"},
        PRECONDITION,
        "ends with .fifo but fifo_queue is false (SQS: only a FIFO queue's name may end with"
        " .fifo)",
    ),
    Case(
        "dlq-name-81-chars",
        {"name": "a" * 77},
        PRECONDITION,
        'The dead-letter queue name "' + "a" * 77 + '-dlq" is 81 characters (SQS queue names are'
        " at most 80)",
    ),
    # DelaySeconds 0-900.
    Case("delay-negative", {"delay_seconds": -1}, VARIABLE, "delay_seconds must be an integer"),
    Case(
        "delay-901",
        {"delay_seconds": 901},
        VARIABLE,
        "delay_seconds must be an integer between 0 and 900 (SQS DelaySeconds maximum is 15"
        " minutes); got 901",
    ),
    # MaximumMessageSize 1024-1048576.
    Case(
        "max-message-size-1023",
        {"max_message_size": 1023},
        VARIABLE,
        "max_message_size must be an integer between 1024 and 1048576 bytes (SQS"
        " MaximumMessageSize is 1 KiB to 1 MiB); got 1023",
    ),
    Case(
        "max-message-size-1048577",
        {"max_message_size": 1048577},
        VARIABLE,
        "max_message_size must be an integer between 1024 and 1048576 bytes",
    ),
    # MessageRetentionPeriod 60-1209600, for the queue and for its DLQ.
    Case(
        "retention-59",
        {"message_retention_seconds": 59},
        VARIABLE,
        "message_retention_seconds must be an integer between 60 and 1209600 (SQS"
        " MessageRetentionPeriod is 1 minute to 14 days); got 59",
    ),
    Case(
        "retention-1209601",
        {"message_retention_seconds": 1209601},
        VARIABLE,
        "message_retention_seconds must be an integer between 60 and 1209600",
    ),
    Case(
        "dlq-retention-59",
        {"dlq_message_retention_seconds": 59},
        VARIABLE,
        "dlq_message_retention_seconds must be an integer between 60 and 1209600",
    ),
    Case(
        "dlq-retention-1209601",
        {"dlq_message_retention_seconds": 1209601},
        VARIABLE,
        "dlq_message_retention_seconds must be an integer between 60 and 1209600",
    ),
    # Dead-letter queues: a message's age counts from its first enqueue.
    Case(
        "dlq-retention-below-source",
        {"message_retention_seconds": 86400, "dlq_message_retention_seconds": 3600},
        PRECONDITION,
        "dlq_message_retention_seconds (3600) must be at least message_retention_seconds (86400)"
        " for a standard queue",
    ),
    # ReceiveMessageWaitTimeSeconds 0-20.
    Case(
        "receive-wait-negative",
        {"receive_wait_time_seconds": -1},
        VARIABLE,
        "receive_wait_time_seconds must be an integer between 0 and 20",
    ),
    Case(
        "receive-wait-21",
        {"receive_wait_time_seconds": 21},
        VARIABLE,
        "receive_wait_time_seconds must be an integer between 0 and 20 (SQS"
        " ReceiveMessageWaitTimeSeconds: long polling waits at most 20 s); got 21",
    ),
    # VisibilityTimeout 0-43200, whole seconds.
    Case(
        "visibility-negative",
        {"visibility_timeout_seconds": -1},
        VARIABLE,
        "visibility_timeout_seconds must be an integer between 0 and 43200",
    ),
    Case(
        "visibility-43201",
        {"visibility_timeout_seconds": 43201},
        VARIABLE,
        "visibility_timeout_seconds must be an integer between 0 and 43200 (SQS VisibilityTimeout"
        " range is 0 s to 12 hours); got 43201",
    ),
    Case(
        "visibility-fractional",
        {"visibility_timeout_seconds": 1.5},
        VARIABLE,
        "visibility_timeout_seconds must be an integer between 0 and 43200",
    ),
    # RedrivePolicy maxReceiveCount 1-1000.
    Case(
        "max-receive-0",
        {"max_receive_count": 0},
        VARIABLE,
        "max_receive_count must be an integer between 1 and 1000 (SQS RedrivePolicy"
        " maxReceiveCount range); got 0",
    ),
    Case(
        "max-receive-1001",
        {"max_receive_count": 1001},
        VARIABLE,
        "max_receive_count must be an integer between 1 and 1000",
    ),
    # KmsMasterKeyId: the forms of a KMS KeyId; KmsDataKeyReusePeriodSeconds 60-86400.
    Case(
        "kms-key-malformed",
        {"kms_master_key_id": "my-key"},
        VARIABLE,
        'kms_master_key_id is "my-key"; it must be null (SSE-SQS) or a KMS key ID, key ARN, alias'
        " name",
    ),
    Case(
        "kms-key-alias-without-prefix",
        {"kms_master_key_id": "aws/sqs"},
        VARIABLE,
        'kms_master_key_id is "aws/sqs"',
    ),
    Case(
        "kms-key-grant-arn",
        {"kms_master_key_id": "arn:aws:kms:us-east-1:123456789012:grant/x"},
        VARIABLE,
        "(SQS KmsMasterKeyId takes the forms of the KMS KeyId parameter)",
    ),
    Case(
        "kms-reuse-59",
        {"kms_master_key_id": "alias/aws/sqs", "kms_data_key_reuse_period_seconds": 59},
        VARIABLE,
        "kms_data_key_reuse_period_seconds must be an integer between 60 and 86400 (SQS"
        " KmsDataKeyReusePeriodSeconds is 1 minute to 24 hours); got 59",
    ),
    Case(
        "kms-reuse-86401",
        {"kms_master_key_id": "alias/aws/sqs", "kms_data_key_reuse_period_seconds": 86401},
        VARIABLE,
        "kms_data_key_reuse_period_seconds must be an integer between 60 and 86400",
    ),
    # FIFO-only attributes and their values.
    Case(
        "content-dedup-without-fifo",
        {"content_based_deduplication": True},
        PRECONDITION,
        "content_based_deduplication requires fifo_queue = true (SQS: content-based deduplication"
        " exists only on FIFO queues)",
    ),
    Case(
        "dedup-scope-without-fifo",
        {"deduplication_scope": "messageGroup"},
        PRECONDITION,
        "deduplication_scope and fifo_throughput_limit require fifo_queue = true",
    ),
    Case(
        "throughput-limit-without-fifo",
        {"fifo_throughput_limit": "perQueue"},
        PRECONDITION,
        "deduplication_scope and fifo_throughput_limit require fifo_queue = true",
    ),
    Case(
        "dedup-scope-bad-value",
        fifo(deduplication_scope="group"),
        VARIABLE,
        'deduplication_scope must be null, "messageGroup" or "queue" (SQS DeduplicationScope'
        ' values); got "group"',
    ),
    Case(
        "throughput-limit-bad-value",
        fifo(fifo_throughput_limit="max"),
        VARIABLE,
        'fifo_throughput_limit must be null, "perQueue" or "perMessageGroupId" (SQS'
        ' FifoThroughputLimit values); got "max"',
    ),
    Case(
        "per-message-group-limit-with-queue-scope",
        fifo(deduplication_scope="queue", fifo_throughput_limit="perMessageGroupId"),
        PRECONDITION,
        'fifo_throughput_limit = "perMessageGroupId" requires deduplication_scope = "messageGroup"'
        " (SQS: the perMessageGroupId value is allowed only when DeduplicationScope is"
        ' messageGroup); deduplication_scope is "queue"',
    ),
    Case(
        "per-message-group-limit-with-default-scope",
        fifo(fifo_throughput_limit="perMessageGroupId"),
        PRECONDITION,
        "deduplication_scope is null (SQS default: queue)",
    ),
    # Queue tags: at most 50; key 1-128, value <= 256; letters, digits, spaces, _.:/=+-@; no aws:.
    Case(
        "tags-51",
        {"tags": {f"k{i}": "v" for i in range(51)}},
        VARIABLE,
        "tags may hold at most 50 tags (SQS: at most 50 tags per queue); got 51",
    ),
    Case("tag-key-empty", {"tags": {"": "v"}}, VARIABLE, TAGS_RULE),
    Case("tag-key-129", {"tags": {"k" * 129: "v"}}, VARIABLE, TAGS_RULE),
    Case("tag-value-257", {"tags": {"k": "v" * 257}}, VARIABLE, TAGS_RULE + " (SQS tag limits)"),
    Case(
        "tag-key-bad-character",
        {"tags": {"team#1": "orders"}},
        VARIABLE,
        TAG_CHARACTERS + ' _ . : / = + - @ (SQS tag rule); offending keys: "team#1"',
    ),
    Case("tag-value-bad-character", {"tags": {"team": "a*b"}}, VARIABLE, TAG_CHARACTERS),
    Case(
        "tag-key-aws-prefix",
        {"tags": {"aws:owner": "me"}},
        VARIABLE,
        "Tag keys and values must not start with aws: (SQS reserves that prefix); offending keys:"
        " aws:owner",
    ),
    Case(
        "tag-value-aws-prefix",
        {"tags": {"owner": "AWS:me"}},
        VARIABLE,
        "Tag keys and values must not start with aws:",
    ),
]

EDGES = [
    Case("name-1-char", {"name": "a"}),
    # A FIFO message's enqueue timestamp resets when it moves: a shorter DLQ retention is fine.
    Case(
        "fifo-dlq-retention-below-source",
        fifo(message_retention_seconds=86400, dlq_message_retention_seconds=3600),
    ),
    Case("name-80-chars-no-dlq", {"name": "a" * 80, "create_dlq": False}),
    Case("name-76-chars-with-dlq", {"name": "a" * 76}),
    Case(
        "fifo-name-71-chars-with-dlq",
        fifo("a" * 66 + ".fifo", content_based_deduplication=True),
    ),
    Case("delay-0", {"delay_seconds": 0}),
    Case("delay-900", {"delay_seconds": 900}),
    Case("max-message-size-1024", {"max_message_size": 1024}),
    Case("max-message-size-1048576", {"max_message_size": 1048576}),
    Case("retention-60", {"message_retention_seconds": 60, "dlq_message_retention_seconds": 60}),
    Case("retention-1209600", {"message_retention_seconds": 1209600}),
    Case("receive-wait-0", {"receive_wait_time_seconds": 0}),
    Case("receive-wait-20", {"receive_wait_time_seconds": 20}),
    Case("visibility-0", {"visibility_timeout_seconds": 0}),
    Case("visibility-43200", {"visibility_timeout_seconds": 43200}),
    Case("max-receive-1", {"max_receive_count": 1}),
    Case("max-receive-1000", {"max_receive_count": 1000}),
    Case("kms-aws-managed-alias", {"kms_master_key_id": "alias/aws/sqs"}),
    Case(
        "kms-reuse-60-alias-arn",
        {
            "kms_master_key_id": "arn:aws:kms:us-east-1:123456789012:alias/orders/queue_key-1",
            "kms_data_key_reuse_period_seconds": 60,
        },
    ),
    Case(
        "kms-reuse-86400-key-id",
        {"kms_master_key_id": KEY_ID, "kms_data_key_reuse_period_seconds": 86400},
    ),
    Case("kms-key-arn", {"kms_master_key_id": KEY_ARN}),
    Case("kms-multi-region-key-id", {"kms_master_key_id": "mrk-" + "0123456789abcdef" * 2}),
    Case(
        "fifo-high-throughput",
        fifo(deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId"),
    ),
    Case(
        "fifo-queue-scope-per-queue",
        fifo(deduplication_scope="queue", fifo_throughput_limit="perQueue"),
    ),
    Case("no-policy", {"deny_insecure_transport": False}),
    Case("tags-50-longest", {"tags": {f"{i:02d}" + "k" * 126: "v" * 256 for i in range(50)}}),
    Case("tags-every-allowed-character", {"tags": {"équipe 1_.:/=+-@": "données 2_.:/=+-@"}}),
]

INVALID = Batch(MODULE, "invalid", BASE, tuple(RULES))
VALID = Batch(MODULE, "valid", BASE, tuple(EDGES), save_plan=True)
CASES = {case.id: case for case in EDGES}


@pytest.mark.parametrize("case", RULES, ids=[c.id for c in RULES])
def test_rule_is_refused_at_plan(planned, case):
    batches.assert_refused(planned(INVALID), case)


def test_every_error_belongs_to_a_case(planned):
    outcome = planned(INVALID)
    assert not outcome.unattributed, batches.describe(outcome.unattributed)
    assert set(outcome.errors) == {c.id for c in RULES}


@pytest.mark.parametrize("case", EDGES, ids=[c.id for c in EDGES])
def test_edge_value_plans(planned, case):
    batches.assert_plans(planned(VALID), case)


@pytest.mark.parametrize(
    ("case", "fifo_queue", "dlq_name"),
    [
        ("name-76-chars-with-dlq", False, "a" * 76 + "-dlq"),
        ("fifo-name-71-chars-with-dlq", True, "a" * 66 + "-dlq.fifo"),
    ],
    ids=["standard", "fifo"],
)
def test_dlq_has_the_queue_s_type(planned, case, fifo_queue, dlq_name):
    """SQS: the dead-letter queue of a FIFO queue is FIFO, of a standard queue standard."""
    changes = planned(VALID).planned(CASES[case])
    assert changes["aws_sqs_queue.this"]["after"]["fifo_queue"] is fifo_queue
    dlq = changes["aws_sqs_queue.dlq[0]"]["after"]
    assert (dlq["fifo_queue"], dlq["name"]) == (fifo_queue, dlq_name)
    assert "aws_sqs_queue_redrive_policy.this[0]" in changes
    assert "aws_sqs_queue_redrive_allow_policy.dlq[0]" in changes


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("name-1-char", None),
        ("kms-aws-managed-alias", "alias/aws/sqs"),
        ("kms-key-arn", KEY_ARN),
    ],
    ids=["sse-sqs", "sse-kms-alias", "sse-kms-key"],
)
def test_one_encryption_option_per_queue(planned, case, key):
    """SQS: only one server-side encryption option per queue (SSE-KMS or SSE-SQS)."""
    changes = planned(VALID).planned(CASES[case])
    for address in ("aws_sqs_queue.this", "aws_sqs_queue.dlq[0]"):
        after = changes[address]["after"]
        assert after.get("kms_master_key_id") == key, address
        assert after.get("sqs_managed_sse_enabled") is (True if key is None else None), address


@pytest.mark.parametrize(
    ("address", "name"),
    [("aws_sqs_queue.this", "tfq-base"), ("aws_sqs_queue.dlq[0]", "tfq-base-dlq")],
    ids=["queue", "dlq"],
)
def test_each_queue_is_created_with_its_own_tls_only_policy(planned, address, name):
    """In the create call, not a separate policy resource: one provider wait fewer per queue."""
    outcome = planned(VALID)
    case = CASES["delay-0"]  # the base name
    (statement,) = batches.planned_policy(outcome, case, address)["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert not [a for a in outcome.planned(case) if a.startswith("aws_sqs_queue_policy")]


def test_no_policy_without_deny_insecure_transport(planned):
    change = planned(VALID).planned(CASES["no-policy"])["aws_sqs_queue.this"]
    assert change["after"].get("policy") is None  # left to SQS (unknown until applied)
