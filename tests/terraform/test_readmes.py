"""Each module's and example's README holds the Inputs and Outputs tables that
scripts/module_docs.py generates from its .tf files (name, type, default, description), so the
tables cannot drift from the code; and every module variable is typed, described and validated.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

from tests.terraform import tfkit

sys.path.insert(0, str(tfkit.REPO / "scripts"))
import module_docs

TARGETS = module_docs.targets()
MODULES = [d for d in TARGETS if d.parent.name == "modules"]


def test_every_module_and_example_is_documented():
    names = {d.name for d in TARGETS}
    assert {
        "sqs-queue",
        "lambda-function",
        "sqs-lambda-trigger",
        "ci-role",
        "orders-pipeline",
    } <= names


@pytest.mark.parametrize("directory", TARGETS, ids=[d.name for d in TARGETS])
def test_readme_tables_are_generated_from_the_code(directory: Path):
    current, wanted = module_docs.expected(directory)
    diff = "".join(
        difflib.unified_diff(
            current.splitlines(True), wanted.splitlines(True), "README.md", "generated"
        )
    )
    stale = f"{directory.name}/README.md is out of date: {module_docs.FIX}"
    assert current == wanted, f"{stale}\n{diff}"


@pytest.mark.parametrize("directory", MODULES, ids=[d.name for d in MODULES])
def test_every_variable_is_typed_described_and_validated(directory: Path):
    """A bool cannot hold a wrong value once it is non-nullable; every other input states its
    AWS rule in a validation."""
    module = module_docs.parse_module(directory)
    assert module.variables and module.outputs
    for variable in module.variables:
        assert variable.type and variable.type != "any", f"{variable.name}: no type"
        assert variable.description and variable.description.strip(), f"{variable.name}"
        if variable.type == "bool":
            assert variable.nullable == "false", f"{variable.name}: a bool must not be nullable"
        else:
            assert variable.validations, f"{variable.name}: no validation"
    for output in module.outputs:
        assert output.description and output.description.strip(), f"output {output.name}"


def test_the_reader_knows_strings_templates_heredocs_and_comments(tmp_path: Path):
    (tmp_path / "variables.tf").write_text(
        """
# variable "commented" {}
variable "a" {
  type = list(object({
    x = optional(string, "}") # a comment with a brace {
    y = number
  }))
  default     = [] // another
  description = "Says \\"${var.a == null ? "}" : "{"}\\" | and $${literal}."

  validation {
    condition     = length(var.a) < 3 /* { */
    error_message = "At most 2."
  }
}

variable "b" {
  type        = string
  description = <<-EOT
    Over two
    lines.
  EOT
}

output "c" {
  description = "C."
  value       = { a = 1 }
}
"""
    )
    module = module_docs.parse_module(tmp_path)
    a, b = module.variables
    assert (a.name, a.type, a.default, a.validations) == (
        "a",
        'list(object({x = optional(string, "}"), y = number}))',
        "[]",
        1,
    )
    assert a.description == 'Says "${var.a == null ? "}" : "{"}" | and ${literal}.'
    assert (b.default, b.description) == (None, "Over two\nlines.")
    assert [(o.name, o.description) for o in module.outputs] == [("c", "C.")]
    table = module_docs.tables(module)
    assert '| `a` | `list(object({x = optional(string, "}"), y = number}))` | `[]` |' in table
    assert "\\| and" in table and "| `b` | `string` | required | Over two lines. |" in table
