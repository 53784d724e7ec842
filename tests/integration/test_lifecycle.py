"""The fixture lifecycle against the real emulator: apply, outputs, tags, destroy, and the
failure paths (failed test, Ctrl-C, SIGKILL, partial apply, rejected variables)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.terraform.runner import TerraformError
from sqs_lambda_harness.terraform.stacks import StackManager

pytestmark = pytest.mark.emulator
HERE = Path(__file__).parent


def queue_exists(sqs, url: str) -> bool:
    try:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return True
    except sqs.exceptions.QueueDoesNotExist:
        return False


def test_smoke_queue_is_applied_seen_with_boto3_and_destroyed_without_leftovers(
    stack_manager: StackManager, aws, harness_run
) -> None:
    applied = stack_manager.apply("stacks/queue", {"create_dlq": False}, label="smoke")
    sqs = aws("sqs")
    assert queue_exists(sqs, applied["queue_url"])
    tags = sqs.list_queue_tags(QueueUrl=applied["queue_url"])["Tags"]
    assert tags["harness:run-id"] == harness_run.id
    assert tags["harness:managed-by"] == "sqs-lambda-harness"
    assert applied["queue_name"].startswith(applied.prefix)

    stack_manager.destroy(applied)
    assert not queue_exists(sqs, applied["queue_url"])
    left = [
        x
        for x in sweeper.find(stack_manager.target, harness_run.id)
        if x.name.startswith(applied.prefix)
    ]
    assert left == []


def test_same_inputs_are_applied_once_per_session(shared_stack) -> None:
    first = shared_stack("stacks/queue", {"delay_seconds": 1, "create_dlq": False})
    again = shared_stack("stacks/queue", {"create_dlq": False, "delay_seconds": 1})
    other = shared_stack("stacks/queue", {"delay_seconds": 2, "create_dlq": False})
    assert first is again
    assert other.prefix != first.prefix


def test_variables_the_stack_rejects_fail_at_plan_with_the_rule_and_create_nothing(
    stack, aws
) -> None:
    with pytest.raises(TerraformError) as caught:
        stack("stacks/queue", {"receive_wait_time_seconds": 21}, label="rejected")
    assert "receive_wait_time_seconds" in str(caught.value)
    assert "20" in str(caught.value)
    queues = aws("sqs").list_queues(QueueNamePrefix="hx-").get("QueueUrls", [])
    assert not [q for q in queues if "-rejected-" in q]


def test_missing_stack_directory_is_refused_before_anything_runs(stack) -> None:
    with pytest.raises(HarnessError, match="is not a Terraform configuration"):
        stack("stacks/does-not-exist")


def test_partial_apply_is_destroyed_before_the_error_is_raised(
    stack_manager: StackManager, aws
) -> None:
    own = StackManager(
        stack_manager.toolchain,
        stack_manager.target,
        stack_manager.run,
        terraform_root=HERE / "stacks",
    )
    with pytest.raises(TerraformError, match="local-exec"):
        own.apply("broken", label="partial")
    assert own.live == []
    assert (own.history[-1].teardown, own.history[-1].ok) == ("destroy", True)
    queues = aws("sqs").list_queues(QueueNamePrefix="hx-").get("QueueUrls", [])
    assert not [q for q in queues if q.endswith("-partial")]


def test_a_failing_test_still_destroys_its_stack(child_run, harness_target) -> None:
    child = child_run("fail")
    assert child.wait() == 1, child.output()
    assert "CHILD APPLIED" in child.output()
    assert "this test fails on purpose" in child.output()
    assert sweeper.find(harness_target, child.run_id) == []


def test_ctrl_c_during_a_test_destroys_its_stack(child_run, harness_target) -> None:
    child = child_run("wait")
    child.wait_for_output("CHILD APPLIED", timeout=240)
    assert sweeper.find(harness_target, child.run_id) != []  # it really is there
    child.process.send_signal(signal.SIGINT)
    assert child.wait() != 0
    assert sweeper.find(harness_target, child.run_id) == [], child.output()[-3000:]


def test_sigkill_mid_apply_leaves_resources_the_sweeper_removes(child_run, harness_target) -> None:
    child = child_run("pipeline")
    child.wait_for_first_resource()  # in the middle of the apply
    child.kill_tree()
    found = sweeper.find(harness_target, child.run_id)
    assert found, "a killed apply should leave something behind"

    dry, _ = sweeper.sweep(harness_target, child.run_id, dry_run=True)
    assert [x.name for x in dry] == [x.name for x in found]
    assert sweeper.find(harness_target, child.run_id) == found  # dry run deleted nothing
    _, failures = sweeper.sweep(harness_target, child.run_id, dry_run=False)
    assert failures == []
    assert sweeper.find(harness_target, child.run_id) == []


def test_sweeper_touches_only_resources_with_both_prefix_and_tags(aws, harness_target) -> None:
    sqs = aws("sqs")
    tags = {
        "harness:run-id": "feed42",
        "harness:managed-by": "sqs-lambda-harness",
        "harness:started-at": "2020-01-01T00:00:00Z",
    }
    ours = sqs.create_queue(QueueName="hx-feed42-m-sweep-1", tags=tags)["QueueUrl"]
    untagged = sqs.create_queue(QueueName="hx-feed42-m-sweep-2")["QueueUrl"]
    unprefixed = sqs.create_queue(QueueName="team-queue-feed42", tags=tags)["QueueUrl"]
    other_owner = sqs.create_queue(
        QueueName="hx-feed42-m-sweep-3", tags={**tags, "harness:managed-by": "someone-else"}
    )["QueueUrl"]
    try:
        assert [x.name for x in sweeper.find(harness_target, "feed42")] == ["hx-feed42-m-sweep-1"]
        assert sweeper.find(harness_target, "feed42", older_than_seconds=10 * 365 * 86400) == []
        _, failures = sweeper.sweep(harness_target, "feed42", dry_run=False)
        assert failures == []
        assert not queue_exists(sqs, ours)
        for kept in (untagged, unprefixed, other_owner):
            assert queue_exists(sqs, kept)
    finally:
        for url in (untagged, unprefixed, other_owner):
            sqs.delete_queue(QueueUrl=url)
