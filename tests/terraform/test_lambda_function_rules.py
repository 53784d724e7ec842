"""lambda-function: every Lambda limit is refused at plan with a message stating the rule, and
the edge values themselves plan."""

from __future__ import annotations

import zipfile

import pytest

from tests.terraform import tfkit

pytestmark = [
    pytest.mark.terraform,
]

FIXTURE = "lambda-function"
BASE = {"function_name": "tf-fn", "source_dir": "src"}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"
RESERVED = "environment_variables must not set a reserved key"
WILDCARD = 'policy_statements actions must not contain "*"'


def statement(*actions: str) -> list[dict]:
    return [{"actions": list(actions), "resources": ["arn:aws:sqs:us-east-1:123456789012:q"]}]


INVALID = [
    (
        "name-65-chars",
        {"function_name": "f" * 65},
        VARIABLE,
        "function_name must be 1-64 characters of letters, digits, hyphens and underscores",
    ),
    (
        "name-bad-character",
        {"function_name": "my.function"},
        VARIABLE,
        "function_name must be 1-64 characters",
    ),
    (
        "timeout-0",
        {"timeout": 0},
        VARIABLE,
        "timeout must be an integer between 1 and 900 seconds (Lambda maximum timeout is 15"
        " minutes)",
    ),
    ("timeout-901", {"timeout": 901}, VARIABLE, "timeout must be an integer between 1 and 900"),
    (
        "memory-127",
        {"memory_size": 127},
        VARIABLE,
        "memory_size must be an integer between 128 and 10240 MB",
    ),
    (
        "memory-10241",
        {"memory_size": 10241},
        VARIABLE,
        "memory_size must be an integer between 128 and 10240 MB",
    ),
    (
        "runtime-nodejs20",
        {"runtime": "nodejs20.x"},
        VARIABLE,
        "runtime must be one of python3.9, python3.10, python3.11, python3.12, python3.13",
    ),
    ("runtime-python3.8", {"runtime": "python3.8"}, VARIABLE, "runtime must be one of python3.9"),
    (
        "reserved-env-aws-region",
        {"environment_variables": {"AWS_REGION": "eu-west-1"}},
        VARIABLE,
        RESERVED,
    ),
    (
        "reserved-env-function-name",
        {"environment_variables": {"AWS_LAMBDA_FUNCTION_NAME": "x"}},
        VARIABLE,
        RESERVED,
    ),
    (
        "reserved-env-handler",
        {"environment_variables": {"_HANDLER": "x"}},
        VARIABLE,
        "environment_variables keys must start with a letter",
    ),
    (
        "env-key-starts-with-digit",
        {"environment_variables": {"1KEY": "x"}},
        VARIABLE,
        "environment_variables keys must start with a letter",
    ),
    (
        "env-over-4kb",
        {"environment_variables": {"BIG": "x" * 4094}},
        VARIABLE,
        "(Lambda limits all environment variables to 4 KB)",
    ),
    ("wildcard-action-sqs", {"policy_statements": statement("sqs:*")}, VARIABLE, WILDCARD),
    ("wildcard-action-star", {"policy_statements": statement("*")}, VARIABLE, WILDCARD),
    ("wildcard-action-prefix", {"policy_statements": statement("sqs:Get*")}, VARIABLE, WILDCARD),
    (
        "action-format",
        {"policy_statements": statement("SendMessage")},
        VARIABLE,
        "policy_statements actions must look like service:Action",
    ),
    (
        "statement-without-resources",
        {"policy_statements": [{"actions": ["sqs:SendMessage"], "resources": []}]},
        VARIABLE,
        "needs at least one action and one resource",
    ),
    (
        "statement-bad-effect",
        {
            "policy_statements": [
                {"effect": "Permit", "actions": ["sqs:SendMessage"], "resources": ["*"]}
            ]
        },
        VARIABLE,
        'policy_statements effect must be "Allow" or "Deny"',
    ),
    (
        "log-retention-2",
        {"log_retention_in_days": 2},
        VARIABLE,
        "(the values CloudWatch Logs accepts)",
    ),
    (
        "description-257",
        {"description": "d" * 257},
        VARIABLE,
        "description must be at most 256 characters",
    ),
    (
        "handler-with-space",
        {"handler": "handler handler"},
        VARIABLE,
        "handler must be 1-128 characters without whitespace",
    ),
    (
        "both-source-dir-and-zip",
        {"zip_path": "package.zip"},
        PRECONDITION,
        "Set exactly one of source_dir and zip_path (got both)",
    ),
    (
        "neither-source-dir-nor-zip",
        {"source_dir": None},
        PRECONDITION,
        "Set exactly one of source_dir and zip_path (got neither)",
    ),
    (
        "zip-path-missing",
        {"source_dir": None, "zip_path": "missing.zip"},
        PRECONDITION,
        "zip_path does not name an existing file",
    ),
    (
        "zip-path-not-zip",
        {"source_dir": None, "zip_path": "package.tar.gz"},
        VARIABLE,
        "zip_path must be null or the path of a .zip file",
    ),
]

VALID = [
    ("name-64-chars", {"function_name": "f" * 64}),
    ("timeout-1", {"timeout": 1}),
    ("timeout-900", {"timeout": 900}),
    ("memory-128", {"memory_size": 128}),
    ("memory-10240", {"memory_size": 10240}),
    ("runtime-python3.9", {"runtime": "python3.9"}),
    ("runtime-python3.13", {"runtime": "python3.13"}),
    ("env-vars", {"environment_variables": {"QUEUE_URL": "http://q", "TZ_NAME": "UTC"}}),
    (
        "explicit-actions",
        {
            "policy_statements": [
                {
                    "sid": "Send",
                    "actions": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                    "resources": ["*"],
                },
                {"effect": "Deny", "actions": ["sqs:DeleteQueue"], "resources": ["*"]},
            ]
        },
    ),
    ("log-retention-3653", {"log_retention_in_days": 3653}),
]


@pytest.mark.parametrize(
    ("overrides", "summary", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_input_fails_at_plan(plan_case, overrides, summary, message):
    tfkit.assert_fails_with(plan_case(FIXTURE, {**BASE, **overrides}), summary, message)


@pytest.mark.parametrize("overrides", [c[1] for c in VALID], ids=[c[0] for c in VALID])
def test_edge_value_plans(plan_case, overrides):
    tfkit.assert_plans(plan_case(FIXTURE, {**BASE, **overrides}))


def test_ready_made_zip_plans(plan_case, tmp_path):
    package = tmp_path / "package.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    tfkit.assert_plans(plan_case(FIXTURE, {**BASE, "source_dir": None, "zip_path": str(package)}))
