"""Session fixtures for the Terraform rule tests: one copy of the tree and one init per
configuration per process (each xdist worker has its own copy, so workers never share a
.terraform directory), and each batch of rule cases planned once per session for all workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import started
from tests.terraform import batches, tfkit


@pytest.fixture(scope="session", autouse=True)
def sts_for_plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sqs-queue module reads the account id at plan (it names its queues' ARNs before
    they exist); a MiniStack answers that one STS call, and nothing else is contacted."""
    with started("embedded", tmp_path_factory.mktemp("sts")) as emulator:
        endpoint = emulator.target.endpoint or ""
        previous = os.environ.get("AWS_ENDPOINT_URL_STS")
        os.environ["AWS_ENDPOINT_URL_STS"] = endpoint
        try:
            yield endpoint
        finally:
            if previous is None:
                os.environ.pop("AWS_ENDPOINT_URL_STS", None)
            else:
                os.environ["AWS_ENDPOINT_URL_STS"] = previous


@pytest.fixture(scope="session")
def tf_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tfkit.copy_tree(tmp_path_factory.mktemp("tf-workspace"))


@pytest.fixture(scope="session")
def initialized(tf_workspace: Path) -> Callable[[str], Path]:
    """`initialized("terraform/stacks/pipeline")` -> that directory in the copy, after init."""
    done: dict[str, Path | BaseException] = {}

    def get(relative: str) -> Path:
        if relative not in done:
            try:
                tfkit.runner(tf_workspace / relative).init(backend=False)
                done[relative] = tf_workspace / relative
            except HarnessError as error:
                done[relative] = error
        outcome = done[relative]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return get


@pytest.fixture(scope="session")
def planned(
    tf_workspace: Path, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Callable[[batches.Batch], batches.Outcome]:
    """`planned(batch)` -> the outcome of the batch's one plan. The first worker to ask plans it
    in its copy of the tree; the others read that outcome (each batch is planned once a run)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "tf-batches"
    modules = tf_workspace / "terraform" / "modules"

    def get(batch: batches.Batch) -> batches.Outcome:
        return batches.shared(
            shared,
            batch.key,
            lambda: batches.plan(batch, tf_workspace / "batches" / batch.key, modules),
        )

    return get
