"""The aws provider served once per CLI command: found where `init` put it, handed to the CLI
by TF_REATTACH_PROVIDERS under the address the CLI knows, and gone when the command ends, on
every path (fake provider and CLI scripts, no Terraform)."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from sqs_lambda_harness.terraform import served
from sqs_lambda_harness.terraform.runner import Runner, TerraformError

SERVING = """
import json, os, sys, time
assert sys.argv[1:] == ["-debug"], sys.argv
open("pid", "w").write(str(os.getpid()))
config = {"Protocol": "grpc", "ProtocolVersion": 5, "Pid": os.getpid(), "Test": True,
          "Addr": {"Network": "unix", "String": "/tmp/plugin-fake"}}
print("Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS ...", flush=True)
print("\\tTF_REATTACH_PROVIDERS='" + json.dumps({"registry.terraform.io/hashicorp/aws": config})
      + "'", flush=True)
time.sleep(600)
"""
NO_DEBUG_MODE = """
import sys
print("flag provided but not defined: -debug", file=sys.stderr)
sys.exit(2)
"""
# The CLI: records the reattach config it was given (in its working directory) and, told to
# hang, waits to be killed.
CLI = """
import json, os, sys, time
open("cli-saw", "w").write(os.environ.get("TF_REATTACH_PROVIDERS", ""))
if os.environ.get("FAKE_CLI_HANG"):
    time.sleep(600)
print(json.dumps({"type": "change_summary", "changes": {"add": 0, "operation": "apply"}}))
"""


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def install(workdir: Path, body: str, host: str = "registry.opentofu.org") -> Path:
    """A provider where `init` puts one: .terraform/providers/<host>/hashicorp/aws/..."""
    package = workdir / ".terraform/providers" / host / "hashicorp/aws/6.13.0/linux_amd64"
    return script(package / "terraform-provider-aws_v6.13.0", body)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def runner(tmp_path: Path, env: dict[str, str] | None = None) -> Runner:
    return Runner(
        script(tmp_path / "bin" / "terraform", CLI), tmp_path, env or {}, tmp_path / "cli.log"
    )


def test_the_installed_binary_is_found_with_the_address_the_cli_knows(tmp_path: Path) -> None:
    assert served.installed_binary(tmp_path, "hashicorp/aws") is None
    binary = install(tmp_path, SERVING, host="registry.terraform.io")
    assert served.installed_binary(tmp_path, "hashicorp/aws") == (
        binary,
        "registry.terraform.io/hashicorp/aws",
    )


def test_an_apply_gets_the_served_provider_and_the_server_is_gone_after(tmp_path: Path) -> None:
    install(tmp_path, SERVING)  # an OpenTofu install: the server names the Terraform registry
    runner(tmp_path).apply()
    reattach = json.loads((tmp_path / "cli-saw").read_text())
    pid = int((tmp_path / "pid").read_text())
    assert list(reattach) == ["registry.opentofu.org/hashicorp/aws"]  # the CLI's own address
    assert reattach["registry.opentofu.org/hashicorp/aws"]["Pid"] == pid
    assert gone(pid), "the provider server outlived its command"
    assert "-debug" in (tmp_path / "cli.provider.log").read_text()


def test_a_command_that_does_not_walk_the_configuration_gets_no_server(tmp_path: Path) -> None:
    install(tmp_path, SERVING)
    runner(tmp_path).run(["output", "-json"], check=False)
    assert (tmp_path / "cli-saw").read_text() == ""
    assert not (tmp_path / "pid").exists()


def test_a_provider_without_a_debug_mode_is_left_to_the_cli(tmp_path: Path) -> None:
    install(tmp_path, NO_DEBUG_MODE)
    runner(tmp_path).apply()
    assert (tmp_path / "cli-saw").read_text() == ""  # the CLI starts it, as without us


def test_a_killed_runner_kills_the_server_of_its_command(tmp_path: Path) -> None:
    install(tmp_path, SERVING)
    cli = runner(tmp_path, {"FAKE_CLI_HANG": "1"})
    failure: list[BaseException] = []

    def apply() -> None:
        try:
            cli.apply()
        except BaseException as error:  # handed to the test thread
            failure.append(error)

    thread = threading.Thread(target=apply)
    thread.start()
    deadline = time.monotonic() + 10
    while not (tmp_path / "cli-saw").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = int((tmp_path / "pid").read_text())
    cli.kill()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert isinstance(failure[0], TerraformError)
    assert gone(pid), "the provider server outlived a killed runner"
    with pytest.raises(TerraformError, match="killed"):
        cli.apply()  # and no later command, nor its server, starts
