"""The plugin's command-line options and ini key, and `settings_of`: the one place they are
read, together with the environment, into `Settings`.

Every option defaults to None, so an unset option falls through to its variable, then the ini,
then the default (`settings.Settings.load` applies that rule; nothing here does).
"""

from __future__ import annotations

import os

import pytest

from sqs_lambda_harness.settings import DEFAULT_TERRAFORM_ROOT, OPTION_SOURCES, SOURCES, Settings
from sqs_lambda_harness.targets import target_names

HELP = {  # setting -> (metavar, help); the help gets the option's variable or ini key appended
    "target": (
        "NAME",
        "where stacks are applied: {targets} (default embedded, whose MiniStack the harness "
        "starts)",
    ),
    "endpoint_url": (
        "URL",
        "a running LocalStack-compatible endpoint (default: the harness starts the target's "
        "emulator)",
    ),
    "aws_region": ("REGION", "region for the target"),
    "aws_account_allowlist": ("IDS", "comma-separated account ids the aws target may touch"),
    "aws_stand_in": (
        "EMULATOR",
        "the emulator answering for AWS at the endpoint, whose declared capabilities then apply "
        "(the nightly job's dry run; never without an endpoint)",
    ),
    "max_resources": ("N", "cap on resources one run may create (aws default 250)"),
    "teardown": (
        "MODE",
        "destroy: every stack through the provider; discard: stop the run's own emulator with "
        "everything in it (the default where the harness starts it; any other target always "
        "destroys)",
    ),
    "emulator_scope": (
        "SCOPE",
        "run: one emulator the xdist controller starts for all its workers; worker: one per "
        "worker (default: the emulator's own, run for LocalStack, worker for the others)",
    ),
    "terraform_root": (
        "DIR",
        f"tree copied per stack application (default {DEFAULT_TERRAFORM_ROOT})",
    ),
    "report": ("PATH", "write the JSON run report here"),
    "html": ("PATH", "write the run report as one self-contained HTML file here"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sqs-lambda-harness")
    for source in OPTION_SOURCES:
        origin = source.variable or f"ini {source.ini}"
        metavar, text = HELP[source.name]
        text = text.format(targets=", ".join(target_names()))
        group.addoption(
            str(source.option), default=None, metavar=metavar, help=f"{text} [{origin}]"
        )
    parser.addini(
        "harness_terraform_root",
        f"Terraform tree holding modules and stacks (default {DEFAULT_TERRAFORM_ROOT}; "
        "--harness-terraform-root overrides it)",
        default="",
    )


def settings_of(config: pytest.Config) -> Settings:
    """Parse this process's settings (raises `HarnessError` for a bad value)."""
    return Settings.load(
        options={s.name: config.getoption(str(s.option)) for s in OPTION_SOURCES},
        environ=os.environ,
        ini={s.name: config.getini(s.ini) for s in SOURCES if s.ini},
        root=config.rootpath,
    )
