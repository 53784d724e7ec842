"""sqs-lambda-trigger: every rule of Lambda CreateEventSourceMapping that applies to an Amazon
SQS source is refused at plan with a message that states it, the edge values plan, the
parameters that do not apply to SQS cannot be set, and the role gets exactly the permissions the
poller needs (kms:Decrypt for each form of KMS key the queue module takes).

All cases of a kind share one plan (tests/terraform/batches.py); a few cases wire the real
sqs-queue and lambda-function modules in (`queue = module.x`), as callers do."""

from __future__ import annotations

import json
import sys

import pytest

from tests.terraform import batches, tfkit
from tests.terraform.batches import Batch, Case

sys.path.insert(0, str(tfkit.REPO / "scripts"))
import module_docs

pytestmark = [
    pytest.mark.terraform,
]

MODULE = "sqs-lambda-trigger"
MODULE_DIR = tfkit.TERRAFORM_ROOT / "modules" / MODULE
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:tf-src"
FIFO_ARN = QUEUE_ARN + ".fifo"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
BASE = {
    "queue": {
        "queue_arn": QUEUE_ARN,
        "fifo_queue": False,
        "visibility_timeout_seconds": 18,
        "kms_master_key_id": None,
    },
    "function": {"function_name": "tf-fn", "role_name": "tf-fn-role", "timeout": 3},
}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"
SIX_TIMES = "must be at least six times the function timeout plus the batching window"
TAGS_RULE = "Each tag key must be 1-128 characters and each tag value at most 256 characters"


def queue(**attributes) -> dict:
    return {"queue": attributes}


def fifo_queue(**attributes) -> dict:
    return queue(queue_arn=FIFO_ARN, fifo_queue=True, **attributes)


def function(**attributes) -> dict:
    return {"function": attributes}


def patterns(count: int) -> list[str]:
    return [json.dumps({"body": {"kind": [f"k{i}"]}}) for i in range(count)]


# The real modules, wired as callers wire them (see terraform/examples/orders-pipeline).
WIRING = """
module "wired_queue" {
  source                      = "../../terraform/modules/sqs-queue"
  name                        = "tf-wired.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  visibility_timeout_seconds  = 60
  kms_master_key_id           = "alias/orders"
}

module "wired_function" {
  source        = "../../terraform/modules/lambda-function"
  function_name = "tf-wired"
  source_dir    = "src"
  timeout       = 10
}
"""
WIRED = {"queue": "module.wired_queue", "function": "module.wired_function"}
FILES = (("src", tfkit.FIXTURES / "lambda-src"),)

