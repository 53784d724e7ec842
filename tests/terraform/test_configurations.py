"""Every module, stack and example is formatted and valid (init uses the mirror); the rule tests'
generated configurations are planned by those tests."""

from __future__ import annotations

import pytest

from tests.terraform import tfkit

pytestmark = [
    pytest.mark.terraform,
]

CONFIGURATIONS = sorted(
    str(path.relative_to(tfkit.REPO))
    for parent in ("terraform/modules", "terraform/stacks", "terraform/examples")
    for path in (tfkit.REPO / parent).iterdir()
    if path.is_dir() and any(path.glob("*.tf"))
)


def test_configurations_are_found():
    names = {path.split("/")[-1] for path in CONFIGURATIONS}
    assert {"sqs-queue", "lambda-function", "sqs-lambda-trigger", "ci-role"} <= names
    assert {"queue", "pipeline", "poller", "orders-pipeline"} <= names


@pytest.mark.parametrize("directory", ["terraform", "tests/terraform/fixtures"])
def test_formatted(directory, tmp_path):
    result = tfkit.runner(tfkit.REPO, tmp_path / "fmt.log").fmt_check(directory)
    assert result.ok, f"not formatted (run `terraform fmt -recursive`):\n{result.text}"


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_valid(initialized, configuration):
    directory = initialized(configuration)
    result = tfkit.runner(directory).validate(check=False)
    assert result.ok and not result.errors, result.explain()
