"""Session fixtures for the Terraform rule tests: one copy of the tree and one init per
configuration per process (each xdist worker has its own copy, so workers never share a
.terraform directory)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.terraform import tfkit


@pytest.fixture(scope="session")
def tf_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tfkit.copy_tree(tmp_path_factory.mktemp("tf-workspace"))


@pytest.fixture(scope="session")
def initialized(tf_workspace: Path) -> Callable[[str], Path]:
    """`initialized("tests/terraform/fixtures/sqs-queue")` -> that directory, after init."""
    done: dict[str, Path | BaseException] = {}

    def get(relative: str) -> Path:
        if relative not in done:
            try:
                tfkit.init(tf_workspace / relative)
                done[relative] = tf_workspace / relative
            except RuntimeError as error:
                done[relative] = error
        outcome = done[relative]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return get


@pytest.fixture
def plan_case(
    initialized: Callable[[str], Path], tmp_path: Path
) -> Callable[[str, dict], tfkit.Result]:
    """`plan_case("sqs-queue", {...})` plans the module fixture with those variables."""

    def plan(fixture: str, variables: dict, *extra: str) -> tfkit.Result:
        directory = initialized(f"tests/terraform/fixtures/{fixture}")
        return tfkit.plan(directory, variables, tmp_path / "case.tfvars.json", *extra)

    return plan