RULES = [
    # EventSourceArn: the queue's ARN; the queue is in the function's Region.
    Case(
        "queue-arn-not-sqs",
        queue(queue_arn="arn:aws:sns:us-east-1:123456789012:t"),
        VARIABLE,
        "queue.queue_arn must be an SQS queue ARN, arn:aws:sqs:<region>:<12-digit account>:<queue"
        " name of at most 80 characters> (Lambda EventSourceArn for Amazon SQS is the ARN of the"
        ' queue); got "arn:aws:sns:us-east-1:123456789012:t"',
    ),
    Case(
        "queue-name-81-chars",
        queue(queue_arn="arn:aws:sqs:us-east-1:123456789012:" + "q" * 81),
        VARIABLE,
        "queue.queue_arn must be an SQS queue ARN",
    ),
    Case(
        "queue-in-another-region",
        queue(queue_arn="arn:aws:sqs:eu-west-1:123456789012:tf-src"),
        PRECONDITION,
        "The queue is in eu-west-1 but the mapping, and so the function, is in us-east-1 (Lambda:"
        " the function and the Amazon SQS queue must be in the same AWS Region",
    ),
    # The queue's own attributes, as the queue module gives them.
    Case(
        "queue-fifo-flag-without-suffix",
        queue(fifo_queue=True),
        VARIABLE,
        "queue.fifo_queue is true but the queue ARN does not end with .fifo (SQS: a queue is FIFO"
        " exactly when its name ends with .fifo)",
    ),
    Case(
        "queue-suffix-without-fifo-flag",
        queue(queue_arn=FIFO_ARN),
        VARIABLE,
        "queue.fifo_queue is false but the queue ARN ends with .fifo",
    ),
    Case(
        "queue-visibility-43201",
        queue(visibility_timeout_seconds=43201),
        VARIABLE,
        "queue.visibility_timeout_seconds must be an integer between 0 and 43200 (SQS"
        " VisibilityTimeout range); got 43201",
    ),
    # FunctionName, and the function's role and timeout.
    Case(
        "function-name-65-chars",
        function(function_name="f" * 65),
        VARIABLE,
        "function.function_name must be a Lambda function name (1-64 letters, digits, hyphens,"
        " underscores), optionally qualified (:alias or :version), or a function ARN (Lambda"
        " FunctionName rule)",
    ),
    Case(
        "function-name-bad-character",
        function(function_name="my.function"),
        VARIABLE,
        'FunctionName rule); got "my.function"',
    ),
    Case(
        "function-role-name-bad-character",
        function(role_name="role/name"),
        VARIABLE,
        "function.role_name must be an IAM role name: 1-64 characters of letters, digits and"
        ' +=,.@_- (IAM rule); got "role/name"',
    ),
    Case(
        "function-timeout-0",
        function(timeout=0),
        VARIABLE,
        "function.timeout must be an integer between 1 and 900 seconds (Lambda timeout range);"
        " got 0",
    ),
    Case(
        "function-timeout-901",
        function(timeout=901),
        VARIABLE,
        "function.timeout must be an integer between 1 and 900 seconds",
    ),
    # BatchSize: 1-10000; at most 10 on FIFO; above 10 needs a batching window.
    Case(
        "batch-0",
        {"batch_size": 0},
        VARIABLE,
        "batch_size must be an integer between 1 and 10000 (Lambda BatchSize for Amazon SQS: at"
        " most 10000 on a standard queue); got 0",
    ),
    Case(
        "batch-10001",
        {"batch_size": 10001},
        VARIABLE,
        "batch_size must be an integer between 1 and 10000",
    ),
    Case("batch-fractional", {"batch_size": 2.5}, VARIABLE, "got 2.5"),
    Case(
        "fifo-batch-11",
        {**fifo_queue(), "batch_size": 11},
        PRECONDITION,
        "batch_size is 11, but a FIFO queue allows at most 10 records per batch (Lambda"
        " BatchSize: for FIFO queues the max is 10)",
    ),
    Case(
        "batch-11-without-window",
        {"batch_size": 11},
        PRECONDITION,
        "batch_size 11 is above 10, which requires maximum_batching_window_in_seconds of at"
        " least 1 (Lambda: for Amazon SQS event sources, when you set BatchSize to a value greater"
        " than 10, you must set MaximumBatchingWindowInSeconds to at least 1); it is 0",
    ),
    # MaximumBatchingWindowInSeconds: 0-300 whole seconds; not on FIFO.
    Case(
        "window-negative",
        {"maximum_batching_window_in_seconds": -1},
        VARIABLE,
        "maximum_batching_window_in_seconds must be an integer between 0 and 300",
    ),
    Case(
        "window-301",
        {"maximum_batching_window_in_seconds": 301},
        VARIABLE,
        "maximum_batching_window_in_seconds must be an integer between 0 and 300 (Lambda"
        " MaximumBatchingWindowInSeconds range, in whole seconds); got 301",
    ),
    Case(
        "window-fractional",
        {"maximum_batching_window_in_seconds": 0.5},
        VARIABLE,
        "maximum_batching_window_in_seconds must be an integer between 0 and 300",
    ),
    Case(
        "fifo-window",
        {**fifo_queue(visibility_timeout_seconds=60), "maximum_batching_window_in_seconds": 5},
        PRECONDITION,
        'maximum_batching_window_in_seconds is 5, but the queue is FIFO (Lambda: "Batching window'
        ' is not supported for FIFO queues"); leave it 0.',
    ),
    Case(
        "fifo-window-from-the-queue-module",
        {"maximum_batching_window_in_seconds": 1},
        PRECONDITION,
        '(Lambda: "Batching window is not supported for FIFO queues")',
        hcl=WIRED,
    ),
    # The queue's visibility timeout against the function timeout (+ window).
    Case(
        "visibility-below-function-timeout",
        queue(visibility_timeout_seconds=2),
        PRECONDITION,
        "The queue's visibility timeout (2 s) is less than the function timeout (3 s): Lambda"
        ' refuses the mapping ("Queue visibility timeout: 2 seconds is less than Function'
        ' timeout: 3 seconds")',
    ),
    Case(
        "visibility-17-timeout-3",
        queue(visibility_timeout_seconds=17),
        PRECONDITION,
        SIX_TIMES + ": 6 x 3 + 0 = 18 s (AWS: set the source queue's visibility timeout to at"
        " least 6 x the function timeout + MaximumBatchingWindowInSeconds",
    ),
    Case(
        "visibility-below-6x-plus-window",
        {"maximum_batching_window_in_seconds": 5},
        PRECONDITION,
        SIX_TIMES + ": 6 x 3 + 5 = 23 s",
    ),
    # ScalingConfig.MaximumConcurrency 2-1000.
    Case(
        "maximum-concurrency-1",
        {"maximum_concurrency": 1},
        VARIABLE,
        "maximum_concurrency must be null or an integer between 2 and 1000 (Lambda ScalingConfig"
        " MaximumConcurrency range); got 1",
    ),
    Case(
        "maximum-concurrency-1001",
        {"maximum_concurrency": 1001},
        VARIABLE,
        "maximum_concurrency must be null or an integer between 2 and 1000",
    ),
    # FilterCriteria: at most 5 filters; each pattern a JSON object of at most 4096 characters.
    Case(
        "filter-patterns-6",
        {"filter_patterns": patterns(6)},
        VARIABLE,
        "filter_patterns may hold at most 5 patterns (Lambda quota: 5 filters per event source"
        " mapping); got 6",
    ),
    Case(
        "filter-pattern-invalid-json",
        {"filter_patterns": ['{"body": {"kind": ["a"]']},
        VARIABLE,
        "Each of filter_patterns must be valid JSON holding an object",
    ),
    Case(
        "filter-pattern-not-object",
        {"filter_patterns": ['["a"]']},
        VARIABLE,
        'Each of filter_patterns must be valid JSON holding an object, e.g. {"body": {"kind":'
        ' ["order"]}} (Lambda filter rule syntax); not one: "[\\"a\\"]"',
    ),
    Case(
        "filter-pattern-4097-chars",
        {"filter_patterns": [json.dumps({"body": {"kind": ["k" * 4073]}})]},
        VARIABLE,
        "Each of filter_patterns must be at most 4096 characters (Lambda Filter Pattern length);"
        " got 4097 characters",
    ),
    # MetricsConfig: EventCount is the SQS metric.
    Case(
        "metrics-error-count",
        {"metrics": ["ErrorCount"]},
        VARIABLE,
        'metrics may hold only "EventCount", once (Lambda MetricsConfig: EventCount is the metric'
        " of an Amazon SQS source; ErrorCount and KafkaMetrics are for Amazon MSK and self-managed"
        ' Apache Kafka only); got ["ErrorCount"]',
    ),
    Case(
        "metrics-kafka",
        {"metrics": ["EventCount", "KafkaMetrics"]},
        VARIABLE,
        'metrics may hold only "EventCount", once',
    ),
    Case(
        "metrics-event-count-twice",
        {"metrics": ["EventCount", "EventCount"]},
        VARIABLE,
        'metrics may hold only "EventCount", once',
    ),
    # Tags: at most 50; TagKey 1-128, TagValue <= 256, [\p{L}\p{Z}\p{N}_.:/=+\-@]*; no aws: keys.
    Case(
        "tags-51",
        {"tags": {f"k{i}": "v" for i in range(51)}},
        VARIABLE,
        "tags may hold at most 50 tags (Lambda: at most 50 tags per resource); got 51",
    ),
    Case("tag-key-129", {"tags": {"k" * 129: "v"}}, VARIABLE, TAGS_RULE),
    Case(
        "tag-value-257",
        {"tags": {"k": "v" * 257}},
        VARIABLE,
        TAGS_RULE + " (Lambda TagKey and TagValue lengths); too long: k",
    ),
    Case(
        "tag-bad-character",
        {"tags": {"team": "a*b"}},
        VARIABLE,
        "Tag keys and values may contain only Unicode letters, digits, spaces and _ . : / = + - @"
        ' (Lambda TagKey and TagValue pattern); offending keys: "team"',
    ),
    Case(
        "tag-key-aws-prefix",
        {"tags": {"aws:owner": "me"}},
        VARIABLE,
        "Tag keys must not start with aws: (AWS reserves that prefix); offending keys: aws:owner",
    ),
]

