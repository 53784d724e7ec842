"""The aws provider started once per CLI command, instead of once per walk of it.

Terraform starts a provider plugin anew for each walk of one command: `apply` starts the aws
provider four times (its schema, validate, plan, apply), and each start of that 850 MB binary
costs ≈ 0.6 s of CPU before it does any work. On two cores, with a dozen applies starting
together, that is most of what keeps them waiting for a core. Started once in its debug mode
(the way the provider's own acceptance tests run it, one server per CLI command) and named to
the CLI in TF_REATTACH_PROVIDERS, one process serves every walk. It is the same binary and the
same protocol; what changes is that it is started once.

The server runs in the working copy (relative paths in the configuration resolve from there)
with the CLI's environment, and is stopped when the command ends, on every path. A provider
that cannot be served (no `-debug` mode) is launched by the CLI as usual.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from sqs_lambda_harness import processes, waits

SERVED = ("hashicorp/aws",)  # the other providers are small; they start as the CLI starts them
START_TIMEOUT = 60.0
# A provider writes every SDK request to its stderr at trace level, which the CLI drops when it
# starts the provider itself. Served, that stderr is our log: 2.4 MB per apply, measured.
QUIET = {"TF_LOG_SDK": "WARN", "TF_LOG_PROVIDER": "WARN"}
REATTACH_LINE = re.compile(r"TF_REATTACH_PROVIDERS='(?P<config>\{.*\})'")


def installed_binary(workdir: Path, source: str) -> tuple[Path, str] | None:
    """The binary `init` installed in `workdir` for `source` ("hashicorp/aws") and the address
    the CLI knows it by ("registry.terraform.io/hashicorp/aws"), or None."""
    namespace, kind = source.split("/")
    pattern = f".terraform/providers/*/{namespace}/{kind}/*/*/terraform-provider-{kind}*"
    for binary in sorted(workdir.glob(pattern)):
        host = binary.relative_to(workdir / ".terraform" / "providers").parts[0]
        return binary, f"{host}/{source}"
    return None


@contextlib.contextmanager
def providers_served(
    workdir: Path,
    env: dict[str, str],
    log_path: Path,
    register: Callable[[subprocess.Popen[str] | None], None],
) -> Iterator[dict[str, str]]:
    """Serve the installed providers of `SERVED` for one CLI command; yields the environment
    the CLI needs to use them ({} when none could be served). `register` is told each server
    (and None once it is gone), so that a runner killed meanwhile kills it too."""
    reattach: dict[str, object] = {}
    servers: list[subprocess.Popen[str]] = []
    try:
        for source in SERVED:
            found = installed_binary(workdir, source)
            if found is None:
                continue
            binary, address = found
            server, config = _start(binary, workdir, env, log_path, register)
            servers.append(server)
            if config is not None:
                reattach[address] = config
        yield {"TF_REATTACH_PROVIDERS": json.dumps(reattach)} if reattach else {}
    finally:
        for server in servers:
            processes.kill_group(server)
        register(None)


def _start(
    binary: Path,
    workdir: Path,
    env: dict[str, str],
    log_path: Path,
    register: Callable[[subprocess.Popen[str] | None], None],
) -> tuple[subprocess.Popen[str], object | None]:
    """Start `binary -debug`; returns the server and its reattach config (None: it cannot be
    served, and has exited)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        log.write(f"\n$ {binary.name} -debug   (in {workdir})\n")
        log.flush()
        start = log.tell()
        server = processes.start(
            [str(binary), "-debug"], env={**env, **QUIET}, cwd=workdir, output=log
        )

    def config_or_exit() -> tuple[object | None] | None:
        with log_path.open() as log:
            log.seek(start)
            for line in log:
                if match := REATTACH_LINE.search(line):
                    return (next(iter(json.loads(match["config"]).values())),)
        return (None,) if server.poll() is not None else None

    try:
        register(server)
        (config,) = waits.until(
            config_or_exit,
            timeout=START_TIMEOUT,
            interval=0.02,
            what=f"{binary.name} serving in debug mode",
            fix=f"see {log_path}",
        )
    except BaseException:
        processes.kill_group(server)
        raise
    return server, config
