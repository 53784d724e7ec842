"""The module rule tests' view of the Terraform CLI: a copy of the tree, one `Runner` per
configuration, and assertions over plans. The CLI itself is run by the harness's runner (the
project's one way to run it), with the same toolchain resolution stacks get.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqs_lambda_harness import toolchain
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.runner import Result, Runner
from sqs_lambda_harness.stacks import IGNORED_IN_COPIES

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_ROOT = REPO / "terraform"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TIMEOUT = 300

try:
    TOOLS: toolchain.Toolchain | None = toolchain.ensure(build_missing=False)
    MISSING_CLI_REASON = ""
except HarnessError as error:
    TOOLS = None
    MISSING_CLI_REASON = f"no usable Terraform toolchain: {error.problem} ({error.fix})"


def runner(directory: Path, log: Path | None = None) -> Runner:
    """A runner for one configuration directory; its CLI log sits next to it."""
    assert TOOLS is not None, MISSING_CLI_REASON
    return Runner(TOOLS.cli, directory, TOOLS.env(), log or directory / "cli.log", timeout=TIMEOUT)


def copy_tree(destination: Path) -> Path:
    """Copy terraform/ and the fixtures, keeping their relative layout (module sources)."""
    shutil.copytree(TERRAFORM_ROOT, destination / "terraform", ignore=IGNORED_IN_COPIES)
    shutil.copytree(
        FIXTURES, destination / "tests" / "terraform" / "fixtures", ignore=IGNORED_IN_COPIES
    )
    return destination


def plan(
    directory: Path, variables: dict[str, Any], var_file: Path, out: Path | None = None
) -> Result:
    """Plan one case (never raises: the rule tests read a failed plan's diagnostics)."""
    var_file.write_text(json.dumps(variables, indent=2))
    return runner(directory, var_file.with_suffix(".log")).plan(
        out=str(out) if out else None, var_file=var_file, refresh=False, check=False
    )


def assert_fails_with(result: Result, summary: str, message: str) -> None:
    """The plan failed, and one error diagnostic has this summary and contains `message`."""
    assert result.returncode != 0, f"plan succeeded but should fail with {message!r}"
    matching = [d for d in result.errors if d.summary == summary]
    assert any(message in d.detail for d in matching), (
        f"no {summary!r} error containing {message!r}:\n{result.explain()}"
    )


def assert_plans(result: Result) -> None:
    assert result.ok and not result.errors, result.explain()
    assert result.changes("plan").get("add", 0) > 0, f"plan adds nothing:\n{result.explain()}"


def planned_types(result: Result) -> list[str]:
    """The resource type of every planned change, from the plan's `planned_change` events."""
    return [
        event["change"]["resource"]["resource_type"]
        for event in result.events
        if event.get("type") == "planned_change"
    ]


def planned_policy(directory: Path, plan_file: Path, address: str) -> dict[str, Any]:
    """The `policy` JSON that the saved plan gives the resource at `address`."""
    document = runner(directory, plan_file.with_suffix(".log")).show_json(plan_file)
    for change in document.get("resource_changes", []):
        if change["address"] == address:
            after = change["change"]["after"] or {}
            unknown = change["change"].get("after_unknown") or {}
            assert not unknown.get("policy"), f"{address} policy is unknown at plan"
            return json.loads(after["policy"])
    raise AssertionError(f"{address} is not in the saved plan {plan_file}")
