"""Every setting the harness reads, parsed once into one frozen value with one precedence rule:
command-line option > environment variable > ini > default. A blank value counts as unset.

Nothing here reads pytest or the process environment by itself: the caller hands in the
sources, so a run that never uses the harness never parses (nor rejects) any of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqs_lambda_harness.errors import HarnessError


@dataclass(frozen=True)
class Source:
    """Where one setting may be given: a command-line option, an environment variable, an ini
    key (any of them optional), looked up in that order."""

    name: str
    option: str | None = None
    variable: str | None = None
    ini: str | None = None


SOURCES = (
    Source("target", "--harness-target", "HARNESS_TARGET"),
    Source("endpoint_url", "--harness-endpoint-url", "HARNESS_ENDPOINT_URL"),
    Source("aws_region", "--harness-aws-region", "AWS_REGION"),
    Source(
        "aws_account_allowlist",
        "--harness-aws-account-allowlist",
        "HARNESS_AWS_ACCOUNT_ALLOWLIST",
    ),
    Source("aws_stand_in", "--harness-aws-stand-in", "HARNESS_AWS_STAND_IN"),
    Source("max_resources", "--harness-max-resources", "HARNESS_MAX_RESOURCES"),
    Source("teardown", "--harness-teardown", "HARNESS_TEARDOWN"),
    Source("terraform_root", "--harness-terraform-root", ini="harness_terraform_root"),
    Source("report", "--harness-report", "HARNESS_REPORT"),
    Source("html", "--harness-html", "HARNESS_HTML"),
    Source("run_id", variable="HARNESS_RUN_ID"),
    Source("run_started_at", variable="HARNESS_RUN_STARTED_AT"),
    Source("work_dir", variable="HARNESS_WORK_DIR"),
    Source("emulator_timeout", variable="HARNESS_EMULATOR_TIMEOUT"),
    Source("emulator_port", variable="HARNESS_EMULATOR_PORT"),
    Source("emulator_scope", "--harness-emulator-scope", "HARNESS_EMULATOR_SCOPE"),
    Source("apply_slots", variable="HARNESS_APPLY_SLOTS"),
    Source("build_missing", variable="HARNESS_BUILD_MISSING"),
)
SOURCE_OF = {source.name: source for source in SOURCES}
OPTION_SOURCES = tuple(source for source in SOURCES if source.option)
DEFAULT_TERRAFORM_ROOT = "terraform"
DEFAULT_EMULATOR_TIMEOUT = 60.0


@dataclass(frozen=True)
class Given:
    """A raw value and where it came from (`--harness-max-resources`, `HARNESS_APPLY_SLOTS`),
    so an error names the place the user has to fix."""

    value: str
    where: str


class Lookup:
    """The first non-blank value of a setting, in precedence order."""

    def __init__(
        self,
        options: Mapping[str, str | None],
        environ: Mapping[str, str],
        ini: Mapping[str, str | None],
    ) -> None:
        self.options = options
        self.environ = environ
        self.ini = ini

    def __call__(self, name: str) -> Given | None:
        source = SOURCE_OF[name]
        candidates = (
            (self.options.get(name) if source.option else None, source.option),
            (self.environ.get(source.variable) if source.variable else None, source.variable),
            (self.ini.get(name) if source.ini else None, f"ini {source.ini}"),
        )
        for value, where in candidates:
            if value is not None and str(value).strip():
                return Given(str(value).strip(), str(where))
        return None


@dataclass(frozen=True)
class Settings:
    """What the user asked of the harness. Target names and teardown modes are checked where
    they are resolved (`targets.resolve_target`, `resolve_teardown`); numbers and flags here."""

    work_dir: Path
    terraform_root: Path
    target: str = "embedded"
    endpoint_url: str | None = None
    aws_region: str | None = None
    aws_account_allowlist: str | None = None
    aws_stand_in: str | None = None  # an emulator answering for AWS at the endpoint (dry runs)
    max_resources: int | None = None  # None: the target's own cap (aws: 250), else none
    teardown: str | None = None  # None: the target's default
    report: Path | None = None
    html: Path | None = None
    run_id: str | None = None
    run_started_at: str | None = None
    emulator_timeout: float = DEFAULT_EMULATOR_TIMEOUT
    emulator_port: int | None = None
    emulator_scope: str | None = None  # None: the emulator's own (EmulatorSpec.scope)
    apply_slots: int = 0  # 0: no limit
    build_missing: bool = False

    @classmethod
    def load(
        cls,
        *,
        options: Mapping[str, str | None],
        environ: Mapping[str, str],
        ini: Mapping[str, str | None],
        root: Path,
    ) -> Settings:
        """Parse every setting from its sources (options and ini keyed by setting name);
        relative directories are taken from `root` (pytest's rootdir). Raises `HarnessError`
        naming the source of the first bad value."""
        given = Lookup(options, environ, ini)

        def text(name: str) -> str | None:
            found = given(name)
            return found.value if found else None

        def path(name: str) -> Path | None:
            found = given(name)
            return Path(found.value) if found else None

        return cls(
            target=text("target") or "embedded",
            endpoint_url=text("endpoint_url"),
            aws_region=text("aws_region"),
            aws_account_allowlist=text("aws_account_allowlist"),
            aws_stand_in=text("aws_stand_in"),
            max_resources=_max_resources(given("max_resources")),
            teardown=text("teardown"),
            terraform_root=(root / (text("terraform_root") or DEFAULT_TERRAFORM_ROOT)).resolve(),
            report=path("report"),
            html=path("html"),
            run_id=text("run_id"),
            run_started_at=text("run_started_at"),
            work_dir=path("work_dir") or root / ".harness",
            emulator_timeout=_seconds(given("emulator_timeout")),
            emulator_port=_port(given("emulator_port")),
            emulator_scope=_scope(given("emulator_scope")),
            apply_slots=_apply_slots(given("apply_slots")),
            build_missing=_flag(given("build_missing")),
        )


def _whole_number(given: Given, fix: str) -> int:
    if not given.value.isdigit():
        raise HarnessError(f"{given.where}={given.value!r} is not a whole number.", fix=fix)
    return int(given.value)


def _max_resources(given: Given | None) -> int | None:
    if given is None:
        return None
    fix = "set it to how many resources one run may create, or unset it."
    return _whole_number(given, fix) or None


def _apply_slots(given: Given | None) -> int:
    """One apply start per core unless told otherwise: on 2 cores, 2 slots took the suite's
    wall from 104.5 s to 100.7 s (median of 3 paired runs) and the apply median from 74 to 60 s."""
    if given is None:
        return os.cpu_count() or 0
    return _whole_number(
        given, "set it to how many applies may start at once (0: no limit), or unset it."
    )


def _seconds(given: Given | None) -> float:
    if given is None:
        return DEFAULT_EMULATOR_TIMEOUT
    try:
        seconds = float(given.value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise HarnessError(
            f"{given.where}={given.value!r} is not a positive number of seconds.",
            fix=f"set it to how long an emulator may take to start "
            f"(default {DEFAULT_EMULATOR_TIMEOUT:.0f}), or unset it.",
        )
    return seconds


EMULATOR_SCOPES = ("run", "worker")


def _scope(given: Given | None) -> str | None:
    if given is None:
        return None
    if given.value not in EMULATOR_SCOPES:
        raise HarnessError(
            f"{given.where}={given.value!r} is not an emulator scope.",
            fix="set it to run (one emulator for all xdist workers) or worker (one each), or "
            "unset it for the emulator's own default.",
        )
    return given.value


def _port(given: Given | None) -> int | None:
    if given is None:
        return None
    fix = "set it to a free TCP port (1-65535), or unset it for a free one."
    port = _whole_number(given, fix)
    if not 0 < port < 65536:
        raise HarnessError(f"{given.where}={given.value!r} is not a TCP port.", fix=fix)
    return port


FLAG_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _flag(given: Given | None) -> bool:
    if given is None:
        return False
    if given.value.lower() not in FLAG_VALUES:
        raise HarnessError(
            f"{given.where}={given.value!r} is neither 1 nor 0.",
            fix="set it to 1 (yes) or 0 (no), or unset it.",
        )
    return FLAG_VALUES[given.value.lower()]
