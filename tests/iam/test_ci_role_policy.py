"""The CI role's policy (terraform/modules/ci-role) is sufficient and each statement necessary.

Live, on MiniStack with IAM enforcement (conftest.py, runs.py): as the role, the pipeline stack
is applied and destroyed and the sweeper deletes a stack and seeded leftovers; without any one
statement, the step it governs fails with an AccessDenied naming one of its actions, and nothing
of that run is left (the sweeper as admin finds nothing).

Statically, against what each Terraform resource type and the sweeper call on AWS (REQUESTS),
for what MiniStack does not check: iam:PassRole and iam:PassedToService, the tags-at-create
permissions (sqs:TagQueue, lambda:TagResource, iam:TagRole, logs:TagResource), CreateFunction
on the function's own ARN, the condition keys lambda:FunctionArn and iam:PolicyARN, and both
forms of a log group's ARN. A small evaluator of Allow statements (Action, Resource, StringEquals
and ArnLike conditions; a key the request lacks fails its condition, as on AWS).
"""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from tests.iam.runs import RUNS, STATIC_ONLY

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

A = "000000000000"  # MiniStack's account, which the module's ARNs name
QUEUE = f"arn:aws:sqs:us-east-1:{A}:hx-1a2b3c-1-pipeline-1-src"
FUNCTION = f"arn:aws:lambda:us-east-1:{A}:function:hx-1a2b3c-1-pipeline-1-consumer"
MAPPING = f"arn:aws:lambda:us-east-1:{A}:event-source-mapping:6d7e5a4c-0b1f-4a0e-9d1e-0c2d3e4f5a6b"
ROLE = f"arn:aws:iam::{A}:role/hx-1a2b3c-1-pipeline-1-consumer-role"
POLICY = f"arn:aws:iam::{A}:policy/hx-1a2b3c-seeded"
LOG_GROUP = f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/hx-1a2b3c-1-pipeline-1-consumer"
TO_LAMBDA = {"iam:PassedToService": "lambda.amazonaws.com"}
OF_FUNCTION = {"lambda:FunctionArn": FUNCTION}
OTHER_FUNCTION = f"arn:aws:lambda:us-east-1:{A}:function:orders"

