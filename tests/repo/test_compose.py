"""The compose path on engines without a bridge network or a registry, offline: MiniStack shares
the host's network bound to loopback, the file reads under Compose v1 too, the wrapper falls
back to `docker-compose`, passes a SIGTERM on at once and refuses an emulator listening beyond
loopback, and the private engine script starts and stops a (stand-in) dockerd with no bridge."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.repo.compose_helpers import interrupt_compose_run

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_RUN = ROOT / "scripts" / "compose-run.sh"
DOCKER_ENGINE = ROOT / "scripts" / "docker-engine.sh"
BUILD_IMAGE = ROOT / "scripts" / "build-emulator-image.sh"
DOCKERFILE = ROOT / "docker" / "ministack" / "Dockerfile"
PORT = 4566
# The values Compose v1 (1.29) accepts for pull_policy; v2 accepts these too.
V1_PULL_POLICIES = {"always", "never", "if_not_present", "build"}


@pytest.fixture(scope="module")
def ministack() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]["ministack"]


def port_in_use() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", PORT)) == 0


# ----------------------------------------------------------------------------- the compose file


def test_ministack_shares_the_host_network_bound_to_loopback(ministack: dict[str, Any]) -> None:
    assert ministack.get("network_mode") == "host", "no bridge network, no container address"
    assert "ports" not in ministack, "published ports need a bridge (and are ignored on host)"
    env = ministack["environment"]
    assert env.get("BIND_HOST") == "127.0.0.1", "on the host's network, bind loopback only"
    assert str(env.get("GATEWAY_PORT")) == str(PORT)
    assert "BIND_HOST=127.0.0.1" in DOCKERFILE.read_text(), "the built image binds loopback too"


def test_ministack_pull_policy_is_one_both_compose_versions_accept(
    ministack: dict[str, Any],
) -> None:
    assert ministack.get("pull_policy") in V1_PULL_POLICIES, ministack.get("pull_policy")


def test_no_service_makes_compose_create_a_project_network() -> None:
    """Compose v1 creates the network of every service, profile or not: one without a
    network_mode would make a bridge on an engine that must have none."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    assert {name: s.get("network_mode") for name, s in services.items()} == {
        "localstack": "bridge",
        "ministack": "host",
    }


def test_compose_file_has_no_top_level_name_compose_v1_rejects() -> None:
    assert "name" not in yaml.safe_load(COMPOSE_FILE.read_text())
    assert "--project-name sqs-lambda-harness" in COMPOSE_RUN.read_text()


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="no docker-compose (v1) here")
def test_compose_v1_reads_the_file_with_an_empty_environment() -> None:
    result = subprocess.run(
        ["docker-compose", "--file", str(COMPOSE_FILE), "--profile", "ministack", "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"]},
    )
    assert result.returncode == 0, result.stderr
    service = yaml.safe_load(result.stdout)["services"]["ministack"]
    assert service["network_mode"] == "host"
    assert service["environment"]["BIND_HOST"] == "127.0.0.1"


# ----------------------------------------------------------------------------- compose-run

FAKE_DOCKER = textwrap.dedent(
    '''\
    #!{python}
    """A stand-in `docker` (or, named docker-compose, Compose v1): logs each call; `up` starts
    the server FAKE_SERVER, `down` stops it. FAKE_PLUGIN=missing: no `docker compose`."""
    import os, signal, socket, subprocess, sys, time

    name = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(" ".join([name, *args]) + "\\n")
    if name == "docker":
        if args[:1] == ["compose"]:
            if os.environ.get("FAKE_PLUGIN") == "missing":
                print("docker: 'compose' is not a docker command.", file=sys.stderr)
                sys.exit(1)
        elif args[:1] != ["info"]:
            sys.exit(0)
    state = os.environ["FAKE_DOCKER_STATE"]
    if "version" in args:
        print("Docker Compose version 0.0.0")
    elif "up" in args:
        server = subprocess.Popen(
            [sys.executable, os.environ["FAKE_SERVER"]], start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        open(state, "w").write(str(server.pid))
    elif "down" in args and os.path.exists(state):
        os.kill(int(open(state).read()), signal.SIGTERM)
        os.remove(state)
        deadline = time.monotonic() + 10  # like compose: return once the port is released
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", {port})) != 0:
                    break
            time.sleep(0.05)
    '''
)
FAKE_SERVER = textwrap.dedent(
    """\
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    HTTPServer(("{host}", {port}), Health).serve_forever()
    """
)


