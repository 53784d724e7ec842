"""Checks of the repository itself, offline and without Docker: the compose file against the
compose-spec schema and our emulator contract, the workflows with actionlint and against the
AWS-safety contract, no credentials anywhere in the tree, the compose wrapper's behaviour
(fail fast without Docker; with a stand-in `docker`, always tear down and pass on the status),
and the stacks' shared Terraform files kept in one place.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sqs_lambda_harness.terraform import toolchain
from tests.repo.compose_helpers import interrupt_compose_run
from tests.signals import deliver_sigint

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
WORKFLOWS = ROOT / ".github" / "workflows"
COMPOSE_RUN = ROOT / "scripts" / "compose-run.sh"
PORT = 4566
HEALTH_PATH = "/_localstack/health"

# ----------------------------------------------------------------------------- helpers


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE_FILE)


def workflow(name: str) -> dict[str, Any]:
    return load_yaml(WORKFLOWS / name)


def triggers(wf: dict[str, Any]) -> dict[str, Any]:
    """YAML 1.1 reads the key `on` as True."""
    on = wf.get("on", wf.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on or {}


def all_steps(wf: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in wf["jobs"].values():
        yield from job.get("steps", [])


def always(step: dict[str, Any]) -> bool:
    return "always()" in str(step.get("if", ""))


_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable substitution (enough of it for this file): ${X}, ${X:-d}, ${X-d}."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, default = match.groups()
        current = env.get(name)
        if operator in (":?", "?"):
            raise AssertionError(f"required variable ${{{name}}}")
        if operator == ":-":
            return current or default
        if operator == "-":
            return default if current is None else current
        return current or ""

    return _VARIABLE.sub(substitute, value)


def published_ports(service: dict[str, Any]) -> set[tuple[str, str]]:
    """{(host_port, container_port)} from short ("[ip:]host:container[/proto]") or long syntax."""
    published = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            published.add((str(entry.get("published", "")), str(entry["target"])))
            continue
        spec = str(entry).split("/")[0]
        parts = spec.rsplit(":", 2)
        if len(parts) >= 2:
            published.add((parts[-2], parts[-1]))
    return published


def mounts(service: dict[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            found.add((str(entry.get("source", "")), str(entry.get("target", ""))))
        else:
            parts = str(entry).split(":")
            if len(parts) >= 2:
                found.add((parts[0], parts[1]))
    return found


def environment(service: dict[str, Any]) -> dict[str, str | None]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return {
            item.split("=", 1)[0]: (item.split("=", 1)[1] if "=" in item else None) for item in env
        }
    return {key: None if value is None else str(value) for key, value in env.items()}


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service.get("healthcheck", {}).get("test", "")
    return " ".join(test) if isinstance(test, list) else str(test)


# ----------------------------------------------------------------------------- (a) compose


def test_compose_file_validates_against_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    schema_path = toolchain.go_module_file(toolchain.COMPOSE_SPEC)
    schema = yaml.safe_load(schema_path.read_text())  # JSON is YAML
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    # As written, and as Compose sees it after substitution with nothing set in the environment.
    for label, document in (("as written", compose), ("interpolated", interpolate(compose, {}))):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, f"docker-compose.yml ({label}) breaks {schema_path.name}:\n" + "\n".join(
            f"  {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
        )


def test_compose_interpolates_with_an_empty_environment(compose: dict[str, Any]) -> None:
    """Compose interpolates the whole file before applying profiles, so a `${X:?}` in the
    localstack service would also stop `--profile ministack` for people without a token."""
    interpolate(compose, {})  # raises on a required variable


@pytest.mark.parametrize("name", ["localstack", "ministack"])
def test_each_emulator_has_its_own_profile_port_and_health_path(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    assert service.get("profiles") == [name], "every service needs a profile of its own name"
    if service.get("network_mode") == "host":
        env = environment(service)
        assert "ports" not in service, "published ports are ignored on the host's network"
        assert env.get("BIND_HOST") == "127.0.0.1", "on the host's network, bind loopback only"
        assert str(env.get("GATEWAY_PORT")) == str(PORT)
    else:
        assert ("4566", "4566") in published_ports(service), "the endpoint contract is port 4566"
    for entry in service.get("ports", []):
        if isinstance(entry, str):
            assert entry.startswith("127.0.0.1:"), f"{entry}: bind emulators to loopback only"
    check = healthcheck_text(service)
    assert f"localhost:{PORT}{HEALTH_PATH}" in check, check
    timings = {k: v for k, v in service["healthcheck"].items() if k != "test"}
    for key in ("interval", "timeout", "start_period"):
        assert re.fullmatch(r"\d+(ms|s|m)", str(timings.get(key, ""))), (key, timings)
    assert int(timings.get("retries", 0)) > 0


def test_localstack_image_is_pinned_and_gets_the_token_and_docker_socket(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["localstack"]
    repository, _, tag = service["image"].partition(":")
    assert repository in ("localstack/localstack", "localstack/localstack-pro")
    tag = tag.split("@")[0]
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+|\d+\.\d+\.\d+", tag), (
        f"pin an exact release (YYYY.MM.patch), not {tag or 'no tag'!r}"
    )
    env = environment(service)
    assert "LOCALSTACK_AUTH_TOKEN" in env, "the image does not start without the auth token"
    value = env["LOCALSTACK_AUTH_TOKEN"]
    assert value is None or value.startswith("${LOCALSTACK_AUTH_TOKEN"), (
        "take the token from the environment; never write one into the file"
    )
    assert ("/var/run/docker.sock", "/var/run/docker.sock") in mounts(service), (
        "LocalStack runs Lambda functions in containers through the host's Docker socket"
    )


def test_ministack_image_matches_the_embedded_pin(compose: dict[str, Any]) -> None:
    image = compose["services"]["ministack"]["image"]
    assert image.startswith(("ministackorg/ministack:", "ghcr.io/ministackorg/ministack:"))
    tag = image.rsplit(":", 1)[1].split("@")[0]
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"pin an exact MiniStack release, not {tag!r}"
    pinned = re.search(r"^ministack==(\S+)", (ROOT / "constraints.txt").read_text(), re.M)
    if pinned:
        assert tag == pinned.group(1), (
            f"the compose image runs MiniStack {tag}, the embedded target {pinned.group(1)} "
            "(constraints.txt): keep one emulator version"
        )


# ----------------------------------------------------------------------------- (b) actionlint


def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.y*ml"))
    assert files, "no workflows found"
    binary = toolchain.ensure_go_tool(toolchain.ACTIONLINT)
    # shellcheck/pyflakes integrations off: the result must not depend on what else is on PATH.
    result = subprocess.run(
        [str(binary), "-no-color", "-shellcheck=", "-pyflakes=", *files],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


# ----------------------------------------------------------------------------- (c) workflows


def test_workflows_use_no_long_lived_aws_keys_and_pin_action_versions() -> None:
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        text = path.read_text()
        for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY"):
            assert forbidden not in text, f"{path.name} uses {forbidden}: use OIDC"
        for step in all_steps(load_yaml(path)):
            uses = step.get("uses")
            if uses:
                ref = uses.partition("@")[2]
                assert re.fullmatch(r"v\d+(\.\d+)*|[0-9a-f]{40}", ref), (
                    f"{path.name}: {uses} must be pinned to a version tag or a commit SHA"
                )


def test_ci_runs_make_test_read_only_and_keeps_the_reports() -> None:
    wf = workflow("ci.yml")
    on = triggers(wf)
    assert "pull_request" in on
    assert "main" in on["push"]["branches"]
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    assert 0 < int(job["timeout-minutes"]) <= 90
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(re.search(r"^\s*make test\s*$", run, re.M) for run in runs)
    caches = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/cache@")]
    cached = " ".join(str(s["with"]["path"]) for s in caches)
    assert "sqs-lambda-harness" in cached and "go" in cached
    # Keyed on the Terraform layer, where the build pins live (toolchain.py, gobuild.py).
    assert all("sqs_lambda_harness/terraform/*.py" in s["with"]["key"] for s in caches)
    uploads = [s for s in job["steps"] if "upload-artifact" in str(s.get("uses", ""))]
    assert uploads and all(always(s) and "reports" in s["with"]["path"] for s in uploads)


def test_nightly_uses_oidc_one_account_at_a_time_and_always_sweeps() -> None:
    wf = workflow("nightly.yml")
    on = triggers(wf)
    assert "schedule" in on and "workflow_dispatch" in on
    assert wf["permissions"]["id-token"] == "write"
    assert wf["permissions"].get("contents") == "read"
    assert wf["concurrency"]["group"]
    assert wf["concurrency"]["cancel-in-progress"] is False, "a queued run must not kill a sweep"
    assert "vars.AWS_TEST_ACCOUNT_IDS" in str(wf["env"]["HARNESS_AWS_ACCOUNT_ALLOWLIST"])
    assert wf["env"]["AWS_REGION"]

    (job,) = wf["jobs"].values()
    assert int(job["timeout-minutes"]) > 0
    steps = job["steps"]
    runs = [str(step.get("run", "")) for step in steps]

    def index(predicate: Any, what: str) -> int:
        found = [i for i, step in enumerate(steps) if predicate(step, runs[i])]
        assert found, f"nightly.yml has no step that {what}"
        return found[0]

    run_id = index(lambda s, r: "HARNESS_RUN_ID=" in r and "GITHUB_ENV" in r, "exports the run id")
    credentials = index(
        lambda s, r: str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"),
        "assumes the AWS role",
    )
    assert "vars.AWS_TEST_ROLE_ARN" in steps[credentials]["with"]["role-to-assume"]
    tests = index(lambda s, r: re.search(r"\bmake test-aws\b", r), "runs make test-aws")
    sweep_run = index(
        lambda s, r: "make sweep" in r and "--run-id" in r and "HARNESS_RUN_ID" in r,
        "sweeps this run's resources by run id",
    )
    sweep_old = index(lambda s, r: "make sweep" in r and "--older-than" in r, "sweeps by age")
    assert run_id < credentials < tests < sweep_run, "run id first, then the tests, then the sweep"
    assert tests < sweep_old
    for i in (sweep_run, sweep_old):
        assert always(steps[i]), f"the sweep step {steps[i].get('name')!r} needs if: always()"
        assert "TARGET=aws" in runs[i]
    uploads = [i for i, s in enumerate(steps) if "upload-artifact" in str(s.get("uses", ""))]
    assert uploads and all(i > tests and always(steps[i]) for i in uploads)
    assert all("reports" in steps[i]["with"]["path"] for i in uploads)


@pytest.mark.parametrize("name", ["ci.yml", "nightly.yml"])
def test_workflows_check_the_html_report_in_chromium_and_upload_it(name: str) -> None:
    """Chromium is installed before the browser test runs; the HTML page and its screenshot are
    uploaded on every outcome; CI fails rather than skips the browser test without Chromium."""
    wf = workflow(name)
    (job,) = wf["jobs"].values()
    steps = job["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    install = [i for i, r in enumerate(runs) if "scripts/ensure-chromium.sh" in r]
    browser = [i for i, r in enumerate(runs) if re.search(r"\bmake test(-browser)?\s*($|\s)", r)]
    assert install and browser, f"{name}: no Chromium install or no browser test"
    assert install[0] < browser[-1], f"{name}: Chromium is installed after the browser test"
    uploads = [s for s in steps if "upload-artifact" in str(s.get("uses", ""))]
    paths = " ".join(str(s["with"]["path"]) for s in uploads if always(s))
    assert "reports/*.html" in paths and "reports/*.png" in paths, paths
    if name == "ci.yml":
        assert str(job["env"].get("HARNESS_REQUIRE_BROWSER")) == "1"
    assert (ROOT / "scripts" / "ensure-chromium.sh").stat().st_mode & stat.S_IXUSR


def test_nightly_run_id_is_six_lowercase_alphanumerics(tmp_path: Path) -> None:
    """Execute the workflow's own run-id step: the id goes into every resource name."""
    step = next(
        s for s in all_steps(workflow("nightly.yml")) if "HARNESS_RUN_ID=" in s.get("run", "")
    )
    ids = set()
    for run_id, attempt in (("1234567890", "1"), ("1234567890", "2"), ("987", "1")):
        env_file = tmp_path / f"env-{run_id}-{attempt}"
        env = {
            **os.environ,
            "GITHUB_RUN_ID": run_id,
            "GITHUB_RUN_ATTEMPT": attempt,
            "GITHUB_ENV": str(env_file),
        }
        subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]], env=env, check=True, timeout=10
        )
        exported = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert re.fullmatch(r"[a-z0-9]{6}", exported["HARNESS_RUN_ID"]), exported
        ids.add(exported["HARNESS_RUN_ID"])
    assert len(ids) == 3, "each run and attempt needs its own id"


