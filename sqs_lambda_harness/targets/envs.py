"""Pinned Python environments for the emulators the harness runs as host processes.

LocalStack and moto do not go into the project's venv: LocalStack needs Python >= 3.13 and pins
that clash with ours (cryptography, pyopenssl), moto brings its own boto3. Each gets a venv of
its own under the cache (`envs/<name>-<version>-<hash of its pin file>/`), built on first use
from a complete `pip freeze` (`emulator-pins/<name>.txt`), with progress lines, under a file lock so
parallel workers wait instead of building twice. A second use builds nothing; a changed pin
file builds a new environment next to the old one.

`python -m sqs_lambda_harness install [TARGET ...]` builds them ahead of a run, where its
progress is visible (pytest captures a worker's output).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqs_lambda_harness import processes
from sqs_lambda_harness.cache import cache_dir
from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.locks import exclusive
from sqs_lambda_harness.log import format_seconds, heartbeat, say

PINS = Path(__file__).parent / "emulator-pins"  # not importable: data, not a package
COMPLETE = ".harness-complete"  # written last: a directory without it is a broken build
# Generous limits, far above the measured cold builds (≈30 s and ≈20 s from PyPI), so that only
# a hung step is killed: a slow mirror or a loaded machine still finishes.
VENV_TIMEOUT = 5 * 60.0
PIP_TIMEOUT = 20 * 60.0
PYTHON_PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class EmulatorEnv:
    """One emulator's environment: what to install, and which Python it needs and why."""

    name: str
    product: str
    distribution: str  # the emulator's own package in the pin file
    version: str
    min_python: tuple[int, int]
    tested_python: tuple[int, int]
    why_python: str
    expected: str  # the measured cold build, shown while it runs
    pinned: bool = True
    # What else a start needs from the machine, made ready with the environment (idempotent).
    also: Callable[[], None] | None = None

    @property
    def pin_file(self) -> Path:
        return PINS / f"{self.name}.txt"

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.pin_file.read_bytes()).hexdigest()[:12]
        return f"{self.name}-{self.version}-{digest}"

    @property
    def directory(self) -> Path:
        return cache_dir() / "envs" / self.key

    def describe(self) -> str:
        count = sum(1 for _ in _requirements(self))
        return (
            f"own environment: `{self.distribution}` on CPython {_dotted(self.tested_python)}, "
            f"{count} packages pinned in emulator-pins/{self.pin_file.name}"
        )

    def ensure(self) -> Path:
        environment = ensure(self)
        if self.also is not None:
            self.also()
        return environment

    def start_fix(self, environment: Path) -> str:
        return f"the environment is {environment}; delete it to rebuild it on the next run."


