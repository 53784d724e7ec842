"""Many rule cases of one module, planned together: the module rule tests' way to stay fast.

A batch is a generated root configuration with one module block per case, `module "case_<id>"`,
each with its own source path (`./modules/case_<id>`, a copy of the module under test: Terraform
reports a symlinked module at its real path), and one `terraform plan`. Terraform reports what is
wrong with each block separately, so one plan answers every case, and each diagnostic is traced
back to its case:

- an invalid input variable is reported at the argument in the generated main.tf, inside that
  case's block (its lines are known);
- a failed precondition (or any error inside the module) is reported in the module's own files,
  which each case reaches through its own path, `modules/case_<id>/...`.

Neither carries a module address in the CLI's JSON diagnostics (Terraform 1.11), hence blocks
rather than one `for_each` module: its instances share every line, and one instance's invalid
input would also keep the others' resources (and preconditions) from being planned.

Inputs reach the blocks from a variable (`var.cases["<id>"].<input>`, values in a tfvars file),
not as literals: `terraform plan` validates the configuration first, and a literal that breaks a
validation would stop it there, at the first case, before any precondition is evaluated.

The outcome is plain data (diagnostics per case and, for a saved plan, every planned resource
change), computed once per test session and shared by the xdist workers (`shared`).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqs_lambda_harness.locks import exclusive
from sqs_lambda_harness.terraform.runner import Diagnostic
from sqs_lambda_harness.terraform.stacks import IGNORED_IN_COPIES
from tests.terraform import tfkit

PLAN_ONLY_PROVIDER = tfkit.FIXTURES / "provider.tf"


@dataclass(frozen=True)
class Case:
    """One module block: `inputs` (JSON values) over the batch's base inputs, plus `hcl`
    (inputs written as HCL expressions, e.g. another module's outputs). An invalid case names
    the error it must fail with: its `summary` and a part of its `message` (detail)."""

    id: str
    inputs: dict[str, Any] = field(default_factory=dict)
    summary: str | None = None
    message: str = ""
    hcl: dict[str, str] = field(default_factory=dict)

    @property
    def block(self) -> str:
        return "case_" + re.sub(r"[^A-Za-z0-9_-]", "_", self.id)


@dataclass(frozen=True)
class Batch:
    """The cases of one module planned in one configuration. `prelude` is extra HCL (helper
    modules the cases' `hcl` inputs refer to); `files` are placed next to main.tf (relative path
    -> bytes, or a directory to copy)."""

    module: str
    name: str
    base: dict[str, Any]
    cases: tuple[Case, ...]
    prelude: str = ""
    files: tuple[tuple[str, bytes | Path], ...] = ()
    save_plan: bool = False

    @property
    def key(self) -> str:
        return f"{self.module}-{self.name}"

    def inputs(self, case: Case) -> dict[str, Any]:
        """The case's inputs over the base; an object input (a dict in the base) is merged key
        by key, so a case can change one attribute of it."""
        merged = dict(self.base)
        for name, value in case.inputs.items():
            if isinstance(merged.get(name), dict) and isinstance(value, dict):
                merged[name] = {**merged[name], **value}
            else:
                merged[name] = value
        for name in case.hcl:
            merged.pop(name, None)
        return merged


@dataclass
class Outcome:
    returncode: int
    explain: str
    errors: dict[str, list[Diagnostic]]  # case id -> its errors
    unattributed: list[Diagnostic]
    changes: dict[str, dict[str, Any]]  # resource address -> its `change` in the saved plan

    def errors_of(self, case: Case) -> list[Diagnostic]:
        return self.errors.get(case.id, [])

    def planned(self, case: Case) -> dict[str, dict[str, Any]]:
        """The case's planned resource changes, by address inside the module."""
        prefix = f"module.{case.block}."
        return {a[len(prefix) :]: c for a, c in self.changes.items() if a.startswith(prefix)}

    def to_json(self) -> dict[str, Any]:
        return {
            "returncode": self.returncode,
            "explain": self.explain,
            "errors": {k: [dataclasses.asdict(d) for d in v] for k, v in self.errors.items()},
            "unattributed": [dataclasses.asdict(d) for d in self.unattributed],
            "changes": self.changes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            returncode=data["returncode"],
            explain=data["explain"],
            errors={k: [Diagnostic(**d) for d in v] for k, v in data["errors"].items()},
            unattributed=[Diagnostic(**d) for d in data["unattributed"]],
            changes=data["changes"],
        )


def write(batch: Batch, directory: Path, modules_root: Path) -> dict[int, str]:
    """Generate the batch's configuration in `directory` (its values go in the var file that
    `plan` writes); -> main.tf line -> case id."""
    blocks = [c.block for c in batch.cases]
    assert len(set(blocks)) == len(blocks), f"case ids collide in {batch.key}: {blocks}"
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "modules").mkdir(parents=True)
    shutil.copy(PLAN_ONLY_PROVIDER, directory / "provider.tf")
    for relative, content in batch.files:
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copytree(content, target, ignore=IGNORED_IN_COPIES)
        else:
            target.write_bytes(content)
    module = modules_root / batch.module
    lines = [
        f"# Generated by tests/terraform/batches.py: {len(batch.cases)} cases of {batch.module}.",
        "",
        'variable "cases" {',
        "  type = any",
        "}",
        "",
    ]
    lines += batch.prelude.splitlines()
    owner: dict[int, str] = {}
    for case in batch.cases:
        # Only the module's own files: not a .terraform that test_valid's init may be writing.
        shutil.copytree(module, directory / "modules" / case.block, ignore=IGNORED_IN_COPIES)
        start = len(lines) + 1
        lines.append(f'module "{case.block}" {{')
        lines.append(f'  source = "./modules/{case.block}"')
        for name in batch.inputs(case):
            lines.append(f'  {name} = var.cases["{case.id}"].{name}')
        for name, expression in case.hcl.items():
            lines.append(f"  {name} = {expression}")
        lines.append("}")
        lines.append("")
        owner.update({line: case.id for line in range(start, len(lines) + 1)})
    (directory / "main.tf").write_text("\n".join(lines))
    return owner