EDGES = [
    Case(
        "batch-10000-window-1-standard",
        {
            **queue(visibility_timeout_seconds=19),
            "batch_size": 10000,
            "maximum_batching_window_in_seconds": 1,
        },
    ),
    Case("batch-1", {"batch_size": 1}),
    Case("batch-10-without-window", {"batch_size": 10}),
    Case("fifo-batch-10", {**fifo_queue(), "batch_size": 10}),
    Case("visibility-exactly-6x-timeout", queue(visibility_timeout_seconds=18)),
    Case(
        "visibility-exactly-6x-timeout-plus-window-300",
        {**queue(visibility_timeout_seconds=318), "maximum_batching_window_in_seconds": 300},
    ),
    Case(
        "visibility-43200-timeout-900",
        {**queue(visibility_timeout_seconds=43200), **function(timeout=900)},
    ),
    Case("maximum-concurrency-2", {"maximum_concurrency": 2}),
    Case("maximum-concurrency-1000", {"maximum_concurrency": 1000}),
    Case("filter-patterns-5", {"filter_patterns": patterns(5)}),
    Case(
        "filter-pattern-4096-chars",
        {"filter_patterns": [json.dumps({"body": {"kind": ["k" * 4072]}})]},
    ),
    Case("metrics-event-count", {"metrics": ["EventCount"]}),
    Case(
        "no-batch-item-failures-disabled", {"report_batch_item_failures": False, "enabled": False}
    ),
    Case(
        "function-arn-with-alias",
        function(function_name="arn:aws:lambda:us-east-1:123456789012:function:tf-fn:live"),
    ),
    Case("function-name-with-version", function(function_name="tf-fn:7")),
    Case("tags-50", {"tags": {f"k{i:02d}" + "k" * 125: "v" * 256 for i in range(50)}}),
    Case("tags-every-allowed-character", {"tags": {"équipe 1_.:/=+-@": "données 2_.:/=+-@"}}),
    Case("queue-cross-account", queue(queue_arn="arn:aws:sqs:us-east-1:210987654321:tf-src")),
    # Every form of KMS key the queue module takes.
    Case("kms-key-arn", queue(kms_master_key_id=KEY_ARN)),
    Case("kms-key-id", queue(kms_master_key_id=KEY_ID)),
    Case("kms-alias", queue(kms_master_key_id="alias/orders")),
    Case(
        "kms-alias-arn",
        queue(kms_master_key_id="arn:aws:kms:us-east-1:210987654321:alias/shared/orders"),
    ),
    Case("kms-aws-managed", queue(kms_master_key_id="alias/aws/sqs")),
    Case("wired-from-the-modules", hcl=WIRED),
]

