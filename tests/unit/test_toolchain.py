"""Toolchain resolution: bad environments get errors that name the fix."""

from pathlib import Path

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.terraform import toolchain


def test_tf_binary_pointing_at_nothing_is_an_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TF_BINARY", str(tmp_path / "no-such-terraform"))
    with pytest.raises(HarnessError, match="points at nothing executable") as caught:
        toolchain.ensure(build_missing=False)
    assert "TF_BINARY" in caught.value.fix


def test_unknown_provider_source_is_an_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TF_BINARY", "/bin/true")
    monkeypatch.setenv("HARNESS_PROVIDERS", "carrier-pigeon")
    with pytest.raises(HarnessError):
        toolchain.ensure(build_missing=False)


def test_missing_go_names_the_fix(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(HarnessError, match="Go is not installed") as caught:
        toolchain._go_binary()
    assert "install Go" in caught.value.fix


def test_mirror_config_covers_both_hosts_and_leaves_others_direct(tmp_path: Path) -> None:
    text = toolchain.mirror_cli_config(tmp_path / "mirror", toolchain.PROVIDERS)
    for host in ("registry.terraform.io", "registry.opentofu.org"):
        for name in ("aws", "archive"):
            assert f'"{host}/hashicorp/{name}"' in text
    assert "filesystem_mirror" in text and "direct" in text
    assert f'path    = "{tmp_path / "mirror"}"' in text


def test_missing_provider_build_says_which_mirror_and_how_to_build(
    monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HARNESS_PROVIDERS", "mirror")
    fake = tmp_path / "terraform"
    fake.write_text('#!/bin/sh\necho \'{"terraform_version": "1.11.4"}\'\n')
    fake.chmod(0o755)
    monkeypatch.setenv("TF_BINARY", str(fake))
    with pytest.raises(HarnessError, match="is not built") as caught:
        toolchain.ensure(build_missing=False)
    assert str(tmp_path / "mirror") in str(caught.value)
    assert "make bootstrap" in caught.value.fix


def test_pins_are_labelled_with_release_versions() -> None:
    assert toolchain.AWS.release == "6.13.0"
    assert all(pin.build.sum.startswith("h1:") for pin in toolchain.PROVIDERS)
