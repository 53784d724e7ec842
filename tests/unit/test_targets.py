"""Target configuration is refused before anything is contacted when it is wrong."""

from pathlib import Path

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import (
    AWS_RESOURCE_CAP,
    Target,
    localstack,
    parse_allowlist,
    registry,
    resolve_target,
    resolve_teardown,
    target_names,
)
from sqs_lambda_harness.targets.registry import Launch


def test_unknown_target_names_the_valid_ones() -> None:
    with pytest.raises(HarnessError, match="Unknown target 'staging'") as caught:
        resolve_target("staging")
    assert "embedded, localstack, moto, aws" in caught.value.fix
    assert "ministack for embedded" in caught.value.fix


def test_target_names_are_the_registered_emulators_then_aws() -> None:
    assert target_names() == ("embedded", "localstack", "moto", "aws")


def test_ministack_is_the_embedded_target_under_another_name() -> None:
    """Reports and matrices keep saying `embedded`, whichever name was chosen."""
    alias, canonical = resolve_target("MiniStack"), resolve_target("embedded")
    assert alias == canonical and alias.name == "embedded" and alias.started_by_harness


def test_aws_without_allowlist_is_refused_and_says_what_to_set() -> None:
    with pytest.raises(HarnessError, match="no account allow-list") as caught:
        resolve_target("aws", region="eu-west-1", allowlist=None)
    assert "HARNESS_AWS_ACCOUNT_ALLOWLIST" in caught.value.fix


def test_aws_without_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(HarnessError, match="explicit region"):
        resolve_target("aws", allowlist="111122223333")


@pytest.mark.parametrize("raw", ["12345", "1111222233334", "abcdabcdabcd", "111122223333,x"])
def test_allowlist_entries_must_be_twelve_digits(raw: str) -> None:
    with pytest.raises(HarnessError, match="12-digit"):
        parse_allowlist(raw)


def test_allowlist_parses_spaces_and_commas() -> None:
    assert parse_allowlist(" 111122223333, 444455556666 ,") == ("111122223333", "444455556666")


def test_aws_target_has_a_resource_cap_by_default() -> None:
    target = resolve_target("aws", region="eu-west-1", allowlist="111122223333")
    assert target.max_resources == AWS_RESOURCE_CAP
    assert target.emulated is False
    assert "AWS_ACCESS_KEY_ID" not in target.env()  # real credentials come from the chain


@pytest.mark.parametrize("name", ["embedded", "localstack", "moto"])
def test_emulator_targets_without_an_endpoint_are_started_by_the_harness(name: str) -> None:
    target = resolve_target(name)
    assert target.endpoint is None and target.started_by_harness
    given = resolve_target(name, endpoint="http://localhost:4566")
    assert not given.started_by_harness
    env = given.env()
    assert env["AWS_ENDPOINT_URL"] == "http://localhost:4566"
    assert env["AWS_ACCESS_KEY_ID"] == "test"


def test_localstack_runs_lambdas_as_a_host_process_with_its_poller_back_off_capped(
    tmp_path: Path,
) -> None:
    host = resolve_target("localstack")
    # The harness's host executor runs them, and one LocalStack serves the whole run.
    assert host.capability("lambda_execution").supported
    assert registry.find("localstack").scope == "run"
    assert registry.find("embedded").scope == "worker"
    assert host.capability("lambda_functions").supported
    # Its poller's back-off on empty receives is capped (AWS polls without pause).
    launch = Launch(4566, tmp_path / "env", tmp_path / "data")
    environment = localstack.environment(launch)
    assert environment["LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC"] == "1"
    given = resolve_target("localstack", endpoint="http://localhost:4566")
    assert given.capability("lambda_execution").supported
    assert host.capability("dlq_message_move").supported


def test_moto_declares_what_it_lacks_and_where_it_diverges() -> None:
    target = resolve_target("moto")
    assert not target.capability("lambda_execution").supported
    assert "StartMessageMoveTask" in target.capability("dlq_message_move").reason
    for divergence in ("dlq_source_arn", "fifo_duplicate_message_id"):
        assert target.capability(divergence).diverges, divergence
        assert target.capability(divergence).reason


