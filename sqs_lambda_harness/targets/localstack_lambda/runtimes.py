"""The Lambda runtimes this executor runs: `python3.x` zip functions, each on an interpreter of
that version found on the machine, in a venv holding the runtime client (awslambdaric) and the
AWS SDK that Lambda's Python runtimes ship (boto3).

A venv is built on first use under HARNESS_LAMBDA_RUNTIME_CACHE (one per interpreter and
requirement set; a file lock makes parallel LocalStacks wait instead of building twice; a
marker written last tells a complete build from an interrupted one). Anything else (Node,
Java, provided, container images, a python3.x with no interpreter here) raises
`RuntimeUnavailable` with the fix, which LocalStack shows as the function's Failed reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

CACHE_VARIABLE = "HARNESS_LAMBDA_RUNTIME_CACHE"
PYTHONS_VARIABLE = "HARNESS_LAMBDA_PYTHONS"  # interpreters to try first, os.pathsep-separated
ROOTS_VARIABLE = "HARNESS_LAMBDA_PYTHON_ROOTS"  # dirs of installs: pyenv's versions/, uv's python/
COMPLETE = ".harness-complete"
# The newest runtime-client wheel for each Python (awslambdaric 4.2 needs >= 3.10).
RUNTIME_CLIENT = {(3, 8): "awslambdaric==2.2.1", (3, 9): "awslambdaric==4.0.4"}
RUNTIME_CLIENT_DEFAULT = "awslambdaric==4.2.2"
SDK = {(3, 8): "boto3"}  # boto3 1.42 needs >= 3.9: pip picks the last one for 3.8
SDK_DEFAULT = "boto3==1.42.72"

_build_lock = threading.Lock()
_found: dict[tuple[int, int], Path] = {}  # interpreters found so far in this process


class RuntimeUnavailable(Exception):
    """This executor cannot run the function; the message says why and what to do."""


def python_version(runtime: str | None) -> tuple[int, int]:
    """(3, 12) for `python3.12`; RuntimeUnavailable for any other runtime."""
    match = re.fullmatch(r"python3\.(\d+)", runtime or "")
    if match is None:
        raise RuntimeUnavailable(
            f"runtime {runtime or '(container image)'} cannot run on the harness's host Lambda "
            "executor, which runs Python zip functions (python3.x) only. Use a python3.x "
            "runtime with a zip package, or run LocalStack with Docker for this function."
        )
    return 3, int(match.group(1))


def requirements(version: tuple[int, int]) -> list[str]:
    return [RUNTIME_CLIENT.get(version, RUNTIME_CLIENT_DEFAULT), SDK.get(version, SDK_DEFAULT)]


def cache_dir() -> Path:
    explicit = os.environ.get(CACHE_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sqs-lambda-harness" / "lambda-runtimes"


def ensure(runtime: str | None, cache: Path | None = None) -> Path:
    """The venv interpreter that runs `runtime`, built first if needed (under `cache`, else
    HARNESS_LAMBDA_RUNTIME_CACHE: the harness builds the default runtime's ahead of a run)."""
    venv, interpreter, wanted = _venv_for(runtime, cache)
    if not (venv / COMPLETE).is_file():
        venv.parent.mkdir(parents=True, exist_ok=True)
        with _build_lock, _file_lock(venv.parent / f"{venv.name}.lock"):
            if not (venv / COMPLETE).is_file():
                _build(venv, interpreter, wanted)
    return venv / "bin" / "python"


def built(runtime: str, cache: Path | None = None) -> bool:
    """Whether `runtime`'s venv is complete (False too where no interpreter is found)."""
    try:
        venv, _, _ = _venv_for(runtime, cache)
    except RuntimeUnavailable:
        return False
    return (venv / COMPLETE).is_file()


def _venv_for(runtime: str | None, cache: Path | None) -> tuple[Path, Path, list[str]]:
    """Where `runtime`'s venv lives (keyed by interpreter and requirements), the interpreter
    it is built from, and what it holds."""
    version = python_version(runtime)
    interpreter = find_interpreter(version)
    wanted = requirements(version)
    key = hashlib.sha256("\n".join([str(interpreter), *wanted]).encode()).hexdigest()[:12]
    return (cache or cache_dir()) / f"python{version[0]}.{version[1]}-{key}", interpreter, wanted


def find_interpreter(version: tuple[int, int]) -> Path:
    if version in _found and _found[version].exists():
        return _found[version]
    dotted = f"{version[0]}.{version[1]}"
    looked = []
    for candidate in _candidates(dotted):
        looked.append(candidate)
        if _version_of(candidate) == version:
            _found[version] = Path(candidate)
            return _found[version]
    raise RuntimeUnavailable(
        f"runtime python{dotted} needs a Python {dotted} interpreter with venv, and none was "
        f"found on this machine (looked at: {', '.join(looked) or 'nothing'}). Install it "
        f"(`pyenv install {dotted}`, `uv python install {dotted}` or `apt-get install "
        f"python{dotted}-venv`) or add its path to {PYTHONS_VARIABLE}."
    )


def _candidates(dotted: str) -> list[str]:
    """Explicit interpreters, then installs under the roots (newest patch first), then PATH."""
    explicit = [p for p in os.environ.get(PYTHONS_VARIABLE, "").split(os.pathsep) if p]
    pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    roots = [p for p in os.environ.get(ROOTS_VARIABLE, "").split(os.pathsep) if p]
    roots += [f"{pyenv}/versions", str(Path.home() / ".local/share/uv/python")]
    installed: list[str] = []
    for root in roots:
        found = glob.glob(f"{glob.escape(root)}/*{dotted}*/bin/python{dotted}")
        installed += sorted(found, key=_numeric, reverse=True)
    on_path = shutil.which(f"python{dotted}")
    return list(dict.fromkeys([*explicit, *installed, *([on_path] if on_path else [])]))


def _numeric(path: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", path)]


def _version_of(python: str) -> tuple[int, int] | None:
    probe = "import sys, venv, ensurepip; print('%d %d' % sys.version_info[:2])"
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2:
        return None
    return int(parts[0]), int(parts[1])


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on a file for the `with` block (waits until it is free); not the
    harness's `locks.py`, which this package cannot import inside LocalStack."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(venv: Path, interpreter: Path, wanted: list[str]) -> None:
    """`python -m venv`, then pip install; a failure removes the half-built venv."""
    log_path = venv.parent / f"{venv.name}.log"
    shutil.rmtree(venv, ignore_errors=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--no-input", "--disable-pip-version-check"]
    steps = [
        ([str(interpreter), "-m", "venv", str(venv)], 300),
        ([*pip, "--only-binary=awslambdaric", *wanted], 900),
    ]
    with log_path.open("w") as log:
        for step, timeout in steps:
            log.write(f"$ {' '.join(step)}\n")
            log.flush()
            try:
                code = subprocess.run(
                    step, stdout=log, stderr=subprocess.STDOUT, timeout=timeout
                ).returncode
            except subprocess.TimeoutExpired:
                code = -1
            if code != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise RuntimeUnavailable(
                    f"building the Lambda runtime venv {venv} failed at `{' '.join(step[:5])} "
                    f"...`; read {log_path}. pip needs PyPI or your index (PIP_INDEX_URL, "
                    "pip.conf); the next create retries."
                )
    (venv / COMPLETE).write_text(" ".join(wanted) + "\n")
