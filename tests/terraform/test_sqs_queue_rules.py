"""sqs-queue: every AWS limit is refused at plan with a message stating the rule, and the
edge values themselves plan."""

from __future__ import annotations

import pytest

from tests.terraform import tfkit

pytestmark = [
    pytest.mark.terraform,
]

FIXTURE = "sqs-queue"
BASE = {"name": "tfq-base"}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"

INVALID = [
    (
        "receive-wait-21",
        {"receive_wait_time_seconds": 21},
        VARIABLE,
        "receive_wait_time_seconds must be an integer between 0 and 20 (SQS long polling maximum"
        " is 20 s)",
    ),
    (
        "receive-wait-negative",
        {"receive_wait_time_seconds": -1},
        VARIABLE,
        "receive_wait_time_seconds must be an integer between 0 and 20",
    ),
    (
        "max-receive-0",
        {"max_receive_count": 0},
        VARIABLE,
        "max_receive_count must be an integer between 1 and 1000 (SQS RedrivePolicy"
        " maxReceiveCount range)",
    ),
    (
        "max-receive-1001",
        {"max_receive_count": 1001},
        VARIABLE,
        "max_receive_count must be an integer between 1 and 1000",
    ),
    (
        "retention-59",
        {"message_retention_seconds": 59},
        VARIABLE,
        "message_retention_seconds must be an integer between 60 and 1209600",
    ),
    (
        "retention-1209601",
        {"message_retention_seconds": 1209601},
        VARIABLE,
        "message_retention_seconds must be an integer between 60 and 1209600",
    ),
    (
        "dlq-retention-1209601",
        {"dlq_message_retention_seconds": 1209601},
        VARIABLE,
        "dlq_message_retention_seconds must be an integer between 60 and 1209600",
    ),
    (
        "delay-901",
        {"delay_seconds": 901},
        VARIABLE,
        "delay_seconds must be an integer between 0 and 900 (SQS DelaySeconds maximum is 15"
        " minutes)",
    ),
    (
        "visibility-43201",
        {"visibility_timeout_seconds": 43201},
        VARIABLE,
        "visibility_timeout_seconds must be an integer between 0 and 43200",
    ),
    (
        "visibility-fractional",
        {"visibility_timeout_seconds": 1.5},
        VARIABLE,
        "visibility_timeout_seconds must be an integer",
    ),
    (
        "max-message-size-1023",
        {"max_message_size": 1023},
        VARIABLE,
        "max_message_size must be an integer between 1024 and 1048576",
    ),
    (
        "max-message-size-1048577",
        {"max_message_size": 1048577},
        VARIABLE,
        "max_message_size must be an integer between 1024 and 1048576",
    ),
    (
        "kms-reuse-59",
        {"kms_master_key_id": "alias/aws/sqs", "kms_data_key_reuse_period_seconds": 59},
        VARIABLE,
        "kms_data_key_reuse_period_seconds must be an integer between 60 and 86400",
    ),
    (
        "name-81-chars",
        {"name": "a" * 81},
        VARIABLE,
        "name must be 1-80 characters long, including any .fifo suffix",
    ),
    (
        "fifo-name-81-chars",
        {"name": "a" * 76 + ".fifo", "fifo_queue": True},
        VARIABLE,
        "name must be 1-80 characters long, including any .fifo suffix",
    ),
    (
        "name-bad-character",
        {"name": "orders queue"},
        VARIABLE,
        "name may contain only letters, digits, hyphens and underscores",
    ),
    (
        "fifo-name-without-suffix",
        {"name": "tfq-orders", "fifo_queue": True},
        PRECONDITION,
        "must end with .fifo because fifo_queue is true (SQS: a FIFO queue's name must end with"
        " .fifo)",
    ),
    (
        "standard-name-with-suffix",
        {"name": "tfq-orders.fifo"},
        PRECONDITION,
        "ends with .fifo but fifo_queue is false (SQS: only a FIFO queue's name may end with"
        " .fifo)",
    ),
    (
        "content-dedup-without-fifo",
        {"content_based_deduplication": True},
        PRECONDITION,
        "content_based_deduplication requires fifo_queue = true",
    ),
    (
        "dedup-scope-without-fifo",
        {"deduplication_scope": "messageGroup"},
        PRECONDITION,
        "deduplication_scope and fifo_throughput_limit require fifo_queue = true",
    ),
    (
        "dedup-scope-bad-value",
        {"name": "q.fifo", "fifo_queue": True, "deduplication_scope": "group"},
        VARIABLE,
        'deduplication_scope must be null, "messageGroup" or "queue"',
    ),
    (
        "throughput-bad-value",
        {"name": "q.fifo", "fifo_queue": True, "fifo_throughput_limit": "max"},
        VARIABLE,
        'fifo_throughput_limit must be null, "perQueue" or "perMessageGroupId"',
    ),
    ("dlq-name-too-long", {"name": "a" * 77}, PRECONDITION, "(SQS queue names are at most 80)"),
    (
        "tags-51",
        {"tags": {f"k{i}": "v" for i in range(51)}},
        VARIABLE,
        "tags may hold at most 50 tags",
    ),
    (
        "tag-key-129",
        {"tags": {"k" * 129: "v"}},
        VARIABLE,
        "Each tag key must be 1-128 characters and each tag value at most 256 characters",
    ),
    (
        "tag-value-257",
        {"tags": {"k": "v" * 257}},
        VARIABLE,
        "Each tag key must be 1-128 characters and each tag value at most 256 characters",
    ),
    (
        "tag-key-aws-prefix",
        {"tags": {"aws:owner": "me"}},
        VARIABLE,
        "Tag keys must not start with aws:",
    ),
]