@pytest.mark.parametrize("name", ["embedded", "localstack", "moto", "aws"])
def test_every_tolerance_says_what_it_rests_on(name: str) -> None:
    target = resolve_target(name, region="eu-west-1", allowlist="111122223333")
    assert target.tolerances.why not in ("", "defaults"), name


def test_bad_endpoint_url_is_refused() -> None:
    with pytest.raises(HarnessError, match="not an http"):
        resolve_target("localstack", endpoint="localhost:4566")


def test_embedded_declares_ministack_gaps_as_capabilities() -> None:
    target = resolve_target("embedded")
    assert not target.capability("dlq_message_move").supported
    assert target.capability("batch_response_validation").diverges
    assert target.capability("anything_else").supported


def test_aws_posing_endpoint_keeps_real_credential_chain() -> None:
    target = Target(name="aws", region="us-east-1", endpoint="http://127.0.0.1:1")
    assert target.emulated is False
    assert target.env()["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


def test_teardown_defaults_to_discard_only_for_the_emulator_the_harness_starts() -> None:
    for name in ("embedded", "localstack", "moto"):
        assert resolve_teardown(None, resolve_target(name)) == "discard"
    given = resolve_target("embedded", endpoint="http://127.0.0.1:4566")
    assert resolve_teardown(None, given) == "destroy"
    assert resolve_teardown("", resolve_target("localstack", endpoint=given.endpoint)) == "destroy"
    aws = resolve_target("aws", region="eu-west-1", allowlist="111122223333")
    assert resolve_teardown(None, aws) == "destroy"
    assert resolve_teardown("DESTROY", resolve_target("embedded")) == "destroy"


@pytest.mark.parametrize(
    "target",
    [
        resolve_target("embedded", endpoint="http://127.0.0.1:4566"),
        resolve_target("localstack", endpoint="http://127.0.0.1:4566"),
        resolve_target("moto", endpoint="http://127.0.0.1:5000"),
        resolve_target("aws", region="eu-west-1", allowlist="111122223333"),
    ],
    ids=["given-endpoint", "localstack-endpoint", "moto-endpoint", "aws"],
)
def test_discard_is_refused_on_a_target_that_outlives_the_run(target) -> None:
    with pytest.raises(HarnessError, match="Refusing teardown mode discard") as caught:
        resolve_teardown("discard", target)
    assert "leave every stack behind" in str(caught.value)


def test_unknown_teardown_mode_names_the_choices() -> None:
    with pytest.raises(HarnessError, match="Unknown teardown mode 'keep'") as caught:
        resolve_teardown("keep", resolve_target("embedded"))
    assert "destroy, discard" in str(caught.value)


def test_a_stand_in_gives_the_aws_path_its_emulators_declared_capabilities() -> None:
    target = resolve_target(
        "aws", "https://127.0.0.1:4566", "us-east-1", "000000000000", stand_in="embedded"
    )
    assert target.name == "aws" and not target.emulated  # the aws path: the caller's keys
    assert target.max_resources == 250
    embedded = resolve_target("embedded", "http://127.0.0.1:4566")
    assert target.capabilities == embedded.capabilities
    assert resolve_target("aws", None, "us-east-1", "000000000000").capabilities == {}


@pytest.mark.parametrize(
    ("name", "endpoint", "stand_in", "problem"),
    [
        ("aws", None, "embedded", "without an endpoint"),
        ("aws", "https://127.0.0.1:1", "nosuch", "Unknown stand-in 'nosuch'"),
        ("embedded", "http://127.0.0.1:1", "embedded", "answers only for the aws target"),
    ],
)
def test_a_stand_in_is_refused_where_it_would_mislead(
    name: str, endpoint: str | None, stand_in: str, problem: str
) -> None:
    with pytest.raises(HarnessError, match=problem):
        resolve_target(name, endpoint, "us-east-1", "000000000000", stand_in=stand_in)