def write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_compose(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose `docker` has no compose plugin and whose `docker-compose` is v1."""
    if port_in_use():
        pytest.skip(f"127.0.0.1:{PORT} is in use on this machine")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("docker", "docker-compose"):
        write_executable(bin_dir / name, FAKE_DOCKER.format(python=sys.executable, port=PORT))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HARNESS_", "LOCALSTACK_", "DOCKER_", "COMPOSE_"))
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        FAKE_PLUGIN="missing",
        FAKE_DOCKER_LOG=str(tmp_path / "docker.log"),
        FAKE_DOCKER_STATE=str(tmp_path / "server.pid"),
        FAKE_SERVER=str(tmp_path / "server.py"),
    )
    serve_on(env, "127.0.0.1")
    yield env
    state = Path(env["FAKE_DOCKER_STATE"])
    if state.exists():  # never leave a server behind, whatever the test did
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(state.read_text()), signal.SIGKILL)


def serve_on(env: dict[str, str], host: str) -> None:
    Path(env["FAKE_SERVER"]).write_text(FAKE_SERVER.format(host=host, port=PORT))


def calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_DOCKER_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def compose_run(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """scripts/compose-run.sh with `args`, its output captured, no terminal input."""
    return subprocess.run(
        [str(COMPOSE_RUN), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_compose_run_uses_standalone_compose_v1_without_the_plugin(
    fake_compose: dict[str, str],
) -> None:
    result = compose_run(
        "ministack", "--", "sh", "-c", 'echo "at $HARNESS_ENDPOINT_URL"', env=fake_compose
    )
    assert result.returncode == 0, result.stderr
    assert f"at http://localhost:{PORT}" in result.stdout
    made = calls(fake_compose)
    ups = [c for c in made if c.startswith("docker-compose ") and " up -d ministack" in c]
    assert ups and "--project-name sqs-lambda-harness" in ups[0], made
    assert made[-1].startswith("docker-compose ") and "down -v" in made[-1], made
    assert not port_in_use()


def test_compose_run_runs_the_command_niced_below_the_emulator(
    fake_compose: dict[str, str],
) -> None:
    """The suite's own Terraform must not take the CPU the one emulator process needs."""
    base = os.nice(0)
    result = compose_run("ministack", "--", "nice", env=fake_compose)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == min(base + 10, 19)


@pytest.mark.parametrize("niceness", ["-5", "20", "ten"])
def test_compose_run_refuses_a_niceness_out_of_range(niceness: str) -> None:
    result = compose_run(
        "ministack", "--", "true", env={**os.environ, "COMPOSE_RUN_NICE": niceness}, timeout=10
    )
    assert result.returncode == 2 and "COMPOSE_RUN_NICE must be" in result.stderr


def test_compose_run_passes_sigterm_on_to_the_command_at_once(
    fake_compose: dict[str, str], tmp_path: Path
) -> None:
    """SIGTERM to the wrapper alone (not its group): the command ends now, not after its 60 s,
    and the container still goes."""
    code, stderr, took = interrupt_compose_run(
        fake_compose, tmp_path, signal.SIGTERM, to_group=False
    )
    assert code == 143, stderr
    assert took < 20, f"the wrapper waited {took:.0f}s: the command did not get the signal"
    assert "down -v" in calls(fake_compose)[-1]
    assert not port_in_use()


@pytest.mark.skipif(not shutil.which("ss"), reason="no ss (iproute2) here")
def test_compose_run_refuses_an_emulator_listening_beyond_loopback(
    fake_compose: dict[str, str], tmp_path: Path
) -> None:
    serve_on(fake_compose, "0.0.0.0")
    marker = tmp_path / "ran"
    result = compose_run("ministack", "--", "touch", str(marker), env=fake_compose)
    assert result.returncode == 4, result.stderr
    assert "listens beyond loopback" in result.stderr and "0.0.0.0:4566" in result.stderr
    assert not marker.exists(), "the command ran against an exposed emulator"
    assert "down -v" in calls(fake_compose)[-1]
    assert not port_in_use()


def test_compose_run_builds_only_the_ministack_image() -> None:
    result = subprocess.run(
        [str(COMPOSE_RUN), "--build", "localstack", "--", "true"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 2 and "--build builds the ministack image only" in result.stderr


# ----------------------------------------------------------------------------- docker-engine.sh

FAKE_DOCKERD = textwrap.dedent(
    '''\
    #!{python}
    """A stand-in dockerd: records its arguments, writes --pidfile, serves the -H socket."""
    import os, signal, socket, sys

    args = sys.argv[1:]
    open(os.environ["FAKE_DOCKERD_ARGS"], "a").write(" ".join([str(os.getpid()), *args]) + "\\n")
    value = lambda flag: next(a.split("=", 1)[1] for a in args if a.startswith(flag + "="))
    open(value("--pidfile"), "w").write(str(os.getpid()))
    path = args[args.index("-H") + 1].removeprefix("unix://")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        server.accept()[0].close()
    '''
)
FAKE_CLIENT = textwrap.dedent(
    '''\
    #!{python}
    """A stand-in docker CLI: `--host unix://S version` succeeds when S accepts; `ps` lists none."""
    import socket, sys

    args = sys.argv[1:]
    if "ps" in args:
        sys.exit(0)
    host = args[args.index("--host") + 1] if "--host" in args else ""
    try:
        socket.socket(socket.AF_UNIX).connect(host.removeprefix("unix://"))
    except OSError:
        sys.exit(1)
    '''
)


@pytest.fixture
def fake_engine(tmp_path: Path) -> Iterator[dict[str, str]]:
    if os.geteuid() != 0:
        pytest.skip("docker-engine.sh starts dockerd as root only")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_executable(bin_dir / "dockerd", FAKE_DOCKERD.format(python=sys.executable))
    write_executable(bin_dir / "docker", FAKE_CLIENT.format(python=sys.executable))
    for name in ("docker-compose", "debootstrap"):  # present: nothing to install
        write_executable(bin_dir / name, "#!/bin/sh\nexit 0\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOCKER_")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        HARNESS_CACHE_DIR=str(tmp_path / "cache"),
        FAKE_DOCKERD_ARGS=str(tmp_path / "dockerd.args"),
    )
    yield env
    subprocess.run([str(DOCKER_ENGINE), "stop"], env=env, capture_output=True, timeout=60)


def engine(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCKER_ENGINE), *args], capture_output=True, text=True, timeout=60, env=env
    )


