"""Building a pinned Go program from the Go module proxy: download the module at its pinned
version, verify the zip's hash against the pin, compile it inside the module's own directory.
Every `go` command runs through `processes`, with a time limit stated here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqs_lambda_harness import processes
from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.log import format_seconds, heartbeat, say

# The hashicorp/aws provider compiles ~1,900 packages: about 20 minutes cold on 2 cores, and a
# machine shared with other builds or a test run takes longer. An hour fails a build that hangs
# (a stalled proxy, a wedged compiler) without failing one that is merely slow.
BUILD_TIMEOUT = 60 * 60.0
# `go mod download` of one module zip (the aws provider's is the largest, ~9 s on a fast link);
# `go list -deps` may first fetch the module's whole dependency graph.
DOWNLOAD_TIMEOUT = 15 * 60.0
LIST_TIMEOUT = 20 * 60.0
VERSION_TIMEOUT = 60.0  # `go version` answers at once; a minute covers a machine under load


@dataclass(frozen=True)
class GoBuild:
    """A Go program pinned to one module version, built inside the module's own directory.

    Building in the downloaded module (not `go install`) keeps its go.mod `replace` directives.
    `sum` is the module zip's h1: hash: for modules absent from the checksum database it is the
    only integrity check, so it is verified for every pin.
    """

    name: str
    module: str
    version: str
    sum: str
    package: str = "."
    ldflags: tuple[str, ...] = ()
    outside_sumdb: bool = False

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


def go_build(spec: GoBuild, output: Path, label: str) -> None:
    """Download `spec.module@spec.version`, verify its sum, compile it to `output`."""
    go = go_binary()
    env = {
        **go_env(),
        "GOFLAGS": "-mod=readonly -buildvcs=false",
    }
    if spec.outside_sumdb:
        env["GONOSUMDB"] = ",".join(filter(None, [env.get("GONOSUMDB"), spec.module]))
    module_dir = download_module(go, spec, env)
    _require_go_version(go, module_dir / "go.mod", label)

    total = _count_packages(go, spec, module_dir, env)
    output.parent.mkdir(parents=True, exist_ok=True)
    log_path = output.parent / "build.log"
    partial = output.with_name(output.name + ".partial")
    command = [go, "build", "-v", "-trimpath", "-o", str(partial)]
    ldflags = " ".join(("-s", "-w", *spec.ldflags))
    command += ["-ldflags", ldflags, spec.package]
    compiled = 0

    def count(line: str) -> None:
        nonlocal compiled
        if not line.startswith(("#", " ", "\t")):  # `go build -v` names each package it builds
            compiled += 1

    def detail() -> str:
        of_total = f"/{total}" if total else ""
        return f"{compiled}{of_total} packages compiled, log {log_path}"

    try:
        with (
            heartbeat(f"building {label} from the Go module proxy", detail=detail),
            log_path.open("w") as log,
        ):
            result = processes.run(
                command,
                timeout=BUILD_TIMEOUT,
                what=f"Building {label} (go build)",
                log=log,
                env=env,
                cwd=module_dir,
                on_line=count,
            )
    except BaseException:  # timed out or interrupted: no half-written binary stays behind
        partial.unlink(missing_ok=True)
        raise
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise HarnessError(
            f"Building {label} failed (go build exit {result.returncode}).",
            details=tail(log_path.read_text(), 40),
            fix=f"read {log_path}; a too-old Go, a full disk or an unreachable Go module proxy "
            "(GOPROXY) are the usual causes.",
        )
    partial.rename(output)
    size = output.stat().st_size / 2**20
    say(f"built {label}: {output} ({size:.0f} MiB)")


def go_env() -> dict[str, str]:
    """The environment every `go` command runs with: no automatic toolchain download (it would
    fail offline, obscurely)."""
    return {**os.environ, "GOTOOLCHAIN": "local"}


def go_binary() -> str:
    go = shutil.which("go")
    if not go:
        raise HarnessError(
            "Go is not installed, and it is needed to build the CLI/providers from source "
            "because the Terraform registry is unreachable.",
            fix="install Go >= 1.25 (https://go.dev/dl or your package manager), or make the "
            "registry reachable, or set TF_BINARY to an existing terraform/tofu.",
        )
    return go


def download_module(go: str, spec: GoBuild, env: dict[str, str]) -> Path:
    """`go mod download -json` the pin and check the zip's hash against the pinned one."""
    started = time.monotonic()
    result = processes.run(
        [go, "mod", "download", "-json", f"{spec.module}@{spec.version}"],
        timeout=DOWNLOAD_TIMEOUT,
        what=f"Downloading {spec.module}@{spec.version} (go mod download)",
        env=env,
        cwd=Path(tempfile.gettempdir()),  # outside any module, so no go.mod here interferes
    )
    info = _json_document(result.stdout)
    if result.returncode != 0 or "Error" in info or "Dir" not in info:
        raise HarnessError(
            f"The Go module proxy did not serve {spec.module}@{spec.version}.",
            details=info.get("Error") or tail(result.stdout),
            fix="check GOPROXY reaches a proxy that holds this version; if the pin is gone, "
            "choose another revision in sqs_lambda_harness/terraform/toolchain.py and update "
            "its sum.",
        )
    if info.get("Sum") != spec.sum:
        raise HarnessError(
            f"{spec.module}@{spec.version} has hash {info.get('Sum')}, pinned {spec.sum}.",
            fix="do not build it: the proxy served different content than was pinned.",
        )
    say(f"downloaded {spec.module}@{spec.version} in {format_seconds(time.monotonic() - started)}")
    return Path(info["Dir"])


def _json_document(output: str) -> dict[str, str]:
    """The JSON object `go mod download -json` printed. Its stderr is merged into the output:
    the object starts at the first line that opens one, and anything after it is not part."""
    start = re.search(r"^\{", output, flags=re.MULTILINE)
    if start is None:
        return {}
    try:
        document, _ = json.JSONDecoder().raw_decode(output, start.start())
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _require_go_version(go: str, go_mod: Path, label: str) -> None:
    match = re.search(r"^go (\d+)\.(\d+)(?:\.(\d+))?", go_mod.read_text(), re.M)
    wanted = tuple(int(part or 0) for part in match.groups()) if match else (1, 0, 0)
    output = processes.run(
        [go, "version"], timeout=VERSION_TIMEOUT, what="`go version`", env=go_env()
    ).stdout
    have_match = re.search(r"go(\d+)\.(\d+)(?:\.(\d+))?", output)
    have = tuple(int(part or 0) for part in have_match.groups()) if have_match else (0, 0, 0)
    if have < wanted:
        need = ".".join(map(str, wanted))
        raise HarnessError(
            f"{label} needs Go >= {need}; `go version` says: {output.strip()}.",
            fix=f"install Go >= {need} and put it first on PATH.",
        )


def _count_packages(go: str, spec: GoBuild, module_dir: Path, env: dict[str, str]) -> int:
    """How many packages the build compiles at most, for the progress figure (0 if unknown)."""
    result = processes.run(
        [go, "list", "-deps", spec.package],
        timeout=LIST_TIMEOUT,
        what=f"Listing the packages of {spec.module} (go list)",
        env=env,
        cwd=module_dir,
    )
    # One import path a line; `go: downloading ...` lines (stderr, merged) have a space.
    packages = [line for line in result.stdout.splitlines() if line and " " not in line]
    return len(packages) if result.returncode == 0 else 0
