"""Adding an emulator is one spec in the registry: a stand-in defined in this file alone (a real
process, Python's own HTTP server) becomes a target, is started and stopped, declares its
capabilities, and shows in the CLI and the docs table, with no other file touched. And the
capability catalogue holds every capability any emulator declares, each explained."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqs_lambda_harness.__main__ import main
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import (
    KNOWN_CAPABILITIES,
    health_ok,
    registry,
    resolve_target,
    resolve_teardown,
    start_for,
    started,
    table,
    target_names,
)
from sqs_lambda_harness.targets.capabilities import CATALOGUE, diverges
from sqs_lambda_harness.targets.emulator import free_port, port_in_use
from sqs_lambda_harness.targets.registry import EmulatorSpec, InVenv, Launch
from sqs_lambda_harness.targets.tolerances import Tolerances

DOCS = Path(__file__).resolve().parents[2] / "docs" / "targets.md"
BUILT_IN_TARGETS = ("embedded", "localstack", "moto")


def serve(launch: Launch) -> list[str]:
    """An HTTP server answering GET / on the loopback port: all an emulator needs to start."""
    root = str(launch.data_dir)
    return [sys.executable, "-m", "http.server", str(launch.port), "-b", "127.0.0.1", "-d", root]


FAKE = EmulatorSpec(
    name="fakestack",
    aliases=("fs",),
    product="FakeStack",
    install=InVenv(distribution="pytest", extra="dev"),
    command=serve,
    health_path="/",
    tolerances=Tolerances(why="a stand-in that never delivers anything"),
    capabilities={"dlq_source_arn": diverges("FakeStack forgets where a message came from")},
    stop_grace=2.0,
)


@pytest.fixture
def fake() -> Iterator[EmulatorSpec]:
    registry.register(FAKE)
    try:
        yield FAKE
    finally:
        registry.unregister(FAKE.name)


def test_a_registered_emulator_is_a_target_under_its_name_and_alias(fake: EmulatorSpec) -> None:
    assert target_names() == (*BUILT_IN_TARGETS, "fakestack", "aws")
    for name in ("fakestack", "FS"):
        target = resolve_target(name)
        assert target.name == "fakestack" and target.started_by_harness
        assert target.tolerances.why == "a stand-in that never delivers anything"
        divergence = target.capability("dlq_source_arn")
        assert divergence.diverges and divergence.supported
        assert divergence.reason == "FakeStack forgets where a message came from"
        assert target.capability("lambda_execution").supported  # not declared: supported
    assert resolve_teardown(None, resolve_target("fs")) == "discard"
    given = resolve_target("fs", endpoint="http://127.0.0.1:4566")
    assert not given.started_by_harness and resolve_teardown(None, given) == "destroy"


def test_an_unregistered_emulator_is_no_target() -> None:
    registry.register(FAKE)
    registry.unregister(FAKE.name)
    assert "fakestack" not in target_names()
    with pytest.raises(HarnessError, match="Unknown target 'fs'"):
        resolve_target("fs")


def test_start_for_starts_it_healthy_and_stop_leaves_no_process(
    fake: EmulatorSpec, tmp_path: Path
) -> None:
    emulator = start_for("fs", tmp_path / "logs")
    try:
        assert health_ok(emulator.endpoint, path="/")
        assert emulator.label == f"FakeStack {fake.version}" and fake.version
        assert emulator.log_path.parent == tmp_path / "logs"
    finally:
        emulator.stop()
    assert emulator.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(emulator.process.pid, 0)  # nothing of its process group is left
    assert not health_ok(emulator.endpoint, path="/")


def test_started_stops_the_emulator_when_the_target_is_refused(
    fake: EmulatorSpec, tmp_path: Path
) -> None:
    """An HTTP server is no STS: verifying the target fails, with the spec's fix, and the
    emulator started for it is stopped on that way out too."""
    port = free_port()
    refused = pytest.raises(HarnessError, match="Cannot reach the fakestack target")
    with refused as caught, started("fs", tmp_path / "logs", port=port):
        pytest.fail("a target that cannot answer STS was yielded")
    assert "`make test-local TARGET=fakestack`" in caught.value.fix
    assert not port_in_use(port)


def test_the_cli_lists_and_installs_it(
    fake: EmulatorSpec, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["emulators", "--names"]) == 0
    assert capsys.readouterr().out == "embedded localstack moto fakestack\n"
    assert main(["emulators", "--markdown"]) == 0
    markdown = capsys.readouterr().out
    assert f"| `fakestack` | `fs` | FakeStack | {fake.version} |" in markdown
    assert "| `dlq_source_arn` | — |" in markdown  # diverges; nothing unsupported
    assert main(["emulators"]) == 0
    assert "fakestack: diverges (strict xfail): dlq_source_arn" in capsys.readouterr().out
    with caplog.at_level(logging.INFO, logger="sqs_lambda_harness"):
        assert main(["install", "fs", "aws"]) == 0
    assert f"FakeStack {fake.version}: in the project venv" in caplog.text
    assert "aws: a real account, no emulator to install" in caplog.text


def test_install_refuses_an_unknown_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "moto", "staging"]) == 2
    assert "Unknown target staging" in capsys.readouterr().err


def variant(**changes: object) -> EmulatorSpec:
    return EmulatorSpec(**{**vars(FAKE), "aliases": (), **changes})  # type: ignore[arg-type]


def test_a_name_already_in_use_or_an_unknown_capability_is_refused(fake: EmulatorSpec) -> None:
    with pytest.raises(HarnessError, match="ministack already names a target"):
        registry.register(variant(name="other", aliases=("ministack",)))
    with pytest.raises(HarnessError, match="aws already names a target"):
        registry.register(variant(name="aws"))
    typo = {"dlq_sorce_arn": diverges("typo")}
    with pytest.raises(HarnessError, match="catalogue does not know: dlq_sorce_arn"):
        registry.register(variant(name="other", capabilities=typo))
    assert target_names() == (*BUILT_IN_TARGETS, "fakestack", "aws")


@pytest.mark.parametrize("spec", registry.specs(), ids=registry.names())
def test_every_capability_an_emulator_declares_is_in_the_catalogue(spec: EmulatorSpec) -> None:
    declared = {**spec.capabilities, **spec.host_capabilities}
    assert set(declared) <= KNOWN_CAPABILITIES
    for name, capability in declared.items():
        assert capability.reason, f"{spec.name} declares {name} without a reason"


def test_every_catalogue_entry_says_what_it_means_and_how_it_is_measured() -> None:
    names = [entry.name for entry in CATALOGUE]
    assert len(names) == len(set(names)) and set(names) == KNOWN_CAPABILITIES
    for entry in CATALOGUE:
        assert len(entry.meaning) > 20 and len(entry.measured) > 20, entry.name
    # a capability every emulator supports still exists
    assert "lambda_execution" in KNOWN_CAPABILITIES and "lambda_functions" in KNOWN_CAPABILITIES


def test_the_docs_table_is_the_registry() -> None:
    document = DOCS.read_text(encoding="utf-8")
    assert table.START in document and table.END in document, f"{DOCS} lost its table markers"
    assert table.in_document(document) == table.markdown(), (
        f"the emulator table in {DOCS} is stale; regenerate it with `{table.REGENERATE}`"
    )
