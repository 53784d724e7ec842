"""Another team's repository: its own stack (our queue module by relative path), the wheel
built from this repo installed with pip (not editable) into its own venv, its own tests on the
embedded target — and its unrelated tests untouched by the plugin."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import REPO

pytestmark = pytest.mark.emulator

STACK = """
variable "name_prefix" { type = string }
variable "tags" { type = map(string) }

module "orders" {
  source = "../../modules/sqs-queue"

  name                      = "${var.name_prefix}-orders"
  receive_wait_time_seconds = 1
  create_dlq                = false
  tags                      = var.tags
}

output "queue_url" { value = module.orders.queue_url }
"""

THEIR_STACK_TEST = """
def test_an_order_goes_through_our_queue(stack, aws):
    applied = stack("stacks/orders")
    sqs = aws("sqs")
    sqs.send_message(QueueUrl=applied["queue_url"], MessageBody="order-1")
    got = sqs.receive_message(QueueUrl=applied["queue_url"], WaitTimeSeconds=5)
    assert [m["Body"] for m in got["Messages"]] == ["order-1"]
"""

THEIR_UNRELATED_TEST = """
import os, signal

def test_nothing_of_the_harness_is_here():
    assert not any(name.startswith("HARNESS_RUN") for name in os.environ)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
"""

IMPORTS = """
import importlib.util, sys
assert importlib.util.find_spec("sqs_lambda_harness") is not None
assert importlib.util.find_spec("harness") is None, "no alias may be left behind"
"""


def _run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done


@pytest.fixture(scope="module")
def their_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Their repository with our wheel installed into its own venv."""
    root = tmp_path_factory.mktemp("their-repo")
    dist, source = root / "dist", root / "our-source"
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
    shutil.copytree(
        REPO / "sqs_lambda_harness",
        source / "sqs_lambda_harness",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        root,
    )
    (wheel,) = dist.glob("sqs_lambda_harness-*.whl")
    _run([sys.executable, "-m", "venv", str(root / "venv")], root)
    _run(
        [
            str(root / "venv/bin/pip"),
            "install",
            "-q",
            "-c",
            str(REPO / "constraints.txt"),
            f"{wheel}[embedded]",
        ],
        root,
    )
    shutil.copytree(REPO / "terraform/modules", root / "infra/modules")
    (root / "infra/stacks/orders").mkdir(parents=True)
    (root / "infra/stacks/orders/main.tf").write_text(STACK)
    (root / "tests").mkdir()
    (root / "tests/test_orders.py").write_text(THEIR_STACK_TEST)
    (root / "tests/test_unrelated.py").write_text(THEIR_UNRELATED_TEST)
    (root / "pytest.ini").write_text("[pytest]\nharness_terraform_root = infra\n")
    return root


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(repo / "venv/bin/python"), "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())},
    )


def test_the_wheel_installs_under_its_own_name_only(their_repo: Path) -> None:
    _run([str(their_repo / "venv/bin/python"), "-c", IMPORTS], their_repo)


def test_their_unrelated_tests_see_no_side_effect(their_repo: Path) -> None:
    result = _pytest(their_repo, "tests/test_unrelated.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SQS <-> Lambda" not in result.stdout
    assert not (their_repo / ".harness").exists()


def test_their_stack_is_applied_tested_and_torn_down(their_repo: Path) -> None:
    result = _pytest(their_repo, "tests/test_orders.py", "-rA")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
    assert "leftovers: none" in result.stdout
