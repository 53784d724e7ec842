"""The module rule tests' view of the Terraform CLI: a copy of the tree and one `Runner` per
configuration (batches.py plans the rule cases with it). The CLI itself is run by the harness's
runner (the project's one way to run it), with the same toolchain resolution stacks get.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.terraform import toolchain
from sqs_lambda_harness.terraform.runner import Result, Runner
from sqs_lambda_harness.terraform.stacks import working_copy

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
    """Copy terraform/ as stacks copy it (module sources stay relative, shared files symlinked
    in the tree become files; batches.py writes next to it)."""
    working_copy(TERRAFORM_ROOT, destination / "terraform")
    return destination


def plan(
    directory: Path, variables: dict[str, Any], var_file: Path, out: Path | None = None
) -> Result:
    """Plan with these variables (never raises: the rule tests read a failed plan's
    diagnostics); `out` saves the plan."""
    var_file.write_text(json.dumps(variables, indent=2))
    return runner(directory, var_file.with_suffix(".log")).plan(
        out=str(out) if out else None, var_file=var_file, refresh=False, check=False
    )
