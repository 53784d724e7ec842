"""Putting the host executor into LocalStack's environment, and the variables that select it.

Called from the harness's side (standard library only, like the package it copies): the
package goes into LocalStack's site-packages as the top-level `harness_localstack_executor`,
with a `.dist-info` whose `entry_points.txt` registers it in the group LocalStack loads
executors from. Files are written only when their content differs, so a second install
changes nothing (LocalStack's plugin index is keyed on those files' times).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACKAGE = "harness_localstack_executor"
DIST_INFO = f"{PACKAGE}-1.dist-info"
ENTRY_POINT_GROUP = "localstack.lambda.runtime_executor"
EXECUTOR_NAME = "harness-host"
SOURCE = Path(__file__).parent
NOT_SHIPPED = {"install.py"}  # runs on our side only


def package_files() -> dict[str, bytes]:
    """The modules LocalStack's environment gets, by file name."""
    return {
        path.name: path.read_bytes()
        for path in sorted(SOURCE.glob("*.py"))
        if path.name not in NOT_SHIPPED
    }


def install_into(site_packages: Path) -> None:
    """Copy the executor package and its registration into `site_packages` (idempotent)."""
    files = {f"{PACKAGE}/{name}": data for name, data in package_files().items()}
    files[f"{DIST_INFO}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 1\n"
        "Summary: Host Lambda runtime executor for LocalStack (sqs-lambda-harness)\n"
    ).encode()
    files[f"{DIST_INFO}/entry_points.txt"] = (
        f"[{ENTRY_POINT_GROUP}]\n{EXECUTOR_NAME} = {PACKAGE}.executor:HostRuntimeExecutorPlugin\n"
    ).encode()
    files[f"{DIST_INFO}/INSTALLER"] = b"sqs-lambda-harness\n"
    files[f"{DIST_INFO}/RECORD"] = "".join(f"{name},,\n" for name in sorted(files)).encode()
    _remove_stale(site_packages / PACKAGE, {name.split("/", 1)[1] for name in files})
    for name, data in files.items():
        _write_if_changed(site_packages / name, data)


def localstack_environment(run_dir: Path, cache_dir: Path) -> dict[str, str]:
    """The variables LocalStack needs to run functions with the host executor: the executor's
    name, where execution environments keep their files, where runtime venvs are built, where
    Python installs are (LocalStack runs with a HOME of its own), and our pip settings (the
    venvs are built from inside LocalStack)."""
    home = Path.home()
    pyenv = os.environ.get("PYENV_ROOT") or str(home / ".pyenv")
    env = {
        "LAMBDA_RUNTIME_EXECUTOR": EXECUTOR_NAME,
        "HARNESS_LAMBDA_RUN_DIR": str(run_dir),
        "HARNESS_LAMBDA_RUNTIME_CACHE": str(cache_dir),
        "HARNESS_LAMBDA_PYTHON_ROOTS": os.pathsep.join(
            [f"{pyenv}/versions", str(home / ".local/share/uv/python")]
        ),
    }
    if "HARNESS_LAMBDA_PYTHONS" in os.environ:
        env["HARNESS_LAMBDA_PYTHONS"] = os.environ["HARNESS_LAMBDA_PYTHONS"]
    env.update({name: value for name, value in os.environ.items() if name.startswith("PIP_")})
    user_config = [home / ".config/pip/pip.conf", home / ".pip/pip.conf"]
    existing = [path for path in user_config if path.is_file()]
    if existing and "PIP_CONFIG_FILE" not in env:
        env["PIP_CONFIG_FILE"] = str(existing[0])
    return env


def _remove_stale(package_dir: Path, wanted: set[str]) -> None:
    """Modules left from an older copy (renamed or removed since)."""
    if package_dir.is_dir():
        for path in package_dir.iterdir():
            if path.name == "__pycache__":
                continue
            if path.name not in wanted:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
