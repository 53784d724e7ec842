"""Each module's README lists every input and output of the module (the tables stay true)."""

from __future__ import annotations

import re

import pytest

from tests.terraform import tfkit

MODULES = sorted(p for p in (tfkit.TERRAFORM_ROOT / "modules").iterdir() if p.is_dir())


def declared(module, kind: str) -> set[str]:
    names: set[str] = set()
    for path in module.glob("*.tf"):
        names |= set(re.findall(rf'^{kind} "([^"]+)"', path.read_text(), flags=re.MULTILINE))
    return names


def documented(module, heading: str) -> set[str]:
    text = (module / "README.md").read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_readme_tables_match_the_module(module):
    assert documented(module, "Inputs") == declared(module, "variable")
    assert documented(module, "Outputs") == declared(module, "output")
