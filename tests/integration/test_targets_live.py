"""Target refusal and the `aws` code path, with the emulator posing as an AWS account."""

from __future__ import annotations

import pytest

from sqs_lambda_harness import sweeper
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import resolve_target, verify_target

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