INVALID = Batch(MODULE, "invalid", BASE, tuple(RULES), prelude=WIRING, files=FILES)
VALID = Batch(MODULE, "valid", BASE, tuple(EDGES), prelude=WIRING, files=FILES, save_plan=True)
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


def test_the_kms_key_form_is_validated_by_the_queue_module_alone():
    """One pattern of the forms SQS takes, in sqs-queue; the trigger grants on the key the queue
    module outputs, so a second copy here could only drift from it."""
    pattern_mark = "mrk-[0-9a-fA-F]{32}"  # the multi-Region key ID, a part of no other pattern
    holders = sorted(
        path.relative_to(tfkit.TERRAFORM_ROOT).as_posix()
        for path in (tfkit.TERRAFORM_ROOT / "modules").rglob("*.tf")
        if pattern_mark in path.read_text()
    )
    assert holders == ["modules/sqs-queue/variables.tf"]


# Parameters of CreateEventSourceMapping that Lambda does not take for an SQS source (streams,
# Kafka, MQ, DocumentDB): the module has no input for them and never sets them.
NOT_FOR_SQS = [
    "starting_position",
    "starting_position_timestamp",
    "parallelization_factor",
    "bisect_batch_on_function_error",
    "destination_config",
    "maximum_retry_attempts",
    "maximum_record_age_in_seconds",
    "tumbling_window_in_seconds",
    "topics",
    "queues",
    "source_access_configuration",
    "self_managed_event_source",
    "self_managed_kafka_event_source_config",
    "amazon_managed_kafka_event_source_config",
    "document_db_event_source_config",
]


def mapping_arguments() -> set[str]:
    """The arguments and blocks (dynamic ones by name) the module gives its mapping."""
    text = module_docs.blank_comments((MODULE_DIR / "main.tf").read_text())
    body = module_docs.block_body(text, 'resource "aws_lambda_event_source_mapping" "this" {')
    return {name.removeprefix("dynamic ") for _, name, _ in module_docs.items(body)}


