"""What a function process sees: its variables and its own directories.

The variables are LocalStack's (the `AWS_*`/`AWS_LAMBDA_*` set, `_HANDLER`, `AWS_ENDPOINT_URL`
back at the emulator, the function's own variables last), with the paths that a container
would have at /var/task and /tmp moved to the host: `LAMBDA_TASK_ROOT` is the unzipped code,
`TMPDIR` and `HOME` are private to the execution environment under the run directory. Nothing
of LocalStack's own process environment leaks in (its settings, credentials, PYTHONPATH).
LocalStack's internal variables for its Docker init are dropped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

RUN_DIR_VARIABLE = "HARNESS_LAMBDA_RUN_DIR"
INTERNAL = ("LOCALSTACK_RUNTIME_ID", "LOCALSTACK_RUNTIME_ENDPOINT", "LOCALSTACK_CHMOD_PATHS")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
RESERVED = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}


def run_dir() -> Path:
    """Where execution environments keep their private files: HARNESS_LAMBDA_RUN_DIR, else
    a directory under the temporary directory."""
    explicit = os.environ.get(RUN_DIR_VARIABLE)
    return Path(explicit) if explicit else Path(tempfile.gettempdir()) / "harness-lambda"


class Sandbox:
    """An execution environment's own `home` and `tmp`, removed when it stops."""

    def __init__(self, function_name: str, environment_id: str) -> None:
        self.root = run_dir() / f"{function_name}-{environment_id}"
        self.home = self.root / "home"
        self.tmp = self.root / "tmp"
        for directory in (self.home, self.tmp):
            directory.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def process_environment(
    localstack_vars: dict[str, object],
    function_vars: dict[str, str],
    code_dir: Path,
    python_bin: Path,
    sandbox: Sandbox,
    execution_env: str,
) -> dict[str, str]:
    """The function process's complete environment. The function's own variables win over
    ours (a function may set PYTHONPATH or TMPDIR), except the names Lambda reserves."""
    env = {
        "PATH": f"{python_bin}:{SYSTEM_PATH}",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update({name: str(value) for name, value in localstack_vars.items()})
    for name in INTERNAL:
        env.pop(name, None)
    env.update(
        {
            "PYTHONPATH": str(code_dir),
            "HOME": sandbox.home.as_posix(),
            "TMPDIR": sandbox.tmp.as_posix(),
        }
    )
    env.update({name: value for name, value in function_vars.items() if not _reserved(name)})
    env.update(
        {
            "LAMBDA_TASK_ROOT": str(code_dir),
            "LAMBDA_RUNTIME_DIR": str(python_bin.parent),
            "AWS_EXECUTION_ENV": execution_env,
        }
    )
    return env


def _reserved(name: str) -> bool:
    """Names AWS rejects in a function's configuration (LocalStack accepts them)."""
    return name in RESERVED or name.startswith("AWS_LAMBDA_")
