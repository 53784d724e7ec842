"""Running the Terraform CLI against the module fixtures: init once, plan one case at a time.

The CLI and its environment (the provider mirror's CLI config, where the registry is
unreachable) come from the harness's own toolchain resolution, exactly as stacks get them.
Plans are run here rather than through the harness runner because these tests inspect failing
plans and `show -json` output, not just raise on them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqs_lambda_harness import toolchain
from sqs_lambda_harness.errors import HarnessError
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
CLI = str(TOOLS.cli) if TOOLS else None


def cli_env() -> dict[str, str]:
    env = {**os.environ, **(TOOLS.env() if TOOLS else {})}
    # A shared plugin cache is not safe for parallel init; the filesystem mirror is read-only.
    for name in ("TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "TF_WORKSPACE", "TF_LOG"):
        env.pop(name, None)
    env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
    return env


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    cwd: Path
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [
            m["diagnostic"]
            for m in self.messages
            if m.get("type") == "diagnostic" and m["diagnostic"].get("severity") == "error"
        ]

    @property
    def changes(self) -> dict[str, int]:
        for m in self.messages:
            if m.get("type") == "change_summary":
                return m["changes"]
        return {}

    def explain(self) -> str:
        found = [f"- {d.get('summary')}: {d.get('detail')}" for d in self.errors]
        text = "\n".join(found) or (self.stderr.strip() or self.stdout.strip())[-3000:]
        return f"`{' '.join(self.args)}` exited {self.returncode}\n{text}"


def run(args: list[str], cwd: Path) -> Result:
    assert CLI is not None, MISSING_CLI_REASON
    completed = subprocess.run(
        [CLI, *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    messages = []
    if "-json" in args:
        for line in completed.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    messages.append(json.loads(line))
                except ValueError:
                    continue
    return Result(
        [CLI, *args], completed.returncode, completed.stdout, completed.stderr, cwd, messages
    )


def init(directory: Path) -> None:
    result = run(["init", "-input=false", "-no-color", "-backend=false"], directory)
    if result.returncode != 0:
        raise RuntimeError(f"terraform init failed in {directory}:\n{result.explain()}")


def copy_tree(destination: Path) -> Path:
    """Copy terraform/ and the fixtures, keeping their relative layout (module sources)."""
    shutil.copytree(TERRAFORM_ROOT, destination / "terraform", ignore=IGNORED_IN_COPIES)
    shutil.copytree(
        FIXTURES, destination / "tests" / "terraform" / "fixtures", ignore=IGNORED_IN_COPIES
    )
    return destination


def plan(directory: Path, variables: dict[str, Any], var_file: Path, *extra: str) -> Result:
    var_file.write_text(json.dumps(variables, indent=2))
    args = ["plan", "-json", "-input=false", "-no-color", "-lock=false", "-refresh=false"]
    return run([*args, f"-var-file={var_file}", *extra], directory)


def error_text(result: Result) -> list[str]:
    return [f"{d.get('summary', '')}\n{d.get('detail', '')}" for d in result.errors]


def assert_fails_with(result: Result, summary: str, message: str) -> None:
    """The plan failed, and one error diagnostic has this summary and contains `message`."""
    assert result.returncode != 0, f"plan succeeded but should fail with {message!r}"
    matching = [d for d in result.errors if d.get("summary") == summary]
    assert any(message in (d.get("detail") or "") for d in matching), (
        f"no {summary!r} error containing {message!r}:\n{result.explain()}"
    )


def assert_plans(result: Result) -> None:
    assert result.returncode == 0 and not result.errors, result.explain()
    assert result.changes.get("add", 0) > 0, f"plan adds nothing:\n{result.explain()}"


def planned_policy(result: Result, plan_file: Path, address: str) -> dict[str, Any]:
    """The `policy` JSON that the saved plan gives the resource at `address`."""
    shown = run(["show", "-json", "-no-color", str(plan_file)], result.cwd)
    assert shown.returncode == 0, shown.explain()
    document = json.loads(shown.stdout)
    for change in document.get("resource_changes", []):
        if change["address"] == address:
            after = change["change"]["after"] or {}
            unknown = change["change"].get("after_unknown") or {}
            assert not unknown.get("policy"), f"{address} policy is unknown at plan"
            return json.loads(after["policy"])
    raise AssertionError(f"{address} is not in the plan of {' '.join(result.args)}")
