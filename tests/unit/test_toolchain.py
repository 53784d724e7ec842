"""Toolchain resolution: bad environments get errors that name the fix; Go builds (a fake `go`)
verify their pin and never outlive their time limits."""

import contextlib
import dataclasses
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.log import logger
from sqs_lambda_harness.processes import ProcessTimeout
from sqs_lambda_harness.terraform import gobuild, toolchain


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
        gobuild.go_binary()
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


FAKE_GO = """
import json, os, pathlib, sys, time
args, hang = sys.argv[1:], os.environ.get("FAKE_GO_HANG", "")
if args[:2] == ["mod", "download"]:
    print("go: downloading example.com/tool v1.0.0", file=sys.stderr, flush=True)
    module = {"Path": "example.com/tool", "Dir": os.environ["FAKE_GO_MODULE"], "Sum": "h1:x="}
    print(json.dumps(module, indent=1))
elif args[0] == "version":
    if hang == "version":
        time.sleep(60)
    print("go version go1.99.0 linux/amd64")
elif args[0] == "list":
    print("go: downloading example.com/dep v1.0.0", file=sys.stderr, flush=True)
    print("example.com/dep\\nexample.com/tool")
elif args[0] == "build":
    print("example.com/dep\\n# example.com/tool\\n  note: a compiler remark\\nexample.com/tool")
    pathlib.Path(args[args.index("-o") + 1]).write_text("binary")
    if hang == "build":
        time.sleep(60)
"""
TOOL = gobuild.GoBuild(name="tool", module="example.com/tool", version="v1.0.0", sum="h1:x=")


@pytest.fixture
def fake_go(monkeypatch, tmp_path: Path) -> Path:
    """A `go` on PATH that answers like the real one, from a module in tmp_path/module."""
    bin_dir, module = tmp_path / "bin", tmp_path / "module"
    bin_dir.mkdir()
    module.mkdir()
    (module / "go.mod").write_text("module example.com/tool\n\ngo 1.22\n")
    go = bin_dir / "go"
    go.write_text(f"#!{sys.executable}\n{FAKE_GO}")
    go.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GO_MODULE", str(module))
    return tmp_path / "builds" / "tool"


def test_go_build_verifies_the_pin_counts_packages_and_keeps_its_log(fake_go: Path) -> None:
    lines: list[str] = []
    with _progress_lines(lines):
        gobuild.go_build(TOOL, fake_go, label="tool v1.0.0")
    assert fake_go.read_text() == "binary"
    assert not fake_go.with_name("tool.partial").exists()
    assert "note: a compiler remark" in (fake_go.parent / "build.log").read_text()
    assert any(line.startswith("built tool v1.0.0: ") for line in lines), lines
    assert gobuild._count_packages("go", TOOL, fake_go.parent, os.environ.copy()) == 2


def test_a_pin_whose_hash_differs_is_not_built(fake_go: Path) -> None:
    tampered = dataclasses.replace(TOOL, sum="h1:pinned=")
    with pytest.raises(HarnessError, match="has hash h1:x=, pinned h1:pinned="):
        gobuild.go_build(tampered, fake_go, label="tool")
    assert not fake_go.parent.exists()


def test_a_hung_go_build_is_killed_at_its_time_limit_and_leaves_no_partial_binary(
    fake_go: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FAKE_GO_HANG", "build")
    monkeypatch.setattr(gobuild, "BUILD_TIMEOUT", 0.5)
    began = time.monotonic()
    with pytest.raises(ProcessTimeout, match=r"Building tool v1.0.0 \(go build\) did not finish"):
        gobuild.go_build(TOOL, fake_go, label="tool v1.0.0")
    assert time.monotonic() - began < 30  # not the 60 s the fake sleeps
    assert not fake_go.exists() and not fake_go.with_name("tool.partial").exists()


def test_a_hung_go_version_is_killed_at_its_time_limit(fake_go: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_GO_HANG", "version")
    monkeypatch.setattr(gobuild, "VERSION_TIMEOUT", 0.5)
    with pytest.raises(ProcessTimeout, match="`go version` did not finish"):
        gobuild.go_build(TOOL, fake_go, label="tool")


@contextlib.contextmanager
def _progress_lines(lines: list[str]) -> Iterator[None]:
    """The harness's progress lines said during the block."""
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
