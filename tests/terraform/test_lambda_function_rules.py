"""lambda-function: every Lambda limit is refused at plan with a message stating the rule, and
the edge values themselves plan. All cases of a kind share one plan (tests/terraform/batches.py).
"""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.terraform import batches, tfkit
from tests.terraform.batches import Batch, Case

pytestmark = [
    pytest.mark.terraform,
]

MODULE = "lambda-function"
BASE = {"source_dir": "src"}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"
RESERVED = "environment_variables must not set a reserved key"
WILDCARD = 'policy_statements actions must not contain "*"'


def statement(*actions: str) -> list[dict]:
    return [{"actions": list(actions), "resources": ["arn:aws:sqs:us-east-1:123456789012:q"]}]


RULES = [
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
        "reserved-concurrency-minus-2",
        {"reserved_concurrent_executions": -2},
        VARIABLE,
        "reserved_concurrent_executions must be -1 (unreserved) or an integer of at least 0",
    ),
    (
        "reserved-concurrency-fraction",
        {"reserved_concurrent_executions": 1.5},
        VARIABLE,
        "(Lambda ReservedConcurrentExecutions: minimum 0; 0 throttles every invocation)",
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

EDGES = [
    ("name-64-chars", {"function_name": "f" * 64}),
    ("timeout-1", {"timeout": 1}),
    ("timeout-900", {"timeout": 900}),
    ("memory-128", {"memory_size": 128}),
    ("memory-10240", {"memory_size": 10240}),
    ("reserved-concurrency-unreserved", {"reserved_concurrent_executions": -1}),
    ("reserved-concurrency-0", {"reserved_concurrent_executions": 0}),
    ("reserved-concurrency-900", {"reserved_concurrent_executions": 900}),
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
    ("ready-made-zip", {"source_dir": None, "zip_path": "package.zip"}),  # FILES has it
]


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def cases(rows: list[tuple], expected: bool) -> tuple[Case, ...]:
    """Each case packages its own zip (.build/<function_name>.zip): a unique name unless the
    case is about the name."""
    made = []
    for row in rows:
        inputs = {"function_name": f"tf-{row[0]}"[:64].replace(".", "-"), **row[1]}
        made.append(Case(row[0], inputs, *row[2:]) if expected else Case(row[0], inputs))
    return tuple(made)


FILES = (("src", tfkit.FIXTURES / "lambda-src"), ("package.zip", package()))
INVALID = Batch(MODULE, "invalid", BASE, cases(RULES, True), files=FILES)
VALID = Batch(MODULE, "valid", BASE, cases(EDGES, False), files=FILES, save_plan=True)


@pytest.mark.parametrize("case", INVALID.cases, ids=[c.id for c in INVALID.cases])
def test_rule_is_refused_at_plan(planned, case):
    batches.assert_refused(planned(INVALID), case)


def test_every_error_belongs_to_a_case(planned):
    outcome = planned(INVALID)
    assert not outcome.unattributed, batches.describe(outcome.unattributed)
    assert set(outcome.errors) == {c.id for c in INVALID.cases}


@pytest.mark.parametrize("case", VALID.cases, ids=[c.id for c in VALID.cases])
def test_edge_value_plans(planned, case):
    batches.assert_plans(planned(VALID), case)
