"""The host Lambda executor for LocalStack, without LocalStack: its Runtime API driven by a plain
HTTP client, a real awslambdaric process driven through `FunctionInstance` (its runtime venv is
built once into the harness cache; skipped where it cannot be built), the log lines, the
process environment and the installer."""

from __future__ import annotations

import ast
import http.client
import importlib.metadata
import json
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqs_lambda_harness import processes, waits
from sqs_lambda_harness.targets.localstack_lambda import install, reports, runtimes
from sqs_lambda_harness.targets.localstack_lambda.environment import (
    RUN_DIR_VARIABLE,
    Sandbox,
    process_environment,
)
from sqs_lambda_harness.targets.localstack_lambda.instance import (
    FunctionInstance,
    InitFailed,
    LaunchSpec,
    Request,
)
from sqs_lambda_harness.targets.localstack_lambda.process import FunctionProcess, kill_all
from sqs_lambda_harness.targets.localstack_lambda.runtime_api import (
    ERROR_TYPE_HEADER,
    PREFIX,
    Invocation,
    RuntimeApi,
)

PACKAGE = Path(install.__file__).parent


# The Runtime API, driven by a plain HTTP client.


@pytest.fixture
def api() -> Iterator[RuntimeApi]:
    server = RuntimeApi()
    server.start()
    yield server
    server.end("test over")


def connect(api: RuntimeApi) -> http.client.HTTPConnection:
    host, port = api.address.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def event(request_id: str = "req-1", payload: bytes = b'{"a": 1}') -> Invocation:
    return Invocation(request_id, payload, "arn:aws:lambda:us-east-1:0:function:f", "Root=1", 99)


def test_next_delivers_the_event_with_its_headers_and_the_response_finishes_it(
    api: RuntimeApi,
) -> None:
    invocation = event()
    api.submit(invocation)
    conn = connect(api)
    conn.request("GET", f"{PREFIX}/invocation/next")
    got = conn.getresponse()
    assert got.read() == b'{"a": 1}'
    assert got.headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
    assert got.headers["Lambda-Runtime-Deadline-Ms"] == "99"
    assert got.headers["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:f")
    assert api.wait_initialised(0)
    conn.request("POST", f"{PREFIX}/invocation/req-1/response", b'"done"')
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 202
    assert invocation.done.is_set()
    assert invocation.outcome is not None
    assert (invocation.outcome.body, invocation.outcome.is_error) == (b'"done"', False)


def test_error_carries_its_type_and_an_unknown_request_id_is_refused(api: RuntimeApi) -> None:
    invocation = event()
    api.submit(invocation)
    conn = connect(api)
    conn.request("GET", f"{PREFIX}/invocation/next")
    conn.getresponse().read()
    conn.request("POST", f"{PREFIX}/invocation/other/response", b"{}")
    refused = conn.getresponse()
    assert (refused.status, json.loads(refused.read())["errorType"]) == (400, "InvalidRequestID")
    conn.request(
        "POST", f"{PREFIX}/invocation/req-1/error", b'{"errorType": "E"}', {ERROR_TYPE_HEADER: "E"}
    )
    conn.getresponse().read()
    assert invocation.outcome is not None
    assert invocation.outcome.is_error and invocation.outcome.error_type == "E"


def test_init_error_ends_the_wait_for_init_as_a_failure(api: RuntimeApi) -> None:
    conn = connect(api)
    conn.request("POST", f"{PREFIX}/init/error", b'{"errorType": "Runtime.ImportModuleError"}')
    assert conn.getresponse().status == 202
    assert api.wait_initialised(5) is False
    assert api.init_error is not None and b"ImportModuleError" in api.init_error.body