# What AWS authorizes for each step of each Terraform resource type the stacks use (provider
# 6.x) and of the sweeper: (who, action, resource, request context).
REQUESTS: list[tuple[str, str, str, dict[str, str]]] = [
    ("aws_sqs_queue create", "sqs:CreateQueue", QUEUE, {}),
    ("aws_sqs_queue create: its tags", "sqs:TagQueue", QUEUE, {}),
    ("aws_sqs_queue read", "sqs:GetQueueAttributes", QUEUE, {}),
    ("aws_sqs_queue read", "sqs:ListQueueTags", QUEUE, {}),
    ("aws_sqs_queue update", "sqs:SetQueueAttributes", QUEUE, {}),
    ("aws_sqs_queue update: tags", "sqs:UntagQueue", QUEUE, {}),
    ("aws_sqs_queue delete", "sqs:DeleteQueue", QUEUE, {}),
    ("aws_sqs_queue_redrive_policy create/delete", "sqs:SetQueueAttributes", QUEUE, {}),
    ("a function's GetQueueUrl (pipeline producer)", "sqs:GetQueueUrl", QUEUE, {}),
    ("sweeper: queues", "sqs:ListQueues", "*", {}),
    ("the scenarios: send (SendMessageBatch too)", "sqs:SendMessage", QUEUE, {}),
    ("the scenarios: receive", "sqs:ReceiveMessage", QUEUE, {}),
    ("the scenarios: delete (DeleteMessageBatch too)", "sqs:DeleteMessage", QUEUE, {}),
    ("the scenarios: hide longer", "sqs:ChangeMessageVisibility", QUEUE, {}),
    ("the scenarios: move a DLQ's messages back", "sqs:StartMessageMoveTask", QUEUE, {}),
    ("the scenarios: invoke a producer", "lambda:InvokeFunction", FUNCTION, {}),
    (
        "the scenarios and the usage: a function's logs",
        "logs:FilterLogEvents",
        LOG_GROUP + ":*",
        {},
    ),
    ("aws_lambda_function create", "lambda:CreateFunction", FUNCTION, {}),
    ("aws_lambda_function create: its tags", "lambda:TagResource", FUNCTION, {}),
    ("aws_lambda_function create: its role", "iam:PassRole", ROLE, TO_LAMBDA),
    ("aws_lambda_function read", "lambda:GetFunction", FUNCTION, {}),
    ("aws_lambda_function read", "lambda:GetFunctionCodeSigningConfig", FUNCTION, {}),
    ("aws_lambda_function read", "lambda:ListVersionsByFunction", FUNCTION, {}),
    ("aws_lambda_function read", "lambda:ListTags", FUNCTION, {}),
    ("aws_lambda_function update", "lambda:UpdateFunctionCode", FUNCTION, {}),
    ("aws_lambda_function update", "lambda:UpdateFunctionConfiguration", FUNCTION, {}),
    ("aws_lambda_function delete", "lambda:DeleteFunction", FUNCTION, {}),
    # reserved_concurrent_executions >= 0 (stacks/mappings' throttled function); back to -1
    (
        "aws_lambda_function create/update: reserved concurrency",
        "lambda:PutFunctionConcurrency",
        FUNCTION,
        {},
    ),
    (
        "aws_lambda_function update: reserved concurrency removed",
        "lambda:DeleteFunctionConcurrency",
        FUNCTION,
        {},
    ),
    ("sweeper: functions", "lambda:ListFunctions", "*", {}),
    ("sweeper: a function's mappings", "lambda:ListEventSourceMappings", "*", {}),
    ("aws_lambda_event_source_mapping create", "lambda:CreateEventSourceMapping", "*", OF_FUNCTION),
    ("aws_lambda_event_source_mapping create: its tags", "lambda:TagResource", MAPPING, {}),
    ("aws_lambda_event_source_mapping read", "lambda:GetEventSourceMapping", MAPPING, {}),
    ("aws_lambda_event_source_mapping read", "lambda:ListTags", MAPPING, {}),
    (
        "aws_lambda_event_source_mapping update",
        "lambda:UpdateEventSourceMapping",
        MAPPING,
        OF_FUNCTION,
    ),
    (
        "aws_lambda_event_source_mapping delete",
        "lambda:DeleteEventSourceMapping",
        MAPPING,
        OF_FUNCTION,
    ),
    ("aws_iam_role create", "iam:CreateRole", ROLE, {}),
    ("aws_iam_role create: its tags", "iam:TagRole", ROLE, {}),
    ("aws_iam_role read", "iam:GetRole", ROLE, {}),
    ("aws_iam_role read", "iam:ListRolePolicies", ROLE, {}),
    ("aws_iam_role read", "iam:ListAttachedRolePolicies", ROLE, {}),
    ("aws_iam_role update", "iam:UpdateAssumeRolePolicy", ROLE, {}),
    ("aws_iam_role delete", "iam:ListInstanceProfilesForRole", ROLE, {}),
    ("aws_iam_role delete", "iam:DeleteRole", ROLE, {}),
    ("sweeper: a role's tags", "iam:ListRoleTags", ROLE, {}),
    ("aws_iam_role_policy create/update", "iam:PutRolePolicy", ROLE, {}),
    ("aws_iam_role_policy read", "iam:GetRolePolicy", ROLE, {}),
    ("aws_iam_role_policy delete", "iam:DeleteRolePolicy", ROLE, {}),
    ("sweeper: roles", "iam:ListRoles", "*", {}),
    ("sweeper: managed policies", "iam:ListPolicies", "*", {}),
    ("sweeper: a policy's tags", "iam:ListPolicyTags", POLICY, {}),
    ("sweeper: a policy's roles", "iam:ListEntitiesForPolicy", POLICY, {}),
    ("sweeper: a policy's versions", "iam:ListPolicyVersions", POLICY, {}),
    ("sweeper: delete a policy version", "iam:DeletePolicyVersion", POLICY, {}),
    ("sweeper: delete a policy", "iam:DeletePolicy", POLICY, {}),
    ("sweeper: detach a policy", "iam:DetachRolePolicy", ROLE, {"iam:PolicyARN": POLICY}),
    ("aws_cloudwatch_log_group create", "logs:CreateLogGroup", LOG_GROUP + ":*", {}),
    ("aws_cloudwatch_log_group create: its tags", "logs:TagResource", LOG_GROUP, {}),
    ("aws_cloudwatch_log_group create: retention", "logs:PutRetentionPolicy", LOG_GROUP + ":*", {}),
    ("aws_cloudwatch_log_group read", "logs:DescribeLogGroups", "*", {}),
    ("aws_cloudwatch_log_group read", "logs:ListTagsForResource", LOG_GROUP, {}),
    (
        "aws_cloudwatch_log_group update: retention",
        "logs:DeleteRetentionPolicy",
        LOG_GROUP + ":*",
        {},
    ),
    ("aws_cloudwatch_log_group delete", "logs:DeleteLogGroup", LOG_GROUP + ":*", {}),
    ("sweeper: a log group's tags", "logs:ListTagsLogGroup", LOG_GROUP + ":*", {}),
]

