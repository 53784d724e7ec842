"""Settings are read once, with one rule: option > environment variable > ini > default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.settings import Settings


def load(
    tmp_path: Path,
    options: dict[str, str | None] | None = None,
    environ: dict[str, str] | None = None,
    ini: dict[str, str | None] | None = None,
) -> Settings:
    return Settings.load(options=options or {}, environ=environ or {}, ini=ini or {}, root=tmp_path)


def test_nothing_given_is_the_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.target == "embedded"
    assert settings.work_dir == tmp_path / ".harness"
    assert settings.terraform_root == (tmp_path / "terraform").resolve()
    assert settings.max_resources is None and settings.teardown is None
    assert settings.report is None and settings.html is None
    assert settings.emulator_port is None and settings.build_missing is False
    assert settings.apply_slots == (os.cpu_count() or 0)


def test_an_option_beats_its_variable(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        options={"target": "moto", "max_resources": "7", "report": "r.json"},
        environ={"HARNESS_TARGET": "localstack", "HARNESS_MAX_RESOURCES": "9"},
    )
    assert (settings.target, settings.max_resources, settings.report) == ("moto", 7, Path("r.json"))


def test_a_variable_applies_where_no_option_is_given(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        options={"target": None, "aws_region": None},
        environ={"HARNESS_TARGET": "localstack", "AWS_REGION": "eu-west-1"},
    )
    assert (settings.target, settings.aws_region) == ("localstack", "eu-west-1")


def test_an_option_beats_the_ini_and_the_ini_beats_the_default(tmp_path: Path) -> None:
    ini = {"terraform_root": "infra"}
    from_ini = load(tmp_path, ini=ini)
    from_option = load(tmp_path, options={"terraform_root": "other"}, ini=ini)
    assert from_ini.terraform_root == (tmp_path / "infra").resolve()
    assert from_option.terraform_root == (tmp_path / "other").resolve()


def test_a_blank_value_counts_as_unset(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        options={"target": "  "},
        environ={"HARNESS_TARGET": "moto", "HARNESS_MAX_RESOURCES": "", "HARNESS_WORK_DIR": ""},
    )
    assert settings.target == "moto"
    assert settings.max_resources is None
    assert settings.work_dir == tmp_path / ".harness"


def test_the_environment_only_settings_are_typed(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        environ={
            "HARNESS_RUN_ID": "abc123",
            "HARNESS_RUN_STARTED_AT": "2026-11-23T00:00:00Z",
            "HARNESS_WORK_DIR": str(tmp_path / "work"),
            "HARNESS_EMULATOR_TIMEOUT": "90.5",
            "HARNESS_EMULATOR_PORT": "4599",
            "HARNESS_APPLY_SLOTS": "0",
            "HARNESS_BUILD_MISSING": "1",
        },
    )
    assert (settings.run_id, settings.run_started_at) == ("abc123", "2026-11-23T00:00:00Z")
    assert settings.work_dir == tmp_path / "work"
    assert (settings.emulator_timeout, settings.emulator_port) == (90.5, 4599)
    assert (settings.apply_slots, settings.build_missing) == (0, True)


def test_zero_max_resources_means_no_cap(tmp_path: Path) -> None:
    assert load(tmp_path, environ={"HARNESS_MAX_RESOURCES": "0"}).max_resources is None


@pytest.mark.parametrize(
    ("options", "environ", "message"),
    [
        ({}, {"HARNESS_MAX_RESOURCES": "lots"}, "HARNESS_MAX_RESOURCES='lots' is not a whole"),
        ({"max_resources": "-1"}, {}, "--harness-max-resources='-1' is not a whole number"),
        ({}, {"HARNESS_APPLY_SLOTS": "two"}, "HARNESS_APPLY_SLOTS='two' is not a whole number"),
        ({}, {"HARNESS_EMULATOR_TIMEOUT": "soon"}, "HARNESS_EMULATOR_TIMEOUT='soon' is not a"),
        ({}, {"HARNESS_EMULATOR_TIMEOUT": "0"}, "HARNESS_EMULATOR_TIMEOUT='0' is not a positive"),
        ({}, {"HARNESS_EMULATOR_PORT": "70000"}, "HARNESS_EMULATOR_PORT='70000' is not a TCP"),
        ({}, {"HARNESS_BUILD_MISSING": "maybe"}, "HARNESS_BUILD_MISSING='maybe' is neither"),
        ({"emulator_scope": "node"}, {}, "--harness-emulator-scope='node' is not an emulator"),
    ],
)
def test_a_bad_value_names_where_it_came_from_and_how_to_fix_it(
    tmp_path: Path, options: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(HarnessError, match=message) as raised:
        load(tmp_path, options=options, environ=environ)
    assert raised.value.fix


def test_settings_cannot_change_after_parsing(tmp_path: Path) -> None:
    settings = load(tmp_path)
    with pytest.raises(AttributeError):
        settings.target = "aws"  # type: ignore[misc]


def test_the_emulator_scope_is_the_emulators_own_unless_given(tmp_path: Path) -> None:
    assert load(tmp_path).emulator_scope is None
    assert load(tmp_path, environ={"HARNESS_EMULATOR_SCOPE": "worker"}).emulator_scope == "worker"
    given = load(
        tmp_path, options={"emulator_scope": "run"}, environ={"HARNESS_EMULATOR_SCOPE": "worker"}
    )
    assert given.emulator_scope == "run"