def test_end_fails_the_invocation_in_flight_and_releases_a_waiting_next(api: RuntimeApi) -> None:
    statuses: list[int] = []

    def poll_next() -> None:
        conn = connect(api)
        conn.request("GET", f"{PREFIX}/invocation/next")
        statuses.append(conn.getresponse().status)

    poller = threading.Thread(target=poll_next)
    poller.start()
    assert api.wait_initialised(5)
    inflight = event("held")
    api._inflight["held"] = inflight  # delivered earlier, no answer yet
    api.end("process exited")
    poller.join(5)
    assert statuses == [410]
    assert inflight.outcome is not None and inflight.outcome.error_type == "Runtime.Exited"


def test_round_trips_on_one_connection_are_not_delayed_by_nagle(api: RuntimeApi) -> None:
    """The server answers headers and body in two writes; with Nagle on, the second waits for
    the client's delayed ACK (≈ 40 ms) on every request."""
    conn = connect(api)
    times = []
    for i in range(15):
        invocation = event(f"r{i}")
        api.submit(invocation)
        started = time.perf_counter()
        conn.request("GET", f"{PREFIX}/invocation/next")
        conn.getresponse().read()
        conn.request("POST", f"{PREFIX}/invocation/r{i}/response", b"{}")
        conn.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
    assert statistics.median(times) < 20, times


# A real awslambdaric process.

HANDLER = """
import os, subprocess, sys, time
print("loading", flush=True)

def handler(event, context):
    print("event", event)
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("exit"):
        os._exit(event["exit"])
    if event.get("sleep"):
        child = subprocess.Popen(["sleep", "60"])
        print("grandchild", child.pid, flush=True)
        time.sleep(event["sleep"])
    return {"pid": os.getpid(), "tmp": os.environ.get("TMPDIR")}
"""


@pytest.fixture(scope="module")
def python() -> Path:
    """The runtime venv for this interpreter's version (built once into the harness cache)."""
    runtime = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        return runtimes.ensure(runtime)
    except runtimes.RuntimeUnavailable as error:
        pytest.skip(f"no {runtime} runtime venv here: {error}")


def spec(python: Path, code: Path, handler: str = "app.handler") -> LaunchSpec:
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text(HANDLER)
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(code), "HOME": str(code)}
    return LaunchSpec(python, handler, code, env, init_timeout=60)


@pytest.fixture
def instance(python: Path, tmp_path: Path) -> Iterator[FunctionInstance]:
    running = FunctionInstance(spec(python, tmp_path / "code"))
    running.initialise()
    yield running
    running.kill()


def request(event: dict[str, object], timeout: float = 30) -> Request:
    return Request(
        f"id-{time.monotonic_ns()}", json.dumps(event).encode(), "arn:f", "Root=1", timeout, 128
    )


def test_invoke_returns_the_result_with_start_end_report_around_the_output(
    instance: FunctionInstance,
) -> None:
    first = instance.invoke(request({"n": 1}))
    assert not first.is_error
    assert json.loads(first.payload)["pid"] == instance.process.pid
    lines = first.logs.splitlines()
    assert lines[0] == "loading", "init output comes before the first START"
    assert lines[1].startswith("START RequestId: id-") and lines[1].endswith("Version: $LATEST")
    assert lines[2] == "event {'n': 1}"
    assert lines[3].startswith("END RequestId: id-")
    assert lines[4].startswith("REPORT RequestId: id-") and "\tInit Duration: " in lines[4]
    second = instance.invoke(request({"n": 2}))
    assert "Init Duration" not in second.logs and "loading" not in second.logs


def test_handler_exception_is_an_error_with_its_type(instance: FunctionInstance) -> None:
    outcome = instance.invoke(request({"fail": True}))
    assert outcome.is_error
    assert json.loads(outcome.payload)["errorType"] == "ValueError"
    assert "[ERROR] ValueError: asked to fail" in outcome.logs
    assert instance.alive