# What the role must not do, each a way its grants could be too wide.
REFUSED: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "pass an hx- role to another service",
        "iam:PassRole",
        ROLE,
        {"iam:PassedToService": "ec2.amazonaws.com"},
    ),
    ("pass an hx- role naming no service", "iam:PassRole", ROLE, {}),
    ("pass a role that is not hx-", "iam:PassRole", f"arn:aws:iam::{A}:role/admin", TO_LAMBDA),
    ("create a function that is not hx-", "lambda:CreateFunction", OTHER_FUNCTION, {}),
    (
        "map a queue to a function that is not hx-",
        "lambda:CreateEventSourceMapping",
        "*",
        {"lambda:FunctionArn": OTHER_FUNCTION},
    ),
    ("map a queue naming no function", "lambda:CreateEventSourceMapping", "*", {}),
    (
        "delete the mapping of a function that is not hx-",
        "lambda:DeleteEventSourceMapping",
        MAPPING,
        {"lambda:FunctionArn": OTHER_FUNCTION},
    ),
    ("create a queue that is not hx-", "sqs:CreateQueue", f"arn:aws:sqs:us-east-1:{A}:orders", {}),
    (
        "read messages of a queue that is not hx-",
        "sqs:ReceiveMessage",
        f"arn:aws:sqs:us-east-1:{A}:orders",
        {},
    ),
    ("invoke a function that is not hx-", "lambda:InvokeFunction", OTHER_FUNCTION, {}),
    (
        "read the logs of a function that is not hx-",
        "logs:FilterLogEvents",
        f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/orders:*",
        {},
    ),
    (
        "detach a policy that is not hx-",
        "iam:DetachRolePolicy",
        ROLE,
        {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    ("attach a policy to an hx- role", "iam:AttachRolePolicy", ROLE, {"iam:PolicyARN": POLICY}),
    (
        "change its own permissions",
        "iam:PutRolePolicy",
        f"arn:aws:iam::{A}:role/sqs-lambda-harness-ci",
        {},
    ),
    (
        "delete a log group outside /aws/lambda/hx-",
        "logs:DeleteLogGroup",
        f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/orders:*",
        {},
    ),
    ("create a user", "iam:CreateUser", f"arn:aws:iam::{A}:user/hx-x", {}),
]


# Granted for changes the stacks' variables can make (tags, descriptions) that no request above
# names separately.
UPDATES_NOT_IN_REQUESTS = {
    "lambda:untagresource",
    "lambda:getfunctionconfiguration",
    "iam:untagrole",
    "iam:updaterole",
    "iam:updateroledescription",
    "logs:untagresource",
    "logs:tagloggroup",
    "logs:untagloggroup",
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str, case: bool = True) -> bool:
    """IAM's wildcard match: * any run of characters (":" and "/" too), ? one character."""
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _condition_holds(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, keys in condition.items():
        for key, wanted in keys.items():
            value = next((v for k, v in context.items() if k.lower() == key.lower()), None)
            if value is None:
                return False
            if operator == "StringEquals" and value not in _listed(wanted):
                return False
            if operator in ("ArnLike", "StringLike") and not any(
                _like(p, value) for p in _listed(wanted)
            ):
                return False
            if operator not in ("StringEquals", "ArnLike", "StringLike"):
                raise AssertionError(f"the evaluator does not know {operator}")
    return True


def allowing(policy: dict[str, Any], action: str, resource: str, context: dict[str, str]):
    """The Sids of the statements that allow the request."""
    sids = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", "the evaluator knows Allow statements only"
        if not any(_like(a, action, case=False) for a in _listed(statement["Action"])):
            continue
        if not any(_like(r, resource) for r in _listed(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), context):
            sids.append(statement["Sid"])
    return sids


# --- static --------------------------------------------------------------------------------


def test_every_statement_is_named_and_distinct(proven):
    sids = [s.get("Sid") for s in proven["policy"]["Statement"]]
    assert all(sids) and len(set(sids)) == len(sids), sids
    assert sids == proven["statement_ids"]


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{r[0]}: {r[1]}" for r in REQUESTS])
def test_what_terraform_and_the_sweeper_call_on_aws_is_allowed(proven, request_):
    who, action, resource, context = request_
    assert allowing(proven["policy"], action, resource, context), f"{who}: {action} on {resource}"


@pytest.mark.parametrize("request_", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_the_role_must_not_do_is_refused(proven, request_):
    why, action, resource, context = request_
    allowed = allowing(proven["policy"], action, resource, context)
    assert not allowed, f"{why}: {action} on {resource} is allowed by {allowed}"


def test_every_statement_is_needed_by_some_request_on_aws(proven):
    """Each statement is the only one allowing at least one request of REQUESTS."""
    needed = set()
    for _, action, resource, context in REQUESTS:
        sids = allowing(proven["policy"], action, resource, context)
        if len(sids) == 1:
            needed.add(sids[0])
    assert needed == set(proven["statement_ids"]), set(proven["statement_ids"]) - needed


def test_every_action_granted_is_called(proven):
    """No action is granted that no request of REQUESTS (or the sweeper) uses, resource by
    resource type: least privilege, checked both ways."""
    called = {(action.lower()) for _, action, _, _ in REQUESTS}
    granted = {a.lower() for s in proven["policy"]["Statement"] for a in _listed(s["Action"])}
    unused = granted - called - UPDATES_NOT_IN_REQUESTS
    assert not unused, f"granted but called by no step in REQUESTS: {sorted(unused)}"


def test_the_trust_is_one_repository_and_branch(proven):
    (statement,) = proven["trust"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": (
                "repo:example-org/sqs-lambda-harness:ref:refs/heads/main"
            ),
        }
    }


# --- live, on MiniStack with IAM enforcement ---------------------------------------------------


def test_every_statement_has_a_run_or_a_static_proof(proven):
    live = {r.removed for r in RUNS if r.removed}
    assert live | STATIC_ONLY == set(proven["statement_ids"])


@pytest.mark.parametrize("run", [r for r in RUNS if r.removed is None], ids=lambda r: r.name)
def test_the_whole_policy_is_enough(proven, run):
    outcome = proven["outcomes"][run.name]
    assert not outcome.error, f"{run.name} ({', '.join(run.steps)}) failed:\n{outcome.error}"
    assert outcome.cleanup == "as the role"
    assert not outcome.leftovers, outcome.leftovers


@pytest.mark.parametrize("run", [r for r in RUNS if r.removed], ids=lambda r: r.name)
def test_without_the_statement_its_step_is_refused(proven, run):
    outcome = proven["outcomes"][run.name]
    statement = next(s for s in proven["policy"]["Statement"] if s["Sid"] == run.removed)
    actions = {a.lower() for a in _listed(statement["Action"])}
    assert outcome.error, f"{run.name}: {', '.join(run.steps)} succeeded without {run.removed}"
    refused = [a for a in outcome.denied if a.lower() in actions]
    assert refused, (
        f"{run.name}: not refused an action of {run.removed} ({sorted(actions)}); "
        f"it failed with:\n{outcome.error}"
    )
    assert not outcome.leftovers, f"{run.name} left {outcome.leftovers}"


def test_nothing_is_left_behind(proven):
    assert not proven["remaining"], proven["remaining"]
