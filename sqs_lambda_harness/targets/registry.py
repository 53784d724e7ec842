"""The emulators the harness knows: one `EmulatorSpec` each, in a module of its own in this
package, so adding an emulator is that module plus its name in `BUILT_IN`. Everything else
(target names, starting, capabilities, tolerances, the `emulators` and `install` commands, the
docs table) reads the registry.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Protocol

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets.capabilities import KNOWN_CAPABILITIES, Capability
from sqs_lambda_harness.targets.tolerances import Tolerances

# The built-in emulators, in the order reports and matrices list them: modules of this package,
# each defining `SPEC`.
BUILT_IN = ("ministack", "localstack", "moto")
NOT_AN_EMULATOR = "aws"  # the one target that is not in the registry
# Where LocalStack (and MiniStack, which copies its API) says it is up.
LOCALSTACK_HEALTH_PATH = "/_localstack/health"
GIVEN_ENDPOINT_FIX = (
    "check that the emulator at {endpoint} runs, or leave HARNESS_ENDPOINT_URL unset: the "
    "harness then starts one itself (`make test-local TARGET={name}`)."
)


class Installation(Protocol):
    """How an emulator gets onto the machine."""

    @property
    def version(self) -> str: ...

    @property
    def pinned(self) -> bool:
        """True when it needs an environment of its own, built by `install`."""
        ...

    def describe(self) -> str: ...

    def ensure(self) -> Path:
        """The Python environment to run it from, built first if it is missing."""
        ...

    def start_fix(self, environment: Path) -> str:
        """What to check when it exits before it is healthy."""
        ...


@dataclass(frozen=True)
class InVenv:
    """Installed in the harness's own environment, through one of its extras."""

    distribution: str
    extra: str
    pinned: bool = False

    @property
    def version(self) -> str:
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return ""

    def describe(self) -> str:
        return f"in the project venv (`{self.distribution}`, extra `{self.extra}`)"

    def ensure(self) -> Path:
        return Path(sys.prefix)

    def start_fix(self, environment: Path) -> str:
        return (
            f"is `{self.distribution}` installed in this environment (pip install "
            f"'sqs-lambda-harness[{self.extra}]')?"
        )


@dataclass(frozen=True)
class Launch:
    """One start of an emulator: its loopback port, the environment it runs from, and the
    directory for its own files (next to the run's logs, so they go with the run)."""

    port: int
    environment: Path
    data_dir: Path

    def isolated_env(self) -> dict[str, str]:
        """A fresh environment: nothing of ours (AWS_*, HARNESS_*, a user's emulator settings)
        leaks into the emulator, and its home, caches and temporary files stay in `data_dir`."""
        for sub in ("home", "cache", "tmp"):
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)
        return {
            "PATH": f"{self.environment / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.data_dir / "home"),
            "XDG_CACHE_HOME": str(self.data_dir / "cache"),
            "TMPDIR": str(self.data_dir / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
        }


@dataclass(frozen=True)
class EmulatorSpec:
    """Everything the harness knows about one emulator.

    `capabilities` hold wherever it runs; `host_capabilities` are further differences when
    the harness runs it itself as a host process (no Docker). Capabilities not named are
    supported. `unreachable_fix` may use `{endpoint}` and `{name}`.
    """

    name: str  # the target name, in reports and matrices
    product: str  # what reports call the emulator
    install: Installation
    command: Callable[[Launch], list[str]]
    health_path: str
    tolerances: Tolerances
    environment: Callable[[Launch], dict[str, str]] = Launch.isolated_env
    aliases: tuple[str, ...] = ()
    capabilities: Mapping[str, Capability] = field(default_factory=dict)
    host_capabilities: Mapping[str, Capability] = field(default_factory=dict)
    stop_grace: float = 10.0  # SIGTERM to SIGKILL of its whole process group
    default_teardown: str = "discard"  # where the harness started it for the run
    # "worker": one process per xdist worker (light, and a death stays in one worker); "run":
    # one process the xdist controller starts for all its workers (heavy emulators).
    scope: str = "worker"
    unreachable_fix: str = GIVEN_ENDPOINT_FIX

    @property
    def version(self) -> str:
        return self.install.version

    def capabilities_for(self, started_by_harness: bool) -> dict[str, Capability]:
        if started_by_harness:
            return {**self.capabilities, **self.host_capabilities}
        return dict(self.capabilities)

    def declared(self) -> dict[str, Capability]:
        """Every capability the spec names, the host process's where they differ."""
        return self.capabilities_for(started_by_harness=True)


_registered: dict[str, EmulatorSpec] = {}
_built_ins_loaded = False
_loading = threading.RLock()  # a second thread waits for the built-ins instead of missing them


def register(spec: EmulatorSpec) -> None:
    """Add an emulator after those registered before it. Its names must be new and its
    capabilities in the catalogue."""
    _load_built_ins()
    taken = {NOT_AN_EMULATOR} | {n for known in _registered.values() for n in _names_of(known)}
    clashes = sorted(taken & set(_names_of(spec)))
    if clashes:
        raise HarnessError(
            f"Cannot register emulator {spec.name!r}: {', '.join(clashes)} already names a target.",
            fix="give it a target name and aliases no other target uses.",
        )
    unknown = sorted({*spec.capabilities, *spec.host_capabilities} - KNOWN_CAPABILITIES)
    if unknown:
        raise HarnessError(
            f"Emulator {spec.name!r} declares capabilities the catalogue does not know: "
            f"{', '.join(unknown)}.",
            fix="declare them in sqs_lambda_harness/targets/capabilities.py (what they mean, how "
            "they are measured), or fix the spelling.",
        )
    _registered[spec.name] = spec


def unregister(name: str) -> None:
    """Remove an emulator (tests register their own and remove them again)."""
    _load_built_ins()
    _registered.pop(name, None)


def find(name: str) -> EmulatorSpec | None:
    """The emulator a target name or alias stands for, if any."""
    wanted = (name or "").lower()
    return next((spec for spec in specs() if wanted in _names_of(spec)), None)


def specs() -> tuple[EmulatorSpec, ...]:
    """Every registered emulator, in registration order."""
    _load_built_ins()
    return tuple(_registered.values())


def names() -> tuple[str, ...]:
    return tuple(spec.name for spec in specs())


def _names_of(spec: EmulatorSpec) -> tuple[str, ...]:
    return (spec.name, *spec.aliases)


def _load_built_ins() -> None:
    """Import the built-in emulators' modules once, on first use (they import this module)."""
    global _built_ins_loaded
    with _loading:
        if _built_ins_loaded:
            return
        _built_ins_loaded = True  # before: each `register` below asks for the built-ins too
        for module in BUILT_IN:
            register(importlib.import_module(f"{__package__}.{module}").SPEC)
