"""A thin runner over the `terraform`/`tofu` CLI and its `-json` machine-readable output: the
one way this project runs the CLI (stacks, the module rule tests, the benchmark).

Methods map to CLI verbs. Every command streams its JSON events to a log file, enforces a
timeout (SIGINT first, so the CLI can save state, then SIGKILL of its whole process group,
provider plugins included), and turns `diagnostic` events into readable errors: the resource,
the summary and the detail, instead of a raw dump.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqs_lambda_harness import processes
from sqs_lambda_harness.errors import HarnessError, tail
from sqs_lambda_harness.terraform import served

DEFAULT_TIMEOUT = 900.0
AUTOMATION_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
IGNORED_ENV = (  # + TF_CLI_ARGS*
    "TF_PLUGIN_CACHE_DIR",
    "TF_DATA_DIR",
    "TF_WORKSPACE",
    "TF_LOG",
    "TF_REATTACH_PROVIDERS",
)
# Operations in flight at once in apply and destroy. The provider's SQS waits hold one each, idle
# (a queue's attributes are read until six reads 5 s apart agree, ~25 s): at the CLI's default
# of 10 a stack with more than ten queues (stacks/mappings) waits twice.
PARALLELISM = 32
SERVED_VERBS = ("plan", "apply", "destroy")  # the commands that start providers more than once


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str = ""
    address: str = ""
    location: str = ""

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Diagnostic:
        diagnostic = event.get("diagnostic") or {}
        where = diagnostic.get("range") or {}
        location = ""
        if where.get("filename"):
            location = f"{where['filename']}:{(where.get('start') or {}).get('line', '?')}"
        return cls(
            severity=diagnostic.get("severity", "error"),
            summary=diagnostic.get("summary", event.get("@message", "")),
            detail=(diagnostic.get("detail") or "").strip(),
            address=diagnostic.get("address", ""),
            location=location,
        )

    def render(self) -> str:
        where = " ".join(
            part for part in (self.address, self.location and f"({self.location})") if part
        )
        head = f"{self.severity.capitalize()}: {self.summary}" + (f" — {where}" if where else "")
        detail = "\n".join(f"    {line}" for line in self.detail.splitlines())
        return head + (f"\n{detail}" if detail else "")


class TerraformError(HarnessError):
    """A CLI command failed; `diagnostics` holds what the CLI itself said was wrong."""

    def __init__(self, command: str, diagnostics: list[Diagnostic], output_tail: str, log: Path):
        self.command = command
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        details = "\n".join(d.render() for d in errors) if errors else output_tail
        super().__init__(f"`{command}` failed.", details=details, fix=f"full CLI output: {log}")


@dataclass
class Result:
    events: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    returncode: int = 0
    text: str = ""  # what the CLI printed that is not a JSON event (e.g. `fmt -diff`)
    command: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def explain(self) -> str:
        """The command, its exit code and what it said was wrong (for assertion messages)."""
        said = "\n".join(d.render() for d in self.errors) or tail(self.text)
        return f"`{self.command}` exited {self.returncode}\n{said}"

    def changes(self, operation: str) -> dict[str, int]:
        """The CLI's own `change_summary` counts for `plan` or `apply`/`destroy`."""
        for event in reversed(self.events):
            summary = event.get("changes") or {}
            if event.get("type") == "change_summary" and summary.get("operation") == operation:
                return {k: v for k, v in summary.items() if isinstance(v, int)}
        return {}

    def outputs(self) -> dict[str, Any] | None:
        """Output values from the CLI's own `outputs` event (an apply ends with one); None when
        there is none or a value is withheld there (sensitive outputs carry no value)."""
        for event in reversed(self.events):
            if event.get("type") == "outputs":
                items = event.get("outputs") or {}
                if all("value" in item for item in items.values()):
                    return {name: item["value"] for name, item in items.items()}
                return None
        return None