def test_timeout_kills_the_process_group_and_reports_it(instance: FunctionInstance) -> None:
    slow = request({"sleep": 30}, timeout=1)
    started = time.monotonic()
    outcome = instance.invoke(slow)
    assert time.monotonic() - started < 5
    assert outcome.timed_out and outcome.is_error
    assert json.loads(outcome.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {slow.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert "Task timed out after 1.00 seconds\nEND RequestId" in outcome.logs
    assert outcome.logs.rstrip("\n").endswith("\tStatus: timeout")
    grandchild = int(outcome.logs.split("grandchild ")[1].split()[0])
    assert not instance.alive
    waits.until(lambda: gone(grandchild), timeout=5, what="the handler's own child killed")


def test_a_process_that_exits_mid_invoke_is_a_runtime_exit_error(
    instance: FunctionInstance,
) -> None:
    outcome = instance.invoke(request({"exit": 3}))
    assert outcome.is_error
    assert json.loads(outcome.payload)["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in json.loads(outcome.payload)["errorMessage"]
    assert not instance.alive


def test_a_handler_that_does_not_import_fails_init(python: Path, tmp_path: Path) -> None:
    failing = FunctionInstance(spec(python, tmp_path / "code", handler="missing.handler"))
    with pytest.raises(InitFailed) as failed:
        failing.initialise()
    assert json.loads(failed.value.payload)["errorType"] == "Runtime.ImportModuleError"
    waits.until(lambda: gone(failing.process.pid), timeout=5, what="failed process gone")


def test_kill_all_leaves_no_function_process(python: Path, tmp_path: Path) -> None:
    running = FunctionInstance(spec(python, tmp_path / "code"))
    running.initialise()
    kill_all()
    assert gone(running.process.pid)


def test_a_function_process_dies_when_its_parent_is_killed(python: Path, tmp_path: Path) -> None:
    """The lifeline: LocalStack killed outright (SIGKILL, no atexit) takes its children along."""
    (tmp_path / "sleeper.py").write_text("import time\ntime.sleep(60)\n")
    parent_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from sqs_lambda_harness.targets.localstack_lambda.process import FunctionProcess\n"
        f"p = FunctionProcess(Path({str(python)!r}), ['sleeper'], Path({str(tmp_path)!r}), "
        "{'PATH': '/usr/bin:/bin'}, lambda code: None)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = processes.start([sys.executable, "-c", parent_code], cwd=Path.cwd())
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert not gone(child)
    finally:
        processes.kill_group(parent)  # SIGKILL: the child is in a group of its own
    waits.until(lambda: gone(child), timeout=10, what="the orphaned function process gone")


def gone(pid: int) -> bool:
    """No such process, or a zombie waiting for its reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except FileNotFoundError:
        return True


# The platform's log lines.


def test_report_line_has_aws_fields_in_order() -> None:
    line = reports.Report("abc", 12.341, 128, 40).line()
    assert line == (
        "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB\n"
    )


def test_report_line_of_a_cold_timed_out_invoke_bills_init_and_says_timeout() -> None:
    line = reports.Report("abc", 1000.2, 256, 41, init_duration_ms=150.5, timed_out=True).line()
    assert "\tBilled Duration: 1151 ms\t" in line
    assert line.endswith("\tInit Duration: 150.50 ms\tStatus: timeout\n")


# The process environment.


def test_process_environment_keeps_lambda_variables_and_drops_localstack_internals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RUN_DIR_VARIABLE, str(tmp_path))
    sandbox = Sandbox("fn", "env1")
    localstack_vars = {
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": 128,
        "_HANDLER": "app.handler",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "LOCALSTACK_RUNTIME_ENDPOINT": "http://x/_localstack_lambda/env1",
        "LAMBDA_TASK_ROOT": "/var/task",
    }
    function_vars = {"TMPDIR": "/own/tmp", "LAMBDA_TASK_ROOT": "/sneaky", "MINE": "1"}
    code, bin_dir = tmp_path / "code", tmp_path / "venv/bin"
    env = process_environment(
        localstack_vars, function_vars, code, bin_dir, sandbox, "AWS_Lambda_python3.12"
    )
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["_HANDLER"] == "app.handler" and env["MINE"] == "1"
    assert "LOCALSTACK_RUNTIME_ENDPOINT" not in env
    assert env["LAMBDA_TASK_ROOT"] == str(code), "a reserved name stays the platform's"
    assert env["TMPDIR"] == "/own/tmp", "a function's own TMPDIR wins"
    assert env["HOME"] == str(tmp_path / "fn-env1" / "home")
    assert env["PATH"].startswith(f"{bin_dir}:")
    sandbox.remove()
    assert not sandbox.root.exists()


# Runtimes.


@pytest.mark.parametrize("runtime", ["nodejs20.x", "java21", "provided.al2023", None])
def test_runtimes_other_than_python_are_refused_with_the_reason(runtime: str | None) -> None:
    with pytest.raises(runtimes.RuntimeUnavailable, match=r"Python zip functions \(python3.x\)"):
        runtimes.python_version(runtime)


def test_a_python_without_interpreter_names_the_fix() -> None:
    with pytest.raises(runtimes.RuntimeUnavailable, match=r"pyenv install 3\.99"):
        runtimes.find_interpreter((3, 99))


# The installer.


def test_install_registers_the_executor_and_a_second_install_changes_nothing(
    tmp_path: Path,
) -> None:
    install.install_into(tmp_path)
    (dist,) = importlib.metadata.distributions(path=[str(tmp_path)])
    (entry,) = dist.entry_points.select(group="localstack.lambda.runtime_executor")
    assert (entry.name, entry.value) == (
        "harness-host",
        "harness_localstack_executor.executor:HostRuntimeExecutorPlugin",
    )
    package = tmp_path / "harness_localstack_executor"
    assert (package / "executor.py").read_bytes() == (PACKAGE / "executor.py").read_bytes()
    assert not (package / "install.py").exists()

    def file_times() -> dict[Path, int]:
        return {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*") if path.is_file()}

    before = file_times()
    (package / "stale.py").write_text("")
    install.install_into(tmp_path)
    assert not (package / "stale.py").exists()
    assert file_times() == before


def test_installed_package_imports_under_its_own_name(tmp_path: Path) -> None:
    install.install_into(tmp_path)
    check = "import harness_localstack_executor.instance, harness_localstack_executor.runtimes"
    done = processes.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); {check}"],
        timeout=60,
        what="importing the installed executor",
    )
    assert done.returncode == 0, done.stdout


def test_executor_modules_import_only_stdlib_localstack_and_each_other() -> None:
    allowed = set(sys.stdlib_module_names) | {"localstack"}
    for module in PACKAGE.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed | {"__future__"}, f"{module.name} imports {roots - allowed}"


def test_localstack_environment_selects_the_executor_and_passes_pip_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://mirror.invalid/simple")
    env = install.localstack_environment(tmp_path / "run", tmp_path / "cache")
    assert env["LAMBDA_RUNTIME_EXECUTOR"] == "harness-host"
    assert env["HARNESS_LAMBDA_RUN_DIR"] == str(tmp_path / "run")
    assert env["HARNESS_LAMBDA_RUNTIME_CACHE"] == str(tmp_path / "cache")
    assert env["PIP_INDEX_URL"] == "http://mirror.invalid/simple"


def test_function_process_leads_its_own_group_and_sees_only_its_environment(
    python: Path, tmp_path: Path
) -> None:
    (tmp_path / "show.py").write_text(
        "import json, os\n"
        "print(json.dumps({**os.environ, 'LEADER': os.getpgid(0) == os.getpid()}))\n"
    )
    exited = threading.Event()
    process = FunctionProcess(python, ["show"], tmp_path, {"A": "1"}, lambda code: exited.set())
    assert exited.wait(30)
    env = json.loads(waits.until(process.output.take, timeout=5, what="output"))
    assert env.get("A") == "1" and "HARNESS_LIFELINE_FD" not in env
    assert env["LEADER"] is True