def dockerd_pids(env: dict[str, str]) -> list[int]:
    """Every stand-in dockerd started so far, from its own record."""
    lines = Path(env["FAKE_DOCKERD_ARGS"]).read_text().splitlines()
    return [int(line.split()[0]) for line in lines]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_docker_engine_starts_once_with_no_bridge_and_stops(fake_engine: dict[str, str]) -> None:
    first = engine(fake_engine, "start")
    assert first.returncode == 0, first.stderr
    socket_path = Path(fake_engine["HARNESS_CACHE_DIR"]) / "docker" / "run" / "docker.sock"
    assert first.stdout.strip() == f"unix://{socket_path}"
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700, "the socket is private"
    again = engine(fake_engine, "start")
    assert again.returncode == 0 and again.stdout == first.stdout
    started = Path(fake_engine["FAKE_DOCKERD_ARGS"]).read_text().splitlines()
    assert len(started) == 1, "a second start must reuse the running engine"
    for flag in ("--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false"):
        assert flag in started[0].split(), started[0]
    [pid] = dockerd_pids(fake_engine)
    assert alive(pid)
    assert engine(fake_engine, "stop").returncode == 0
    assert not alive(pid), "dockerd outlived stop"
    assert engine(fake_engine, "status").returncode != 0


def test_docker_engine_run_gives_the_command_its_host_then_stops(
    fake_engine: dict[str, str],
) -> None:
    result = engine(fake_engine, "run", "--", "sh", "-c", 'echo "host=$DOCKER_HOST"; exit 5')
    assert result.returncode == 5, result.stderr
    assert "host=unix://" in result.stdout and "docker.sock" in result.stdout
    [pid] = dockerd_pids(fake_engine)
    assert not alive(pid), "dockerd outlived `run`"
    assert engine(fake_engine, "status").returncode != 0, "the engine outlived `run`"


def test_build_emulator_image_builds_ministack_only() -> None:
    result = subprocess.run(
        [str(BUILD_IMAGE), "localstack"], capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 2 and "only 'ministack'" in result.stderr
