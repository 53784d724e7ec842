"""sqs-lambda-trigger: Lambda's SQS event source rules are refused at plan with a message
stating the rule, the edge values plan, and the role gets exactly the permissions it needs."""

from __future__ import annotations

import json

import pytest

from tests.terraform import tfkit

pytestmark = [
    pytest.mark.terraform,
]

FIXTURE = "sqs-lambda-trigger"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:tf-src"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASE = {
    "queue_arn": QUEUE_ARN,
    "function_name": "tf-fn",
    "function_role_name": "tf-fn-role",
    "function_timeout": 3,
    "queue_visibility_timeout_seconds": 18,
    "queue_fifo": False,
}
FIFO = {"queue_arn": QUEUE_ARN + ".fifo", "queue_fifo": True}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"
SIX_TIMES = "must be at least six times the function timeout plus the batching window"


def patterns(count: int) -> list[str]:
    return [json.dumps({"body": {"kind": [f"k{i}"]}}) for i in range(count)]


INVALID = [
    (
        "fifo-batch-11",
        {
            **FIFO,
            "batch_size": 11,
            "maximum_batching_window_in_seconds": 1,
            "queue_visibility_timeout_seconds": 19,
        },
        PRECONDITION,
        "a FIFO queue allows at most 10 records per batch",
    ),
    (
        "batch-11-without-window",
        {"batch_size": 11},
        PRECONDITION,
        "batch_size 11 is above 10, which requires maximum_batching_window_in_seconds of at"
        " least 1",
    ),
    (
        "visibility-17-timeout-3",
        {"queue_visibility_timeout_seconds": 17},
        PRECONDITION,
        SIX_TIMES + ": 6 x 3 + 0 = 18 s",
    ),
    (
        "visibility-below-6x-plus-window",
        {"maximum_batching_window_in_seconds": 5},
        PRECONDITION,
        SIX_TIMES + ": 6 x 3 + 5 = 23 s",
    ),
    (
        "filter-patterns-6",
        {"filter_patterns": patterns(6)},
        VARIABLE,
        "filter_patterns may hold at most 5 patterns",
    ),
    (
        "filter-pattern-invalid-json",
        {"filter_patterns": ['{"body": {"kind": ["a"]']},
        VARIABLE,
        "Each of filter_patterns must be valid JSON holding an object",
    ),
    (
        "filter-pattern-not-object",
        {"filter_patterns": ['["a"]']},
        VARIABLE,
        "Each of filter_patterns must be valid JSON holding an object",
    ),
    (
        "maximum-concurrency-1",
        {"maximum_concurrency": 1},
        VARIABLE,
        "maximum_concurrency must be null or an integer between 2 and 1000",
    ),
    (
        "maximum-concurrency-1001",
        {"maximum_concurrency": 1001},
        VARIABLE,
        "maximum_concurrency must be null or an integer between 2 and 1000",
    ),
    ("batch-0", {"batch_size": 0}, VARIABLE, "batch_size must be an integer between 1 and 10000"),
    (
        "batch-10001",
        {"batch_size": 10001},
        VARIABLE,
        "batch_size must be an integer between 1 and 10000",
    ),
    (
        "window-301",
        {"maximum_batching_window_in_seconds": 301},
        VARIABLE,
        "maximum_batching_window_in_seconds must be an integer between 0 and 300",
    ),
    (
        "function-timeout-901",
        {"function_timeout": 901},
        VARIABLE,
        "function_timeout must be an integer between 1 and 900",
    ),
    (
        "queue-arn-not-sqs",
        {"queue_arn": "arn:aws:sns:us-east-1:123456789012:t"},
        VARIABLE,
        "queue_arn must be an SQS queue ARN",
    ),
    (
        "kms-alias-not-key-arn",
        {"queue_kms_key_arn": "alias/aws/sqs"},
        VARIABLE,
        "queue_kms_key_arn must be null or a KMS key ARN",
    ),
]

VALID = [
    (
        "batch-10000-window-1-standard",
        {
            "batch_size": 10000,
            "maximum_batching_window_in_seconds": 1,
            "queue_visibility_timeout_seconds": 19,
        },
    ),
    ("visibility-exactly-6x-timeout", {"queue_visibility_timeout_seconds": 18}),
    (
        "visibility-exactly-6x-timeout-plus-window",
        {"maximum_batching_window_in_seconds": 300, "queue_visibility_timeout_seconds": 318},
    ),
    ("fifo-batch-10", {**FIFO, "batch_size": 10}),
    ("batch-1", {"batch_size": 1}),
    ("maximum-concurrency-2", {"maximum_concurrency": 2}),
    ("maximum-concurrency-1000", {"maximum_concurrency": 1000}),
    ("filter-patterns-5", {"filter_patterns": patterns(5)}),
    ("no-batch-item-failures-disabled", {"report_batch_item_failures": False, "enabled": False}),
]


@pytest.mark.parametrize(
    ("overrides", "summary", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_input_fails_at_plan(plan_case, overrides, summary, message):
    tfkit.assert_fails_with(plan_case(FIXTURE, {**BASE, **overrides}), summary, message)


@pytest.mark.parametrize("overrides", [c[1] for c in VALID], ids=[c[0] for c in VALID])
def test_edge_value_plans(plan_case, overrides):
    tfkit.assert_plans(plan_case(FIXTURE, {**BASE, **overrides}))


CONSUME = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (None, [(CONSUME, [QUEUE_ARN])]),
        (KEY_ARN, [(CONSUME, [QUEUE_ARN]), (["kms:Decrypt"], [KEY_ARN])]),
    ],
    ids=["sse-sqs", "sse-kms"],
)
def test_role_gets_exactly_the_poller_permissions(plan_case, initialized, tmp_path, key, expected):
    plan_file = tmp_path / "tfplan"
    result = plan_case(FIXTURE, {**BASE, "queue_kms_key_arn": key}, out=plan_file)
    tfkit.assert_plans(result)
    policy = tfkit.planned_policy(
        initialized(f"tests/terraform/fixtures/{FIXTURE}"),
        plan_file,
        "module.under_test.aws_iam_role_policy.this",
    )
    granted = [(s["Action"], s["Resource"]) for s in policy["Statement"]]
    assert granted == expected
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
