"""Headless Chromium for the browser tests: found on PATH, or installed by
scripts/ensure-chromium.sh (root with apt-get). Without one the tests skip with the reason,
unless HARNESS_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.browser.chromium import Chromium

ENSURE = Path(__file__).resolve().parents[2] / "scripts" / "ensure-chromium.sh"


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    try:
        result = subprocess.run(
            [str(ENSURE)], capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
        )
        found, reason = result.returncode == 0, (result.stderr.strip() or "no reason given")
    except (OSError, subprocess.TimeoutExpired) as error:
        found, reason = False, str(error)
    if not found:
        message = f"no Chromium for the browser test: {reason.splitlines()[-1]}"
        if os.environ.get("HARNESS_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (HARNESS_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    return Chromium(result.stdout.strip().splitlines()[-1])