def plan(batch: Batch, directory: Path, modules_root: Path) -> Outcome:
    """Write, init and plan the batch (and read the saved plan back when `save_plan`)."""
    owner = write(batch, directory, modules_root)
    tfkit.runner(directory).init(backend=False)
    plan_file = directory / "tfplan" if batch.save_plan else None
    values = {"cases": {case.id: batch.inputs(case) for case in batch.cases}}
    result = tfkit.plan(directory, values, directory / "cases.tfvars.json", plan_file)
    by_block = {c.block: c.id for c in batch.cases}
    errors: dict[str, list[Diagnostic]] = {}
    unattributed: list[Diagnostic] = []
    for diagnostic in result.errors:
        filename, _, line = diagnostic.location.rpartition(":")
        case_id = None
        if filename == "main.tf" and line.isdigit():
            case_id = owner.get(int(line))
        elif filename.startswith("modules/"):
            case_id = by_block.get(filename.split("/")[1])
        if case_id is None:
            unattributed.append(diagnostic)
        else:
            errors.setdefault(case_id, []).append(diagnostic)
    changes: dict[str, dict[str, Any]] = {}
    if plan_file is not None and result.ok:
        document = tfkit.runner(directory).show_json(plan_file)
        changes = {c["address"]: c["change"] for c in document.get("resource_changes", [])}
    return Outcome(result.returncode, result.explain(), errors, unattributed, changes)


def shared(root: Path, key: str, compute: Callable[[], Outcome]) -> Outcome:
    """`compute()` once per session for all workers that share `root`: the first to ask plans,
    the others wait for it and read its outcome."""
    data = root / f"{key}.json"
    with exclusive(root / f"{key}.lock"):
        if data.exists():
            return Outcome.from_json(json.loads(data.read_text()))
        outcome = compute()
        data.write_text(json.dumps(outcome.to_json()))
        return outcome


def describe(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics) or "(no errors)"


def assert_refused(outcome: Outcome, case: Case) -> None:
    """The case's block failed the plan with its error: that summary, containing its message."""
    assert case.summary, f"{case.id} names no expected error"
    errors = outcome.errors_of(case)
    assert any(d.summary == case.summary and case.message in d.detail for d in errors), (
        f"{case.id}: no {case.summary!r} error containing {case.message!r}; its errors:\n"
        f"{describe(errors)}"
    )


def assert_plans(outcome: Outcome, case: Case) -> None:
    """The batch planned (so no case of it failed) and the case's block creates something."""
    assert outcome.returncode == 0, (
        f"the batch did not plan; {case.id}'s errors:\n{describe(outcome.errors_of(case))}\n"
        f"all:\n{outcome.explain}"
    )
    creates = [a for a, c in outcome.planned(case).items() if c["actions"] == ["create"]]
    assert creates, f"{case.id} plans no resource"


def planned_policy(outcome: Outcome, case: Case, address: str) -> dict[str, Any]:
    """The `policy` JSON document the plan gives the case's resource at `address`."""
    change = outcome.planned(case)[address]
    assert not (change.get("after_unknown") or {}).get("policy"), f"{address} policy is unknown"
    return json.loads(change["after"]["policy"])