class Runner:
    """Runs CLI commands in one working directory with one environment."""

    def __init__(
        self,
        cli: Path,
        workdir: Path,
        env: dict[str, str],
        log_path: Path,
        timeout: float = DEFAULT_TIMEOUT,
        interrupt_grace: float = 30.0,
    ) -> None:
        """`interrupt_grace`: how long an interrupted CLI may take to save its state before it
        is killed (0 where the state is thrown away anyway)."""
        self.cli = cli
        self.workdir = workdir
        self.env = {**os.environ, **env, **AUTOMATION_ENV}
        # A shared plugin cache is not safe under parallel inits (the mirror is read-only), and
        # a user's TF_* settings must not redirect our working copies.
        for name in [n for n in self.env if n in IGNORED_ENV or n.startswith("TF_CLI_ARGS")]:
            self.env.pop(name)
        self.log_path = log_path
        self.timeout = timeout
        self.interrupt_grace = interrupt_grace
        self._process: subprocess.Popen[str] | None = None
        self._servers: list[subprocess.Popen[str]] = []  # providers served to the command
        self._killed = False
        self._starting = threading.Lock()  # a command is started, or refused, never half-way

    def kill(self) -> None:
        """Kill the command under way, if any, with its provider plugins, and refuse every
        later one (from any thread): the target is gone, and a CLI started against it would sit
        in the provider's retries for minutes."""
        with self._starting:
            self._killed = True
            running = [p for p in (self._process, *self._servers) if p is not None]
        for process in running:
            if process.poll() is None:
                processes.kill_group(process)

    def _register_server(self, server: subprocess.Popen[str] | None) -> None:
        """A provider served to the command under way (None: they are gone); refused once
        the runner is killed."""
        with self._starting:
            if server is None:
                self._servers.clear()
                return
            if self._killed:
                raise TerraformError("provider server", [], "the runner was killed", self.log_path)
            self._servers.append(server)

    def init(self, backend: bool = True) -> Result:
        args = ["init", "-input=false", "-json"]
        return self.run(args if backend else [*args, "-backend=false"])

    def plan(
        self,
        out: str | None = "tfplan",
        var_file: Path | None = None,
        refresh: bool = True,
        check: bool = True,
    ) -> Result:
        """Plan, saving it to `out`; `check=False` returns a failed plan's diagnostics
        instead of raising (the module rule tests read them)."""
        args = ["plan", "-input=false", "-json", "-lock=false"]
        args += [f"-out={out}"] if out else []
        args += [f"-var-file={var_file}"] if var_file else []
        args += [] if refresh else ["-refresh=false"]
        return self.run(args, check=check)

    def show_json(self, plan_file: str | Path) -> dict[str, Any]:
        """`show -json` of a saved plan: the planned values, resource by resource."""
        return _document(self.run(["show", "-json", "-no-color", str(plan_file)]))

    def version(self) -> dict[str, Any]:
        """`version -json`: {"terraform_version": "1.11.4", ...} (tofu answers the same)."""
        return _document(self.run(["version", "-json"]))

    def validate(self, check: bool = True) -> Result:
        """`validate -json` prints one document, not events: its diagnostics are lifted out."""
        result = self.run(["validate", "-json", "-no-color"], check=False)
        document = _document(result)
        result.diagnostics = [
            Diagnostic.from_event({"diagnostic": d}) for d in document.get("diagnostics", [])
        ]
        if check and not result.ok:
            raise TerraformError(
                result.command, result.diagnostics, tail(result.text), self.log_path
            )
        return result

    def fmt_check(self, *paths: str | Path) -> Result:
        """`fmt -check -recursive -diff`: never raises; `.text` holds the diff."""
        return self.run(
            ["fmt", "-check", "-recursive", "-diff", "-no-color", *map(str, paths)], check=False
        )

    def apply(self, plan_file: str | None = None, on_event: Callback | None = None) -> Result:
        args = ["apply", "-input=false", "-json", f"-parallelism={PARALLELISM}"]
        args += [plan_file] if plan_file else ["-auto-approve"]
        return self.run(args, on_event=on_event)

    def destroy(self, on_event: Callback | None = None) -> Result:
        args = ["destroy", "-input=false", "-json", "-auto-approve", f"-parallelism={PARALLELISM}"]
        return self.run(args, on_event=on_event)

    def outputs(self) -> dict[str, Any]:
        """`output -json` -> {name: value}; sensitive values are returned too (tests need them)."""
        outputs = _document(self.run(["output", "-json"]))
        return {name: item.get("value") for name, item in outputs.items()}

    def note(self, line: str) -> None:
        """A line in this working copy's CLI log, for what happened there without the CLI."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            log.write(f"\n# {line}\n")

    def run(self, args: list[str], on_event: Callback | None = None, check: bool = True) -> Result:
        """Run one CLI command to completion, streaming its JSON events; on failure raise
        `TerraformError`, or with `check=False` return the result with its exit code. A command
        that walks the configuration gets the aws provider served once (`served`)."""
        if args[0] not in SERVED_VERBS:
            return self._run(args, {}, on_event, check)
        provider_log = self.log_path.with_name(f"{self.log_path.stem}.provider.log")
        with served.providers_served(
            self.workdir, self.env, provider_log, self._register_server
        ) as reattach:
            return self._run(args, reattach, on_event, check)

    def _run(
        self,
        args: list[str],
        extra_env: dict[str, str],
        on_event: Callback | None,
        check: bool,
    ) -> Result:
        command = f"{self.cli.name} {' '.join(args)}"
        result = Result(command=command)
        started = time.monotonic()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            log.write(f"\n$ {command}   (in {self.workdir})\n")
            log.flush()
            plain: list[str] = []
            with self._starting:
                if self._killed:
                    raise TerraformError(
                        command, [], "not started: the runner was killed", self.log_path
                    )
                # In a session of its own: a Ctrl-C in the terminal must not kill it mid-write.
                process = processes.start(
                    [str(self.cli), *args],
                    cwd=self.workdir,
                    env={**self.env, **extra_env},
                    die_with_parent=False,
                )
                self._process = process
            try:  # straight after the start: a Ctrl-C from here on reaches the CLI
                with processes.time_limit(
                    process, self.timeout, signal.SIGINT, self.interrupt_grace
                ) as timed_out:
                    self._read_events(process, log, result, plain, on_event)
                    code = process.wait()
            except KeyboardInterrupt:
                # The CLI runs in its own session, so pass Ctrl-C on and let it save state;
                # the caller's teardown then destroys what was created.
                processes.kill_group(process, signal.SIGINT, self.interrupt_grace)
                raise
            except BaseException:
                processes.kill_group(process)  # e.g. an on_event callback failed
                raise
            finally:
                self._process = None
        result.seconds = time.monotonic() - started
        result.returncode = code
        result.text = "".join(plain)
        if code != 0 and check:
            output_tail = tail("".join(plain) or "\n".join(map(json.dumps, result.events[-5:])))
            if timed_out.is_set():
                output_tail = f"timed out after {self.timeout:.0f}s\n" + output_tail
            raise TerraformError(command, result.diagnostics, output_tail, self.log_path)
        return result

    @staticmethod
    def _read_events(
        process: subprocess.Popen[str],
        log: IO[str],
        result: Result,
        plain: list[str],
        on_event: Callback | None,
    ) -> None:
        """Stream every line to the log; JSON events (and their diagnostics) into `result`,
        each to `on_event` as it comes; anything else into `plain`."""
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            event = _parse_event(line)
            if event is None:
                plain.append(line)
                continue
            result.events.append(event)
            if event.get("type") == "diagnostic":
                result.diagnostics.append(Diagnostic.from_event(event))
            if on_event:
                on_event(event)


Callback = Callable[[dict[str, Any]], None]


def _document(result: Result) -> dict[str, Any]:
    """The one JSON document a command printed: on one line it was read as an event; over
    several, it starts at the first line that opens an object (warnings may come first)."""
    if result.events:
        return result.events[0]
    start = re.search(r"^\{", result.text, flags=re.MULTILINE)
    return json.loads(result.text[start.start() :] if start else result.text)


def _parse_event(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