# ----------------------------------------------------------------------------- (d) credentials

# Values that look like credentials but are public: AWS's documentation examples.
# (The emulators' dummy credentials, "test"/"test", match none of the patterns.)
ALLOWED = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "AWS secret access key": re.compile(
        r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
    ),
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    "LocalStack auth token": re.compile(
        r"(?<![A-Za-z0-9])ls-[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}"
        r"-[A-Za-z0-9]{12}(?![A-Za-z0-9])"
    ),
    "LocalStack auth token value": re.compile(
        r"LOCALSTACK_AUTH_TOKEN[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9_-]{20,})"
    ),
    "GitHub token": re.compile(r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
}


def find_secrets(text: str) -> list[str]:
    found = []
    for kind, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0)
            if value not in ALLOWED:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"line {line}: {kind} ({value[:4]}...)")
    return found


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in sorted(set(listed.split("\0"))) if name]


def test_the_secret_patterns_catch_what_they_are_for() -> None:
    # Assembled at run time so that this file itself holds no credential-shaped string.
    key_id = "AKIA" + "Z" * 4 + "Q7" * 6
    secret = "Ab1/" * 10
    token = "ls-" + "-".join(("aBcD1234", "EfGh", "5678", "iJkL", "mNoP9012qRsT"))
    header = "-----BEGIN " + "RSA PRIVATE KEY-----"
    planted = [
        f"aws_access_key_id = {key_id}",
        f'AWS_SECRET_ACCESS_KEY="{secret}"',
        header,
        f"LOCALSTACK_AUTH_TOKEN={token}",
    ]
    for line in planted:
        assert find_secrets(line), f"not caught: {line}"
    harmless = [
        "AWS_ACCESS_KEY_ID=test",
        "aws_secret_access_key = test",
        "LOCALSTACK_AUTH_TOKEN: ${LOCALSTACK_AUTH_TOKEN:-}",
        "export LOCALSTACK_AUTH_TOKEN=...",
        "git ls-files --others --exclude-standard",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    ]
    for line in harmless:
        assert not find_secrets(line), f"false alarm: {line}"