def test_the_mapping_arguments_are_found():
    assert {"batch_size", "scaling_config", "filter_criteria", "lifecycle"} <= mapping_arguments()


@pytest.mark.parametrize("parameter", NOT_FOR_SQS)
def test_parameters_not_for_sqs_cannot_be_set(parameter):
    inputs = {v.name for v in module_docs.parse_module(MODULE_DIR).variables}
    assert not {i for i in inputs if parameter in i}, f"{parameter} must not be an input"
    assert parameter not in mapping_arguments()


@pytest.mark.parametrize(
    ("case", "types"),
    [("batch-1", ["ReportBatchItemFailures"]), ("no-batch-item-failures-disabled", [])],
    ids=["report-batch-item-failures", "whole-batch"],
)
def test_function_response_types_is_only_report_batch_item_failures(planned, case, types):
    mapping = planned(VALID).planned(CASES[case])["aws_lambda_event_source_mapping.this"]
    assert (mapping["after"]["function_response_types"] or []) == types  # [] plans as null


def test_mapping_settings_reach_the_plan(planned):
    outcome = planned(VALID)
    after = outcome.planned(CASES["metrics-event-count"])["aws_lambda_event_source_mapping.this"]
    assert after["after"]["metrics_config"] == [{"metrics": ["EventCount"]}]
    after = outcome.planned(CASES["maximum-concurrency-2"])["aws_lambda_event_source_mapping.this"]
    assert after["after"]["scaling_config"] == [{"maximum_concurrency": 2}]
    assert after["after"]["event_source_arn"] == QUEUE_ARN


def test_wired_from_the_modules_everything_is_known_at_plan(planned):
    """`queue = module.x`, `function = module.y`: the queue module's ARN is known at plan, so the
    rules that read it (Region, FIFO suffix) and the role's grants are settled at plan."""
    outcome = planned(VALID)
    case = CASES["wired-from-the-modules"]
    mapping = outcome.planned(case)["aws_lambda_event_source_mapping.this"]
    assert (
        mapping["after"]["event_source_arn"] == "arn:aws:sqs:us-east-1:000000000000:tf-wired.fifo"
    )
    assert mapping["after"]["function_name"] == "tf-wired"
    policy = batches.planned_policy(outcome, case, "aws_iam_role_policy.this")
    assert [s["Sid"] for s in policy["Statement"]] == [
        "ConsumeQueue",
        "DecryptQueueMessagesByAlias",
    ]


CONSUME = {
    "Sid": "ConsumeQueue",
    "Effect": "Allow",
    "Action": [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
    ],
    "Resource": [QUEUE_ARN],
}
VIA_SQS = {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}


def decrypt(resource: str) -> dict:
    return {
        "Sid": "DecryptQueueMessages",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [resource],
        "Condition": {"StringEquals": VIA_SQS},
    }


def decrypt_by_alias(keys: str, alias: str) -> dict:
    return {
        "Sid": "DecryptQueueMessagesByAlias",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [keys],
        "Condition": {
            "StringEquals": VIA_SQS,
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": [alias]},
        },
    }


@pytest.mark.parametrize(
    ("case", "statements"),
    [
        ("batch-1", [CONSUME]),
        ("kms-key-arn", [CONSUME, decrypt(KEY_ARN)]),
        ("kms-key-id", [CONSUME, decrypt(KEY_ARN)]),
        (
            "kms-alias",
            [CONSUME, decrypt_by_alias("arn:aws:kms:us-east-1:123456789012:key/*", "alias/orders")],
        ),
        (
            "kms-alias-arn",
            [
                CONSUME,
                decrypt_by_alias("arn:aws:kms:us-east-1:210987654321:key/*", "alias/shared/orders"),
            ],
        ),
        ("kms-aws-managed", [CONSUME]),
    ],
    ids=["sse-sqs", "kms-key-arn", "kms-key-id", "kms-alias", "kms-alias-arn", "kms-aws-managed"],
)
def test_role_gets_exactly_the_poller_permissions(planned, case, statements):
    """kms:Decrypt on the key (a key ID becomes the key's ARN in the queue's account and Region);
    for an alias, on the keys that carry it (IAM cannot name a key by alias in Resource); none
    for alias/aws/sqs, whose AWS managed key policy already admits the account through SQS."""
    policy = batches.planned_policy(planned(VALID), CASES[case], "aws_iam_role_policy.this")
    assert policy == {"Version": "2012-10-17", "Statement": statements}