VALID = [
    ("receive-wait-0", {"receive_wait_time_seconds": 0}),
    ("receive-wait-20", {"receive_wait_time_seconds": 20}),
    ("retention-60", {"message_retention_seconds": 60, "dlq_message_retention_seconds": 60}),
    ("retention-1209600", {"message_retention_seconds": 1209600}),
    ("delay-900", {"delay_seconds": 900}),
    ("max-receive-1", {"max_receive_count": 1}),
    ("max-receive-1000", {"max_receive_count": 1000}),
    ("visibility-0", {"visibility_timeout_seconds": 0}),
    ("visibility-43200", {"visibility_timeout_seconds": 43200}),
    ("max-message-size-1024", {"max_message_size": 1024}),
    ("max-message-size-1048576", {"max_message_size": 1048576}),
    ("name-80-chars-no-dlq", {"name": "a" * 80, "create_dlq": False}),
    ("name-76-chars-with-dlq", {"name": "a" * 76}),
    (
        "fifo-name-71-chars-with-dlq",
        {"name": "a" * 66 + ".fifo", "fifo_queue": True, "content_based_deduplication": True},
    ),
    (
        "fifo-high-throughput",
        {
            "name": "q.fifo",
            "fifo_queue": True,
            "deduplication_scope": "messageGroup",
            "fifo_throughput_limit": "perMessageGroupId",
        },
    ),
    ("kms-key", {"kms_master_key_id": "alias/aws/sqs", "kms_data_key_reuse_period_seconds": 86400}),
    ("no-policy", {"deny_insecure_transport": False}),
    ("tags-50", {"tags": {f"k{i}": "v" * 256 for i in range(50)}}),
]


@pytest.mark.parametrize(
    ("overrides", "summary", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_input_fails_at_plan(plan_case, overrides, summary, message):
    tfkit.assert_fails_with(plan_case(FIXTURE, {**BASE, **overrides}), summary, message)


@pytest.mark.parametrize("overrides", [c[1] for c in VALID], ids=[c[0] for c in VALID])
def test_edge_value_plans(plan_case, overrides):
    tfkit.assert_plans(plan_case(FIXTURE, {**BASE, **overrides}))


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("module.under_test.aws_sqs_queue.this", "tfq-base"),
        ("module.under_test.aws_sqs_queue.dlq[0]", "tfq-base-dlq"),
    ],
    ids=["queue", "dlq"],
)
def test_each_queue_is_created_with_its_own_tls_only_policy(
    plan_case, initialized, tmp_path, address, name
):
    """In the create call, not a separate policy resource: one provider wait fewer per queue."""
    plan_file = tmp_path / "tfplan"
    result = plan_case(FIXTURE, BASE, out=plan_file)
    tfkit.assert_plans(result)
    policy = tfkit.planned_policy(
        initialized(f"tests/terraform/fixtures/{FIXTURE}"), plan_file, address
    )
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert "aws_sqs_queue_policy" not in tfkit.planned_types(result)
