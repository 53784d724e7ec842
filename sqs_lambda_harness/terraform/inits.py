"""`init` once per configuration in a run. The first application of a stack keeps what its
`init` made (the module list, the provider links, the lock file: a few KB), and later
applications of the same configuration copy it instead of repeating a second of CLI work on a
busy CPU. Keyed by a hash of the tree's .tf files, so a copy made after the tree changed gets
an `init` of its own."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from sqs_lambda_harness.locks import exclusive
from sqs_lambda_harness.terraform.runner import Runner

LOCK_FILE = ".terraform.lock.hcl"


def initialised(runner: Runner, stack: str, kept_under: Path) -> None:
    """`runner`'s working copy of `stack`, initialised: by `init` the first time in a run
    (what it made is kept under `kept_under`), by a copy of that after."""
    tree = runner.workdir.parents[len(Path(stack).parts) - 1]
    kept = kept_under / f"{Path(stack).name}-{_digest(tree)}"
    with exclusive(kept.parent / f"{kept.name}.lock"):
        if (kept / "whole").is_file():
            _copy(kept, runner.workdir)
            runner.note(f"init: copied from the run's first init of this configuration, {kept}")
            return
        runner.init()
        kept.mkdir(parents=True, exist_ok=True)
        _copy(runner.workdir, kept)
        (kept / "whole").touch()  # last: a copy interrupted halfway is never used


def _copy(source: Path, destination: Path) -> None:
    """What `init` leaves in a working copy, provider links kept as links."""
    if (source / ".terraform").is_dir():
        shutil.copytree(
            source / ".terraform", destination / ".terraform", symlinks=True, dirs_exist_ok=True
        )
    if (source / LOCK_FILE).is_file():
        shutil.copy2(source / LOCK_FILE, destination / LOCK_FILE)


def _digest(tree: Path) -> str:
    """What `init` reads in a working copy (every .tf file, names and contents), hashed."""
    digest = hashlib.sha256()
    for path in sorted(tree.rglob("*.tf")):
        digest.update(f"{path.relative_to(tree)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