def test_no_credentials_in_the_repository() -> None:
    problems = []
    files = repository_files()
    assert any(p.name == "docker-compose.yml" for p in files)
    for path in files:
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        problems += [
            f"{path.relative_to(ROOT)} {hit}"
            for hit in find_secrets(data.decode("utf-8", "replace"))
        ]
    assert not problems, "credential-shaped strings in the repository:\n" + "\n".join(problems)


# ----------------------------------------------------------------------------- (e) compose-run

FAKE_DOCKER = textwrap.dedent(
    '''\
    #!{python}
    """A stand-in `docker`: logs each call; `compose up` starts a health-endpoint server."""
    import os, signal, socket, subprocess, sys, time

    args = sys.argv[1:]
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(" ".join(args) + "\\n")
    state = os.environ["FAKE_DOCKER_STATE"]
    if args[:1] == ["info"]:
        if os.environ.get("FAKE_ENGINE") == "down":
            print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                  "Is the docker daemon running?", file=sys.stderr)
            sys.exit(1)
        sys.exit(0)
    if args[:1] != ["compose"]:
        sys.exit(0)
    if "version" in args:
        if os.environ.get("FAKE_COMPOSE") == "missing":
            print("docker: 'compose' is not a docker command.", file=sys.stderr)
            sys.exit(1)
        print("Docker Compose version v2.99.0")
    elif "up" in args:
        server = subprocess.Popen(
            [sys.executable, os.environ["FAKE_SERVER"]],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with open(state, "w") as f:
            f.write(str(server.pid))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", {port})) == 0:
                    break
            time.sleep(0.05)
    elif "down" in args and os.path.exists(state):
        pid = int(open(state).read())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.remove(state)
        deadline = time.monotonic() + 10  # like compose: return once the port is released
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", {port})) != 0:
                    break
            time.sleep(0.05)
    elif "ps" in args:
        print("running")
    '''
)
FAKE_SERVER = textwrap.dedent(
    """\
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "{path}" else 404)
            self.end_headers()
            self.wfile.write(b'{{"services": {{}}}}')

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", {port}), Health).serve_forever()
    """
)


