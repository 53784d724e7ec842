"""Names must be unique per run/worker/test and fit AWS limits once suffixes are added."""

import re

import pytest

from sqs_lambda_harness.terraform.naming import PREFIX_MAX, Run, name_prefix


@pytest.mark.parametrize(
    ("worker", "label"),
    [
        ("gw0", "test_delivery_through_the_mapping"),
        ("m", ""),
        ("gw17", "x" * 200),
        ("gw3", "Ünïcode & spaces [param-1]"),
    ],
)
def test_prefix_is_short_lowercase_and_valid_for_sqs_and_lambda(worker: str, label: str) -> None:
    prefix = name_prefix("a1b2c3", worker, label, serial=12)
    assert len(prefix) <= PREFIX_MAX
    assert re.fullmatch(r"hx-a1b2c3-[a-z0-9]+-[a-z0-9-]+-12", prefix), prefix
    # the longest suffixes the stacks add must still fit the AWS limits
    assert len(prefix + "-src-dlq.fifo") <= 80  # SQS queue name
    assert len(prefix + "-consumer") <= 64  # Lambda function name
    assert len(prefix + "-consumer-role") <= 64  # IAM role name


def test_prefixes_differ_by_worker_and_serial() -> None:
    names = {name_prefix("a1b2c3", w, "same test", s) for w in ("gw0", "gw1") for s in (1, 2)}
    assert len(names) == 4


def test_run_tags_carry_run_id_owner_start_and_a_safe_test_name(tmp_path) -> None:
    run = Run(id="a1b2c3", started_at="2026-11-23T12:00:00Z", directory=tmp_path)
    tags = run.tags("test_x[param#1]")
    assert tags["harness:run-id"] == "a1b2c3"
    assert tags["harness:managed-by"] == "sqs-lambda-harness"
    assert tags["harness:started-at"] == "2026-11-23T12:00:00Z"
    assert tags["harness:test"] == "test_x_param_1_"
