"""The emulators' own environments: keyed by their pin, a Python that qualifies or a clear
error, built once, every step under a time limit; and one place that knows which emulator a
target starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import emulator, registry
from sqs_lambda_harness.targets import envs as emulator_envs
from sqs_lambda_harness.targets.envs import COMPLETE, EmulatorEnv
from sqs_lambda_harness.targets.localstack import ENV as LOCALSTACK
from sqs_lambda_harness.targets.moto import ENV as MOTO

PINNED = [spec.install for spec in registry.specs() if isinstance(spec.install, EmulatorEnv)]


def test_localstack_and_moto_run_from_pinned_environments() -> None:
    assert {env.name for env in PINNED} >= {"localstack", "moto"}
    assert not registry.find("embedded").install.pinned  # MiniStack: in the project venv


@pytest.mark.parametrize("spec", PINNED, ids=[env.name for env in PINNED])
def test_each_pin_file_is_a_complete_freeze_holding_the_emulator(spec: EmulatorEnv) -> None:
    lines = [line for line in spec.pin_file.read_text().splitlines() if line and line[0] != "#"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line) for line in lines), lines
    assert f"{spec.distribution}=={spec.version}" in lines


def test_the_key_changes_with_the_pin_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(emulator_envs, "PINS", tmp_path)
    (tmp_path / "moto.txt").write_text("moto==5.2.5\n")
    before = MOTO.key
    (tmp_path / "moto.txt").write_text("moto==5.2.5\nboto3==1.44.5\n")
    assert MOTO.key != before and MOTO.key.startswith("moto-5.2.5-")


def test_a_complete_environment_is_reused_without_building(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    LOCALSTACK.directory.mkdir(parents=True)
    (LOCALSTACK.directory / COMPLETE).write_text("{}")

    def build(*args: object) -> None:
        raise AssertionError("built although the environment was complete")

    monkeypatch.setattr(emulator_envs, "_build", build)
    assert emulator_envs.ensure(LOCALSTACK) == tmp_path / "envs" / LOCALSTACK.key


def _pythons(monkeypatch, versions: dict[str, tuple[int, int] | None]) -> None:
    monkeypatch.delenv("HARNESS_EMULATOR_PYTHON", raising=False)
    monkeypatch.setattr(emulator_envs, "_candidates", lambda spec: iter(versions))
    monkeypatch.setattr(emulator_envs, "_version_of", versions.get)


def test_the_tested_minor_version_is_preferred(monkeypatch) -> None:
    _pythons(monkeypatch, {"/a/python3": (3, 11), "/b/python3": (3, 14), "/c/python3": (3, 13)})
    assert emulator_envs.find_python(LOCALSTACK) == Path("/c/python3")
    _pythons(monkeypatch, {"/a/python3": (3, 11), "/b/python3": (3, 14)})
    assert emulator_envs.find_python(LOCALSTACK) == Path("/b/python3")


def test_no_python_that_qualifies_is_an_error_naming_the_fix(monkeypatch) -> None:
    _pythons(monkeypatch, {"/usr/bin/python3": (3, 11), "/shim/python3.13": None})
    with pytest.raises(HarnessError, match=r"needs Python >= 3\.13") as caught:
        emulator_envs.find_python(LOCALSTACK)
    assert "/usr/bin/python3" in caught.value.details and "/shim/python3.13" in caught.value.details
    assert (
        "pyenv install 3.13" in caught.value.fix and "HARNESS_EMULATOR_PYTHON" in caught.value.fix
    )


def test_an_explicit_python_must_qualify(monkeypatch) -> None:
    monkeypatch.setenv("HARNESS_EMULATOR_PYTHON", "/opt/python3.12")
    monkeypatch.setattr(emulator_envs, "_version_of", lambda path: (3, 12))
    with pytest.raises(HarnessError, match=r"is Python 3\.12, but localstack-core"):
        emulator_envs.find_python(LOCALSTACK)


def test_a_failing_build_step_removes_the_half_built_environment(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    fails = tmp_path / "fails.sh"
    fails.write_text("#!/bin/sh\necho no such package >&2\nexit 1\n")
    fails.chmod(0o755)
    monkeypatch.setattr(emulator_envs, "find_python", lambda spec: fails)
    with pytest.raises(HarnessError, match="environment failed") as caught:
        emulator_envs.ensure(MOTO)
    assert "no such package" in caught.value.details
    assert not MOTO.directory.exists()


def test_a_hung_build_step_is_killed_at_its_time_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(emulator_envs, "VENV_TIMEOUT", 0.5)
    hangs = tmp_path / "hangs.sh"
    hangs.write_text("#!/bin/sh\nsleep 60\n")
    hangs.chmod(0o755)
    monkeypatch.setattr(emulator_envs, "find_python", lambda spec: hangs)
    with pytest.raises(HarnessError, match=r"did not finish within \d+s and was killed"):
        emulator_envs.ensure(MOTO)
    assert not MOTO.directory.exists()


def test_each_emulator_target_has_its_starter_and_health_path(tmp_path: Path) -> None:
    assert emulator.health_path("embedded") == emulator.health_path("localstack")
    assert emulator.health_path("moto") == "/moto-api/"
    with pytest.raises(HarnessError, match="does not start an emulator for target aws"):
        emulator.start_for("aws", tmp_path)