@pytest.fixture
def fake_docker(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose `docker` is the stand-in above (first on PATH)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable, port=PORT))
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    # The standalone docker-compose (v1) the script falls back to, hidden the same way.
    v1 = bin_dir / "docker-compose"
    v1.write_text(
        '#!/bin/sh\n[ "$FAKE_COMPOSE" = missing ] && '
        '{ echo "docker-compose: not found" >&2; exit 127; }\nexec docker compose "$@"\n'
    )
    v1.chmod(v1.stat().st_mode | stat.S_IXUSR)
    server = tmp_path / "server.py"
    server.write_text(FAKE_SERVER.format(path=HEALTH_PATH, port=PORT))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HARNESS_", "LOCALSTACK_", "DOCKER_", "COMPOSE_"))
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        FAKE_DOCKER_LOG=str(tmp_path / "docker.log"),
        FAKE_DOCKER_STATE=str(tmp_path / "server.pid"),
        FAKE_SERVER=str(server),
    )
    yield env
    state = Path(env["FAKE_DOCKER_STATE"])
    if state.exists():  # never leave a server behind, whatever the test did
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(state.read_text()), signal.SIGKILL)


def docker_calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_DOCKER_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def run_wrapper(
    service: str, *command: str, env: dict[str, str] | None = None, timeout: float = 10
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [str(COMPOSE_RUN), service, "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return result, time.monotonic() - started


def port_in_use() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", PORT)) == 0


def engine_reachable() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=20)
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return info.returncode == 0 and plugin.returncode == 0


def test_compose_run_is_an_executable_bash_script() -> None:
    assert os.access(COMPOSE_RUN, os.X_OK), "chmod +x scripts/compose-run.sh"
    head = COMPOSE_RUN.read_text().splitlines()[:25]
    assert head[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in head


def test_compose_run_here_fails_fast_and_points_at_the_embedded_target() -> None:
    """On this machine as it is: the brief's case of no Docker engine (or no docker at all)."""
    if engine_reachable():
        pytest.skip("a Docker engine with compose is reachable here; it would really start")
    result, seconds = run_wrapper("ministack", "true")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert seconds < 10
    assert "make test-local" in output, output
    assert "Docker" in output or "docker" in output


def test_compose_run_names_each_missing_prerequisite(fake_docker: dict[str, str]) -> None:
    env = {**fake_docker, "FAKE_COMPOSE": "missing", "FAKE_ENGINE": "down"}
    result, seconds = run_wrapper("localstack", "true", env=env)
    output = result.stderr
    assert result.returncode == 3, output
    assert seconds < 10
    assert "Compose v2 plugin is missing" in output and "docker-compose-plugin" in output
    assert "engine is not reachable" in output and "Cannot connect" in output
    assert "LOCALSTACK_AUTH_TOKEN is not set" in output
    assert "app.localstack.cloud" in output
    assert "make test-local" in output
    assert not any(" up " in f" {call} " for call in docker_calls(env)), "nothing may start"


def test_compose_run_without_any_docker_says_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat", "grep", "timeout"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    result, seconds = run_wrapper("ministack", "true", env={"PATH": str(bin_dir)})
    assert result.returncode == 3, result.stderr
    assert seconds < 10
    assert "`docker` command is not installed" in result.stderr
    assert "make test-local" in result.stderr


def test_compose_run_localstack_needs_the_token_even_with_docker(
    fake_docker: dict[str, str],
) -> None:
    result, _ = run_wrapper("localstack", "true", env=fake_docker)
    assert result.returncode == 3
    assert "LOCALSTACK_AUTH_TOKEN" in result.stderr
    assert "compose plugin" not in result.stderr and "engine" not in result.stderr
    assert not any(" up " in f" {call} " for call in docker_calls(fake_docker))


def test_compose_run_rejects_bad_usage() -> None:
    for args in (["ministack"], ["ministack", "true"], ["nosuch", "--", "true"]):
        result = subprocess.run(
            [str(COMPOSE_RUN), *args], capture_output=True, text=True, timeout=10
        )
        assert result.returncode == 2, (args, result.stderr)
        assert "usage:" in result.stderr


def test_compose_run_starts_runs_and_always_tears_down(
    fake_docker: dict[str, str], tmp_path: Path
) -> None:
    """With a stand-in engine: up with the profile, health wait, the command sees the endpoint,
    and `down -v` happens after success, after failure (status passed on) and after Ctrl-C."""
    if port_in_use():
        pytest.skip(f"127.0.0.1:{PORT} is in use on this machine")
    env = {**fake_docker, "LOCALSTACK_AUTH_TOKEN": "placeholder"}

    # success: the command sees the endpoint and the target matching the service
    show = 'echo "endpoint=$HARNESS_ENDPOINT_URL target=$HARNESS_TARGET"'
    result, _ = run_wrapper("ministack", "sh", "-c", show, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"endpoint=http://localhost:{PORT} target=embedded" in result.stdout
    calls = docker_calls(env)
    assert any("--profile ministack" in c and "up -d ministack" in c for c in calls), calls
    assert "--profile ministack" in calls[-1] and "down -v" in calls[-1], calls
    assert not port_in_use(), "the stand-in emulator was not stopped"

    # failure: the command's status is the script's, and the container still goes
    Path(env["FAKE_DOCKER_LOG"]).unlink()
    result, _ = run_wrapper("localstack", "sh", "-c", "exit 7", env=env, timeout=60)
    assert result.returncode == 7, result.stderr
    calls = docker_calls(env)
    assert "--profile localstack" in calls[-1] and "down -v" in calls[-1], calls
    assert not port_in_use()

    # Ctrl-C (SIGINT to the whole foreground process group) while the command runs
    Path(env["FAKE_DOCKER_LOG"]).unlink()
    code, stderr, _ = interrupt_compose_run(
        env, tmp_path, signal.SIGINT, to_group=True, preexec_fn=deliver_sigint
    )
    assert code == 130, stderr
    calls = docker_calls(env)
    assert calls and "down -v" in calls[-1], calls
    assert not port_in_use()


# ----------------------------------------------------------------------------- (f) stack files

SHARED_TF = ROOT / "terraform" / "shared"
STACKS = ROOT / "terraform" / "stacks"
# What only the shared files may declare: a stack file holding it is a copy of them.
SHARED_DECLARATIONS = ('variable "name_prefix"', "required_providers", 'provider "aws"')


def stack_directories() -> list[Path]:
    return sorted(p for p in STACKS.iterdir() if p.is_dir() and any(p.glob("*.tf")))


def test_every_stack_links_its_shared_files_to_the_one_source() -> None:
    """Each stack's common-variables.tf and versions.tf is a relative symlink to terraform/shared
    (relative, so it resolves in the working copy of terraform/ too), and no stack file repeats
    what they declare: a copy would drift from the others unseen."""
    shared = sorted(p.name for p in SHARED_TF.glob("*.tf"))
    assert shared == ["common-variables.tf", "versions.tf"]
    stacks = stack_directories()
    assert {"pipeline", "poller", "queue", "queues"} <= {p.name for p in stacks}
    problems = []
    for stack in stacks:
        for name in shared:
            link = stack / name
            where = link.relative_to(ROOT)
            if not link.is_symlink():
                problems.append(f"{where} is not a symlink to terraform/shared/{name}")
            elif os.path.isabs(os.readlink(link)):
                problems.append(f"{where} -> {os.readlink(link)} is absolute")
            elif link.resolve() != (SHARED_TF / name).resolve():
                problems.append(f"{where} -> {os.readlink(link)}, not terraform/shared/{name}")
        for path in sorted(stack.glob("*.tf")):
            if path.is_symlink():
                continue
            copied = [d for d in SHARED_DECLARATIONS if d in path.read_text()]
            problems += [f"{path.relative_to(ROOT)} declares {d}" for d in copied]
    assert not problems, "stacks must link the shared files, not copy them:\n" + "\n".join(problems)
