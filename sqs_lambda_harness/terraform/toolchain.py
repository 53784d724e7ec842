"""A Terraform-compatible CLI and the hashicorp providers, wherever the registry is unreachable.

With a normal network nothing happens here: the CLI on PATH is used and `init` talks to the
public registry. Where the registry does not answer (air-gapped CI, our own machines), the
providers are compiled from the Go module proxy at pinned revisions into a filesystem mirror,
and a generated CLI config points `init` at it. A missing CLI is compiled from OpenTofu's
source the same way. Builds are cached outside the work tree, keyed by the pin, so a second run
compiles nothing. This module holds the pins and the resolution; `gobuild` downloads, verifies
and compiles a pin.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqs_lambda_harness.cache import cache_dir
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.locks import exclusive
from sqs_lambda_harness.terraform.gobuild import (
    GoBuild,
    download_module,
    go_binary,
    go_build,
    go_env,
)
from sqs_lambda_harness.terraform.runner import Runner

MIRROR_HOSTS = ("registry.terraform.io", "registry.opentofu.org")


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
    return download_module(go_binary(), spec, go_env()) / spec.package


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
