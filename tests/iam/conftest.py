"""The CI role's proof, run once per session: MiniStack with IAM enforcement, the ci-role
module applied to it as admin, then every run of the proof in parallel, each as a role of its
own (the whole policy, or the policy without one statement). The tests read the outcomes."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.terraform import stacks, toolchain
from sqs_lambda_harness.terraform.stacks import ApplySlots
from tests.iam import proof
from tests.iam.emulator import enforcing_ministack
from tests.iam.runs import RUNS

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_ROOT = REPO / "terraform"
MODULE = TERRAFORM_ROOT / "modules" / "ci-role"
# Runs at once: a few Terraform applies wait on the provider's polls while others start.
PARALLEL = 8
APPLY_SLOTS = 2
# Every run's steps, outcome, refused actions and seconds.
REPORT = Path(os.environ.get("HARNESS_REPORTS_DIR", REPO / "reports")) / "iam-proof.json"


@pytest.fixture(scope="session")
def proven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """{"policy": the module's policy, "statement_ids": [...], "outcomes": {run name: Outcome},
    "remaining": what the sweeper as admin found at the end, "seconds": wall time}."""
    try:
        tools = toolchain.ensure(build_missing=False)
    except HarnessError as error:
        pytest.skip(f"no usable Terraform toolchain: {error.problem}")
    base = tmp_path_factory.mktemp("iam")
    started = time.monotonic()
    attempts = stacks.DESTROY_ATTEMPTS
    stacks.DESTROY_ATTEMPTS = 1  # a role that cannot destroy will not learn to; the admin does
    try:
        with enforcing_ministack(base / "emulator") as emulator:
            root = proof.admin(emulator.endpoint, str(emulator.ca_bundle))
            module = proof.apply_ci_role(root, tools, MODULE, base / "ci-role")
            policy = json.loads(module["policy_json"])
            runner = proof.Proof(
                root, tools, TERRAFORM_ROOT, base, ApplySlots(base, APPLY_SLOTS), policy
            )
            with ThreadPoolExecutor(PARALLEL, thread_name_prefix="iam-proof") as pool:
                futures = {
                    r.name: pool.submit(runner.run, r.name, r.removed, r.steps) for r in RUNS
                }
                outcomes = {name: future.result() for name, future in futures.items()}
            remaining = [leftover.describe() for leftover in sweeper.find(root)]
            module["runner"].destroy()
            summary = {
                "wall_seconds": round(time.monotonic() - started, 1),
                "runs": [
                    {**dataclasses.asdict(o), "seconds": round(o.seconds, 1)}
                    for o in outcomes.values()
                ],
                "remaining": remaining,
            }
            REPORT.parent.mkdir(parents=True, exist_ok=True)
            REPORT.write_text(json.dumps(summary, indent=2))
            yield {
                "policy": policy,
                "statement_ids": module["statement_ids"],
                "trust": json.loads(module["trust_policy_json"]),
                "outcomes": outcomes,
                "remaining": remaining,
                "seconds": time.monotonic() - started,
            }
    finally:
        stacks.DESTROY_ATTEMPTS = attempts