def ensure(spec: EmulatorEnv) -> Path:
    """The environment's directory, built first if it is not complete."""
    target = spec.directory
    if (target / COMPLETE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(target.parent / f"{spec.key}.lock"):
        if (target / COMPLETE).is_file():  # another process built it while we waited
            return target
        _build(spec, find_python(spec))
    return target


def _build(spec: EmulatorEnv, python: Path) -> None:
    target = spec.directory
    log_path = target.parent / f"{spec.key}.log"
    shutil.rmtree(target, ignore_errors=True)  # a broken earlier attempt
    total = sum(1 for line in _requirements(spec))
    started = time.monotonic()
    say(
        f"first use of {spec.product} {spec.version}: building its environment in {target} "
        f"with {python} (once; {spec.expected})"
    )
    what = f"{spec.product} {spec.version} environment"
    progress = heartbeat(what, every=10, detail=lambda: _progress(log_path, total))
    with log_path.open("w") as log, progress:
        pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--no-input"]
        steps = [
            ([str(python), "-m", "venv", str(target)], VENV_TIMEOUT),
            ([*pip, "--disable-pip-version-check", "-r", str(spec.pin_file)], PIP_TIMEOUT),
        ]
        for step, timeout in steps:
            log.write(f"$ {' '.join(step)}\n")
            log.flush()
            _build_step(spec, step, timeout, log, log_path)
    seconds = time.monotonic() - started
    record = {"python": str(python), "seconds": round(seconds, 1), "packages": total}
    (target / COMPLETE).write_text(json.dumps(record) + "\n")
    say(f"{spec.product} {spec.version} environment ready in {format_seconds(seconds)}")


def _build_step(
    spec: EmulatorEnv, step: list[str], timeout: float, log: IO[str], log_path: Path
) -> None:
    """One step of a build; a failed or hung one removes the half-built environment."""
    what = f"{' '.join(step[:4])} ..."
    problem = f"Building the {spec.product} {spec.version} environment failed: {what}"
    try:
        failed = processes.run(step, timeout=timeout, what=what, log=log).returncode != 0
    except processes.ProcessTimeout as timed_out:
        failed, problem = True, f"{problem} {timed_out.problem}"
    if failed:
        shutil.rmtree(spec.directory, ignore_errors=True)
        raise HarnessError(
            problem,
            details=tail(log_path.read_text(errors="replace")),
            fix=f"read {log_path}; pip needs PyPI (or your index in pip.conf / "
            "PIP_INDEX_URL). The next run retries from scratch.",
        )


def _requirements(spec: EmulatorEnv) -> Iterator[str]:
    for line in spec.pin_file.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield line.strip()


def _progress(log_path: Path, total: int) -> str:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    if "Installing collected packages" in text:
        return f"installing {total} packages"
    return f"{text.count('Collecting ')} of {total} packages fetched"


def find_python(spec: EmulatorEnv) -> Path:
    """An interpreter the environment can be built with: HARNESS_EMULATOR_PYTHON if set (it
    must qualify); else the tested minor version if any candidate has it; else the first that
    meets the minimum. Candidates: this interpreter, `python3.X`/`python3` on PATH, pyenv's
    and uv's installed versions. Each is asked for its version (pyenv shims of versions that
    are not selected fail that and are skipped) and whether it has venv and ensurepip."""
    explicit = os.environ.get("HARNESS_EMULATOR_PYTHON")
    if explicit:
        version = _version_of(explicit)
        if version is None or version < spec.min_python:
            raise HarnessError(
                f"HARNESS_EMULATOR_PYTHON={explicit} is "
                + (f"Python {version[0]}.{version[1]}" if version else "not a working Python")
                + f", but {spec.why_python}.",
                fix=f"point it at Python >= {_dotted(spec.min_python)} with venv, or unset it.",
            )
        return Path(explicit)
    seen: dict[tuple[int, int], Path] = {}
    looked = []
    for candidate in _candidates(spec):
        looked.append(candidate)
        version = _version_of(candidate)
        if version is None or version < spec.min_python or version in seen:
            continue
        if version == spec.tested_python:
            return Path(candidate)
        seen[version] = Path(candidate)
    if seen:
        return seen[min(seen)]
    raise HarnessError(
        f"{spec.product} {spec.version} needs Python >= {_dotted(spec.min_python)} "
        f"({spec.why_python}), and none with venv was found on this machine.",
        details="looked at: " + ", ".join(looked),
        fix=f"install Python {_dotted(spec.tested_python)} (`pyenv install "
        f"{_dotted(spec.tested_python)}`, `uv python install {_dotted(spec.tested_python)}` or "
        f"`apt-get install python{_dotted(spec.tested_python)}-venv`), or set "
        "HARNESS_EMULATOR_PYTHON to its path.",
    )


def _candidates(spec: EmulatorEnv) -> Iterator[str]:
    yield sys.executable
    tested = f"python{_dotted(spec.tested_python)}"
    for name in (tested, "python3.14", "python3.13", "python3.12", "python3.11", "python3"):
        found = shutil.which(name)
        if found:
            yield found
    pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    uv = str(Path.home() / ".local/share/uv/python")
    installed = glob.glob(f"{pyenv}/versions/*/bin/python3") + glob.glob(f"{uv}/*/bin/python3")
    yield from sorted(installed, key=_numeric, reverse=True)


def _numeric(path: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", path)]


def _version_of(python: str) -> tuple[int, int] | None:
    probe = "import sys, venv, ensurepip; print('%d %d' % sys.version_info[:2])"
    try:
        done = processes.run(
            [python, "-c", probe], timeout=PYTHON_PROBE_TIMEOUT, what=f"{python} -c {probe!r}"
        )
    except (OSError, processes.ProcessTimeout):
        return None
    lines = done.stdout.strip().splitlines()  # stderr shares the stream; the figures end it
    parts = lines[-1].split() if lines else []
    if done.returncode != 0 or len(parts) != 2:
        return None
    return int(parts[0]), int(parts[1])


def _dotted(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
