"""Drive headless Chromium from the command line: the DOM after the page's scripts ran
(--dump-dom), and screenshots. A fresh profile every time; no sandbox (root in containers)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# No sandbox (root in containers), no GPU, and nothing that reaches the network on its own.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
WIDTH = 1280


@dataclass
class Chromium:
    binary: str

    def _run(self, page: Path, height: int, *args: str) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            result = subprocess.run(
                [
                    self.binary,
                    *FLAGS,
                    f"--user-data-dir={profile}",  # a fresh profile every time
                    f"--window-size={WIDTH},{height}",
                    *args,
                    page.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=180,
                stdin=subprocess.DEVNULL,
            )
        assert result.returncode == 0, f"chromium failed:\n{result.stderr[-3000:]}"
        return result

    def dump_dom(self, page: Path, height: int = 900) -> str:
        """The DOM after the page's scripts ran (--dump-dom)."""
        return self._run(page, height, "--dump-dom").stdout

    def screenshot(self, page: Path, out: Path, height: int) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        self._run(page, height, f"--screenshot={out.resolve()}")
        assert out.is_file(), f"chromium wrote no screenshot to {out}"
        return out


def read_geometry(dom: str) -> dict[str, Any]:
    """The JSON the measuring script left in <pre id="geometry">."""
    match = re.search(r'<pre id="geometry">(.*?)</pre>', dom, re.S)
    assert match, "the measuring script did not run (no #geometry in the DOM)"
    return json.loads(html.unescape(match.group(1)))
