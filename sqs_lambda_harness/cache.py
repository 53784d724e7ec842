"""Where the harness keeps what outlives a run: built CLIs and providers, emulator
environments, the leftover ledger. Outside any work tree, shared by every clone."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`HARNESS_CACHE_DIR`, else `$XDG_CACHE_HOME/sqs-lambda-harness`: outside any work tree."""
    explicit = os.environ.get("HARNESS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sqs-lambda-harness"
