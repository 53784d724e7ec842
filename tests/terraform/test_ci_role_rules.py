"""ci-role: every rule of its inputs is refused at plan with a message stating it, the edge
values plan, and the planned role trusts exactly one repository's branch or environment.
All cases of a kind share one plan (tests/terraform/batches.py)."""

from __future__ import annotations

import json

import pytest

from tests.terraform import batches
from tests.terraform.batches import Batch, Case

pytestmark = [
    pytest.mark.terraform,
]

MODULE = "ci-role"
PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
BASE = {"github_repository": "example-org/sqs-lambda-harness", "oidc_provider_arn": PROVIDER_ARN}
VARIABLE = "Invalid value for variable"
PRECONDITION = "Resource precondition failed"


def named(case_id: str, inputs: dict, *expected: str) -> Case:
    """Each case names its own role (the roles of one plan must differ only for readers)."""
    return Case(case_id, {"role_name": f"ci-{case_id}"[:64], **inputs}, *expected)


RULES = [
    Case("role-name-65-chars", {"role_name": "r" * 65}, VARIABLE, "role_name must be 1-64"),
    Case("role-name-bad-character", {"role_name": "ci role"}, VARIABLE, "(IAM role name rule)"),
    Case(
        "role-name-hx-prefix",
        {"role_name": "hx-ci"},
        VARIABLE,
        "role_name must not start with hx-: the role may create, change and delete every hx-"
        " role, so it would be able to rewrite its own permissions.",
    ),
    named(
        "repository-without-owner",
        {"github_repository": "sqs-lambda-harness"},
        VARIABLE,
        "github_repository must be OWNER/REPO",
    ),
    named(
        "repository-wildcard",
        {"github_repository": "example-org/*"},
        VARIABLE,
        "github_repository must be OWNER/REPO",
    ),
    named(
        "branch-wildcard", {"github_branch": "release/*"}, VARIABLE, "github_branch must be a plain"
    ),
    named(
        "branch-with-refs-prefix",
        {"github_branch": "refs/heads/main"},
        VARIABLE,
        "without refs/heads/",
    ),
    named(
        "environment-wildcard",
        {"github_environment": "prod*"},
        VARIABLE,
        "github_environment must be null or an environment name",
    ),
    named(
        "oidc-arn-other-provider",
        {"oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com"},
        VARIABLE,
        "oidc_provider_arn must be null or the ARN of GitHub's OIDC provider",
    ),
    named(
        "oidc-both",
        {"create_oidc_provider": True},
        PRECONDITION,
        "Set exactly one of create_oidc_provider = true and oidc_provider_arn (got both)",
    ),
    named(
        "oidc-neither",
        {"oidc_provider_arn": None},
        PRECONDITION,
        "Set exactly one of create_oidc_provider = true and oidc_provider_arn (got neither)",
    ),
    named(
        "session-3599",
        {"max_session_duration": 3599},
        VARIABLE,
        "max_session_duration must be an integer between 3600 and 43200 seconds",
    ),
    named(
        "session-43201",
        {"max_session_duration": 43201},
        VARIABLE,
        "(IAM MaxSessionDuration: 1 to 12 hours)",
    ),
    named(
        "boundary-not-a-policy",
        {"permissions_boundary_arn": "arn:aws:iam::123456789012:role/boundary"},
        VARIABLE,
        "permissions_boundary_arn must be null or an IAM managed policy ARN",
    ),
    named(
        "tags-harness-key",
        {"tags": {"harness:run-id": "x"}},
        VARIABLE,
        "Tag keys must not start with aws: (reserved by AWS) or harness:",
    ),
    named("tags-aws-key", {"tags": {"aws:x": "x"}}, VARIABLE, "Tag keys must not start with aws:"),
]

EDGES = [
    named("role-name-64-chars", {"role_name": "r" * 64}),
    named("branch", {"github_branch": "release/2026.11"}),
    named("environment", {"github_environment": "aws-test-account"}),
    named("creates-the-provider", {"create_oidc_provider": True, "oidc_provider_arn": None}),
    named("session-43200", {"max_session_duration": 43200}),
    named(
        "boundary",
        {"permissions_boundary_arn": "arn:aws:iam::123456789012:policy/boundaries/ci"},
    ),
]

INVALID = Batch(MODULE, "invalid", BASE, tuple(RULES))
VALID = Batch(MODULE, "valid", BASE, tuple(EDGES), save_plan=True)


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


def trust(planned, case_id: str) -> dict:
    case = next(c for c in VALID.cases if c.id == case_id)
    change = planned(VALID).planned(case)["aws_iam_role.this"]
    return json.loads(change["after"]["assume_role_policy"])


@pytest.mark.parametrize(
    ("case_id", "subject"),
    [
        ("branch", "repo:example-org/sqs-lambda-harness:ref:refs/heads/release/2026.11"),
        ("environment", "repo:example-org/sqs-lambda-harness:environment:aws-test-account"),
        ("session-43200", "repo:example-org/sqs-lambda-harness:ref:refs/heads/main"),
    ],
)
def test_the_role_trusts_one_repository_and_one_subject(planned, case_id, subject):
    (statement,) = trust(planned, case_id)["Statement"]
    assert statement["Principal"] == {"Federated": PROVIDER_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subject,
        }
    }


def test_the_policy_is_named_statements_on_hx_resources(planned):
    case = next(c for c in VALID.cases if c.id == "branch")
    policy = batches.planned_policy(planned(VALID), case, "aws_iam_role_policy.this")
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(set(sids)) == len(sids) and all(sids)
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"]), statement["Sid"]
        for resource in statement["Resource"]:
            assert (
                resource == "*"
                or ":hx-" in resource
                or "/hx-" in resource
                or (resource.endswith(":event-source-mapping:*"))
            ), f"{statement['Sid']}: {resource}"
