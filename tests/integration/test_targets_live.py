"""Target refusal and the `aws` code path, with the emulator posing as an AWS account; the
sweeper and the allow-list on every emulator the harness starts."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.cleanup.tags import (
    MANAGED_BY,
    TAG_MANAGED_BY,
    TAG_RUN_ID,
    TAG_STARTED_AT,
)
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import Target, registry, resolve_target, started, verify_target

pytestmark = pytest.mark.emulator
EMULATOR_ACCOUNT = "000000000000"


def test_wrong_account_is_refused_before_anything_is_applied(child_run, harness_target) -> None:
    child = child_run(
        "queue",
        "--harness-target",
        "aws",
        "--harness-aws-region",
        "us-east-1",
        "--harness-aws-account-allowlist",
        "111122223333",
    )
    assert child.wait() != 0
    output = child.output()
    assert f"credentials belong to account {EMULATOR_ACCOUNT}" in output
    assert "not on the allow-list (111122223333)" in output
    assert "CHILD APPLIED" not in output
    assert sweeper.find(harness_target, child.run_id) == []


def test_allow_listed_account_applies_through_the_aws_path_with_its_cap(
    child_run, harness_target
) -> None:
    child = child_run(
        "queue",
        "--harness-target",
        "aws",
        "--harness-aws-region",
        "us-east-1",
        "--harness-aws-account-allowlist",
        EMULATOR_ACCOUNT,
    )
    assert child.wait() == 0, child.output()[-3000:]
    assert "CHILD APPLIED" in child.output()
    assert "resource cap:" in child.output()  # the aws path plans first and counts
    assert sweeper.find(harness_target, child.run_id) == []


def test_resource_cap_refuses_an_apply_that_would_exceed_it(child_run, harness_target) -> None:
    child = child_run(
        "queue",
        "--harness-target",
        "aws",
        "--harness-aws-region",
        "us-east-1",
        "--harness-aws-account-allowlist",
        EMULATOR_ACCOUNT,
        "--harness-max-resources",
        "2",
    )
    assert child.wait() != 0
    assert "over its cap of 2" in child.output()
    assert sweeper.find(harness_target, child.run_id) == []


def test_verify_target_accepts_listed_and_refuses_unlisted_accounts(
    harness_target, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = resolve_target(
        "aws", endpoint=harness_target.endpoint, region="us-east-1", allowlist=EMULATOR_ACCOUNT
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")  # the aws target uses the normal chain
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    assert verify_target(listed) == EMULATOR_ACCOUNT
    unlisted = resolve_target(
        "aws", endpoint=harness_target.endpoint, region="us-east-1", allowlist="111122223333"
    )
    with pytest.raises(HarnessError, match="not on the allow-list"):
        verify_target(unlisted)


def test_unreachable_endpoint_is_a_clear_error() -> None:
    target = resolve_target("localstack", endpoint="http://127.0.0.1:9")
    with pytest.raises(HarnessError, match="Cannot reach the localstack target") as caught:
        verify_target(target)
    assert "TARGET=localstack" in caught.value.fix


def test_unknown_target_stops_pytest_at_start(child_run) -> None:
    child = child_run("queue", "--harness-target", "staging")
    assert child.wait() == 4  # pytest's usage-error exit code
    assert "Unknown target 'staging'" in child.output()


# ------------------------------------------------------------ every emulator the harness starts

ROLE_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
NOTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}]}
)


def _tags(run_id: str) -> dict[str, str]:
    return {TAG_RUN_ID: run_id, TAG_MANAGED_BY: MANAGED_BY, TAG_STARTED_AT: "2026-11-24T00:00:00Z"}


def _make_resources(target: Target, name: str, tags: dict[str, str]) -> None:
    """A queue, role, policy, log group and function named `name`, each with `tags`."""
    listed = [{"Key": k, "Value": v} for k, v in tags.items()]
    target.client("sqs").create_queue(QueueName=name, tags=tags)
    iam = target.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ROLE_TRUST, Tags=listed)
    iam.create_policy(PolicyName=name, PolicyDocument=NOTHING, Tags=listed)
    target.client("logs").create_log_group(logGroupName=f"/aws/lambda/{name}", tags=tags)
    if not target.capability("lambda_functions").supported:
        return
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    target.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
        Tags=tags,
    )


@pytest.mark.parametrize("name", registry.names())
def test_sweeper_and_allow_list_work_on_each_emulator(
    name: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On each emulator the harness starts: the sweeper selects exactly one run's resources
    (harness name AND tags), a dry run deletes nothing, a sweep deletes them all and nothing
    else; and the allow-list accepts that emulator's account and refuses any other."""
    with started(name, tmp_path / "logs") as emulator:
        target, account = emulator.target, emulator.account
        ours, other_run = "a1b2c3", "d4e5f6"
        _make_resources(target, f"hx-{ours}-sweep", _tags(ours))
        _make_resources(target, f"hx-{other_run}-sweep", _tags(other_run))
        target.client("sqs").create_queue(QueueName=f"hx-{ours}-untagged")  # name, no tags
        target.client("sqs").create_queue(QueueName="not-ours", tags=_tags(ours))  # tags, no name

        kinds = ["log group", "iam role", "iam policy", "sqs queue"]
        if target.capability("lambda_functions").supported:
            kinds.append("lambda function")
        found = sweeper.find(target, ours)
        assert sorted(leftover.kind for leftover in found) == sorted(kinds), found
        assert {leftover.run_id for leftover in found} == {ours}
        selected, failures = sweeper.sweep(target, ours, dry_run=True)
        assert selected == found and failures == []
        assert sweeper.find(target, ours) == found, "a dry run deleted something"
        _, failures = sweeper.sweep(target, ours, dry_run=False)
        assert failures == []
        assert sweeper.find(target, ours) == []
        assert len(sweeper.find(target, other_run)) == len(kinds), "another run's were touched"
        queues = target.client("sqs").list_queues().get("QueueUrls", [])
        assert {url.rsplit("/", 1)[1] for url in queues} >= {f"hx-{ours}-untagged", "not-ours"}

        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")  # the aws target uses the normal chain
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        posing = dict(endpoint=target.endpoint, region="us-east-1")
        assert verify_target(resolve_target("aws", allowlist=account, **posing)) == account
        with pytest.raises(HarnessError, match="not on the allow-list"):
            verify_target(resolve_target("aws", allowlist="111122223333", **posing))
