"""A Terraform-compatible CLI and the hashicorp providers, wherever the registry is unreachable.

With a normal network nothing happens here: the CLI on PATH is used and `init` talks to the
public registry. Where the registry does not answer (air-gapped CI, our own machines), the
providers are compiled from the Go module proxy at pinned revisions into a filesystem mirror,
and a generated CLI config points `init` at it. A missing CLI is compiled from OpenTofu's
source the same way. Builds are cached outside the work tree, keyed by the pin, so a second run
compiles nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqs_lambda_harness.cache import cache_dir
from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.locks import exclusive
from sqs_lambda_harness.log import format_seconds, heartbeat, say
from sqs_lambda_harness.terraform.runner import Runner

MIRROR_HOSTS = ("registry.terraform.io", "registry.opentofu.org")


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


@dataclass(frozen=True)
class ProviderPin:
    """A provider build plus the release version the mirror labels it with.

    The label keeps `required_providers` constraints meaningful: the build of a commit is
    filed under the release that commit corresponds to (its CHANGELOG's top entry).
    """

    type: str
    release: str
    build: GoBuild


# hashicorp/aws 6.13.0. The Go proxy refuses v2+ provider tags (the module path has no /v6
# suffix) and serves no hashicorp pseudo-version here; it does serve the Crossplane fork that
# tracks upstream, whose module path and main package are hashicorp's own. That fork is not in
# the checksum database, hence the pinned sum. Not 6.34.0 or later without the fix (#48722):
# from 6.34.0 every SQS queue delete waits ~155 s (hashicorp/terraform-provider-aws#48682),
# and the fork commits that would carry the fix (merged 2026-07-01) are not served. 6.13.0
# predates the regression and has everything the modules use (1 MiB messages came in 6.9.0).
AWS = ProviderPin(
    type="aws",
    release="6.13.0",
    build=GoBuild(
        name="terraform-provider-aws",
        module="github.com/upbound/terraform-provider-aws",
        version="v0.0.0-20251204202605-7049bcc1808e",
        sum="h1:8vCgYjBCQ7Mn391mft3hRk8eAomY48L7PS6Trdg9QwI=",
        ldflags=("-X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=6.13.0",),
        outside_sumdb=True,
    ),
)
# The only hashicorp/archive version the proxy serves; `archive_file` is all we use of it.
ARCHIVE = ProviderPin(
    type="archive",
    release="1.3.0",
    build=GoBuild(
        name="terraform-provider-archive",
        module="github.com/hashicorp/terraform-provider-archive",
        version="v1.3.0",
        sum="h1:5qkRxBHFBG25bt6mW4bCrRQhmpxSFZHkpoRzGEdkfTY=",
    ),
)
PROVIDERS = (AWS, ARCHIVE)
OPENTOFU = GoBuild(
    name="tofu",
    module="github.com/opentofu/opentofu",
    version="v1.10.7",
    sum="h1:8alUSELAsxZ4X5NdYCKN8lclBAzV1KwaZnuuM88yt1Y=",
    package="./cmd/tofu",
    ldflags=("-X github.com/opentofu/opentofu/version.dev=no",),
)
# Checks of the repository itself (`make test`): the workflow linter, and the compose-spec
# JSON schema that docker-compose.yml is validated against where no Docker CLI/engine exists.
ACTIONLINT = GoBuild(
    name="actionlint",
    module="github.com/rhysd/actionlint",
    version="v1.7.12",
    sum="h1:vQ4GeJN86C0QH+gTUQcs8McmK62OLT3kmakPMtEWYnY=",
    package="./cmd/actionlint",
)
COMPOSE_SPEC = GoBuild(
    name="compose-spec.json",
    module="github.com/compose-spec/compose-go/v2",
    version="v2.16.2",
    sum="h1:pTp1DqQwJzFd85GzlWsSszKA1ABrV/ySqsClujIcWA8=",
    package="schema/compose-spec.json",
)


@dataclass(frozen=True)
class Toolchain:
    """What a Terraform run needs: the CLI, and where its providers come from."""

    cli: Path
    cli_version: str
    providers_from: str  # "registry" or "mirror"
    cli_config: Path | None = None
    mirror: Path | None = None
    notes: tuple[str, ...] = field(default=())

    def env(self) -> dict[str, str]:
        """Environment additions for every CLI call: the mirror config, when there is one."""
        if self.cli_config is None:
            return {}
        return {"TF_CLI_CONFIG_FILE": str(self.cli_config)}


def ensure(build_missing: bool = True) -> Toolchain:
    """Resolve the CLI and the provider source, building what is missing (unless told not to)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with exclusive(root / ".lock"):
        cli = _resolve_cli(root, build_missing)
        version = cli_version(cli)
        mode = os.environ.get("HARNESS_PROVIDERS", "auto").lower()
        if mode not in ("auto", "registry", "mirror"):
            raise HarnessError(
                f"HARNESS_PROVIDERS={mode!r} is not a provider source.",
                fix="set HARNESS_PROVIDERS to auto, registry or mirror (or unset it).",
            )
        if mode == "registry" or (mode == "auto" and registry_reachable()):
            return Toolchain(cli=cli, cli_version=version, providers_from="registry")
        mirror = root / "mirror"
        for pin in PROVIDERS:
            binary = root / "builds" / pin.build.key / pin.build.name
            if not binary.exists():
                if not build_missing:
                    raise HarnessError(
                        f"hashicorp/{pin.type} {pin.release} is not built and the registry "
                        f"is unreachable (searched the mirror {mirror}).",
                        fix="run `make bootstrap` (or `sqs-harness bootstrap`) to build it.",
                    )
                go_build(pin.build, binary, label=f"hashicorp/{pin.type} {pin.release}")
            _link_into_mirror(binary, mirror, pin)
        config = root / "cli.tfrc"
        _write_if_changed(config, mirror_cli_config(mirror, PROVIDERS))
        return Toolchain(
            cli=cli,
            cli_version=version,
            providers_from="mirror",
            cli_config=config,
            mirror=mirror,
        )


def ensure_go_tool(spec: GoBuild) -> Path:
    """A pinned Go program from the cache, built on first use (same path as the providers)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    binary = root / "builds" / spec.key / spec.name
    with exclusive(root / ".lock"):
        if not binary.exists():
            go_build(spec, binary, label=f"{spec.name} {spec.version}")
    return binary


def go_module_file(spec: GoBuild) -> Path:
    """A file from a pinned Go module (`spec.package` is its path inside the module)."""
    go = _go_binary()
    env = {**os.environ, "GOTOOLCHAIN": "local"}
    return _download_module(go, spec, env) / spec.package


def registry_reachable(timeout: float = 3.0) -> bool:
    """Whether the public Terraform registry answers its service-discovery document."""
    url = "https://registry.terraform.io/.well-known/terraform.json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def mirror_cli_config(mirror: Path, providers: tuple[ProviderPin, ...]) -> str:
    """A CLI config that installs our providers from the mirror and everything else directly."""
    addresses = [f"{host}/hashicorp/{pin.type}" for host in MIRROR_HOSTS for pin in providers]
    listed = ", ".join(json.dumps(a) for a in addresses)
    return (
        "# Generated by sqs-lambda-harness: providers built from source, no registry needed.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        f"    include = [{listed}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{listed}]\n"
        "  }\n"
        "}\n"
    )


def cli_version(cli: Path) -> str:
    """`terraform version -json` -> "terraform 1.11.4" (tofu answers the same shape)."""
    runner = Runner(cli, Path.cwd(), {}, cache_dir() / "cli-version.log", timeout=60)
    try:
        number = runner.version()["terraform_version"]
    except (OSError, ValueError, KeyError, HarnessError) as error:
        raise HarnessError(
            f"{cli} does not answer `version -json` like Terraform or OpenTofu ({error}).",
            fix="point TF_BINARY at a terraform (>= 1.6) or tofu binary, or unset it.",
        ) from error
    return f"{cli.name} {number}"


def _resolve_cli(root: Path, build_missing: bool) -> Path:
    explicit = os.environ.get("TF_BINARY")
    if explicit:
        path = Path(explicit) if os.sep in explicit else shutil.which(explicit)
        if not path or not Path(path).is_file() or not os.access(path, os.X_OK):
            raise HarnessError(
                f"TF_BINARY={explicit!r} points at nothing executable.",
                fix="set TF_BINARY to the path of a terraform or tofu binary, or unset it "
                "to use the one on PATH (or a pinned OpenTofu build).",
            )
        return Path(path)
    for name in ("terraform", "tofu"):
        found = shutil.which(name)
        if found:
            return Path(found)
    built = root / "builds" / OPENTOFU.key / "tofu"
    if not built.exists():
        if not build_missing:
            raise HarnessError(
                "No terraform or tofu on PATH and OpenTofu is not built.",
                fix="run `make bootstrap`, install terraform/tofu, or set TF_BINARY.",
            )
        go_build(OPENTOFU, built, label=f"OpenTofu {OPENTOFU.version}")
    return built


def go_build(spec: GoBuild, output: Path, label: str) -> None:
    """Download `spec.module@spec.version`, verify its sum, compile it to `output`."""
    go = _go_binary()
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",  # an automatic toolchain download would fail offline, obscurely
        "GOFLAGS": "-mod=readonly -buildvcs=false",
    }
    if spec.outside_sumdb:
        env["GONOSUMDB"] = ",".join(filter(None, [env.get("GONOSUMDB"), spec.module]))
    module_dir = _download_module(go, spec, env)
    _require_go_version(go, module_dir / "go.mod", label)

    total = _count_packages(go, spec, module_dir, env)
    output.parent.mkdir(parents=True, exist_ok=True)
    log_path = output.parent / "build.log"
    partial = output.with_name(output.name + ".partial")
    command = [go, "build", "-v", "-trimpath", "-o", str(partial)]
    ldflags = " ".join(("-s", "-w", *spec.ldflags))
    command += ["-ldflags", ldflags, spec.package]
    compiled = 0

    def detail() -> str:
        of_total = f"/{total}" if total else ""
        return f"{compiled}{of_total} packages compiled, log {log_path}"

    with (
        heartbeat(f"building {label} from the Go module proxy", detail=detail),
        log_path.open("w") as log,
    ):
        process = subprocess.Popen(
            command,
            cwd=module_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if not line.startswith(("#", " ", "\t")):
                compiled += 1
        code = process.wait()
    if code != 0:
        partial.unlink(missing_ok=True)
        raise HarnessError(
            f"Building {label} failed (go build exit {code}).",
            details=tail(log_path.read_text(), 40),
            fix=f"read {log_path}; a too-old Go, a full disk or an unreachable Go module proxy "
            "(GOPROXY) are the usual causes.",
        )
    partial.rename(output)
    size = output.stat().st_size / 2**20
    say(f"built {label}: {output} ({size:.0f} MiB)")


def _go_binary() -> str:
    go = shutil.which("go")
    if not go:
        raise HarnessError(
            "Go is not installed, and it is needed to build the CLI/providers from source "
            "because the Terraform registry is unreachable.",
            fix="install Go >= 1.25 (https://go.dev/dl or your package manager), or make the "
            "registry reachable, or set TF_BINARY to an existing terraform/tofu.",
        )
    return go


def _download_module(go: str, spec: GoBuild, env: dict[str, str]) -> Path:
    """`go mod download -json` the pin and check the zip's hash against the pinned one."""
    started = time.monotonic()
    result = subprocess.run(
        [go, "mod", "download", "-json", f"{spec.module}@{spec.version}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),  # outside any module, so no go.mod here interferes
    )
    try:
        info = json.loads(result.stdout)
    except ValueError:
        info = {}
    if result.returncode != 0 or "Error" in info or "Dir" not in info:
        raise HarnessError(
            f"The Go module proxy did not serve {spec.module}@{spec.version}.",
            details=info.get("Error") or tail(result.stderr or result.stdout),
            fix="check GOPROXY reaches a proxy that holds this version; if the pin is gone, "
            "choose another revision in sqs_lambda_harness/toolchain.py and update its sum.",
        )
    if info.get("Sum") != spec.sum:
        raise HarnessError(
            f"{spec.module}@{spec.version} has hash {info.get('Sum')}, pinned {spec.sum}.",
            fix="do not build it: the proxy served different content than was pinned.",
        )
    say(f"downloaded {spec.module}@{spec.version} in {format_seconds(time.monotonic() - started)}")
    return Path(info["Dir"])


def _require_go_version(go: str, go_mod: Path, label: str) -> None:
    match = re.search(r"^go (\d+)\.(\d+)(?:\.(\d+))?", go_mod.read_text(), re.M)
    wanted = tuple(int(part or 0) for part in match.groups()) if match else (1, 0, 0)
    output = subprocess.run([go, "version"], capture_output=True, text=True).stdout
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
    result = subprocess.run(
        [go, "list", "-deps", spec.package],
        cwd=module_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    return len(result.stdout.split()) if result.returncode == 0 else 0


def _link_into_mirror(binary: Path, mirror: Path, pin: ProviderPin) -> None:
    """File the build in the unpacked mirror layout, for both registry hostnames."""
    platform = "linux_amd64" if os.uname().machine in ("x86_64", "amd64") else "linux_arm64"
    for host in MIRROR_HOSTS:
        target_dir = mirror / host / "hashicorp" / pin.type / pin.release / platform
        target = target_dir / f"terraform-provider-{pin.type}_v{pin.release}"
        if target.exists() and target.samefile(binary):
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(binary, target)
        except OSError:
            shutil.copy2(binary, target)


def _write_if_changed(path: Path, content: str) -> None:
    if not path.exists() or path.read_text() != content:
        partial = path.with_name(path.name + ".partial")
        partial.write_text(content)
        partial.rename(path)
