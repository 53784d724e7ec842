"""The nightly workflow's job, run here step by step: read from .github/workflows/nightly.yml
itself, so a change to the workflow is what the dry run runs.

A `run:` step runs as GitHub runs it (`bash -eo pipefail`, the job's and the step's `env`, its
`timeout-minutes`, `$GITHUB_ENV` carried to later steps). A `uses:` step runs through its local
stand-in (`STAND_INS`): what GitHub provides (checkout, Python, Go, caches, artifact upload) is
this machine's, and `aws-actions/configure-aws-credentials` assumes the role through STS on the
emulator. An action without a stand-in fails the dry run: the workflow changed, so must this.
Expressions (`${{ … }}` and `if:`) are evaluated for the forms the workflow uses: contexts
(`vars`, `env`, `github`, `runner`, `steps.<id>.outcome`), string and number literals,
`hashFiles()`, `||`, `&&`, `==`, `!=` and `always()`; anything else is refused with the
expression named.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONTEXT_NAME = re.compile(r"\b(vars|env|github|steps|secrets|runner)((?:\.[A-Za-z0-9_-]+)+)")
# A cache key's file hash: the caches are this machine's, so any stable text does.
HASH_FILES = re.compile(r"hashFiles\([^)]*\)")
ALLOWED_AFTER_CONTEXTS = re.compile(r"^(?:\s|'[^']*'|\d+|\|\||&&|==|!=|\(|\)|True|_v\d+)*$")


class WorkflowChanged(AssertionError):
    """The workflow uses something the dry run has no stand-in or evaluator for."""


@dataclass
class StepResult:
    name: str
    outcome: str  # success, failure, skipped
    seconds: float = 0.0
    output: str = ""


@dataclass
class Job:
    """One job of the workflow, with its contexts as the runner would have them."""

    steps: list[dict[str, Any]]
    env: dict[str, str]
    vars: dict[str, str]
    github: dict[str, str]
    workdir: Path
    stand_ins: dict[str, Callable[[Job, dict[str, Any]], dict[str, str]]]
    results: list[StepResult] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # step id -> outcome
    exported: dict[str, str] = field(default_factory=dict)  # via $GITHUB_ENV and stand-ins

    # ------------------------------------------------------------------- expressions

    def evaluate(self, expression: str, env: dict[str, str]) -> Any:
        """One expression, e.g. `vars.AWS_REGION || 'us-east-1'` or
        `always() && steps.credentials.outcome == 'success'`."""
        values: dict[str, Any] = {}

        def lookup(match: re.Match[str]) -> str:
            context, path = match.group(1), match.group(2).lstrip(".").split(".")
            value: Any = {
                "vars": self.vars,
                "env": env,
                "github": self.github,
                "secrets": {},
                "runner": {"os": "Linux"},
                "steps": {k: {"outcome": v} for k, v in self.outcomes.items()},
            }[context]
            for part in path:
                value = value.get(part, "") if isinstance(value, dict) else ""
            name = f"_v{len(values)}"
            values[name] = value
            return name

        text = HASH_FILES.sub("'hash'", expression)
        text = CONTEXT_NAME.sub(lookup, text).replace("always()", "True")
        if not ALLOWED_AFTER_CONTEXTS.match(text):
            raise WorkflowChanged(f"the dry run cannot evaluate ${{{{ {expression} }}}}")
        python = text.replace("||", " or ").replace("&&", " and ")
        return eval(python, {"__builtins__": {}}, values)

    def substitute(self, text: str, env: dict[str, str]) -> str:
        return EXPRESSION.sub(lambda m: str(self.evaluate(m.group(1), env)), text)

    # ------------------------------------------------------------------- running

    def run(self) -> list[StepResult]:
        """Every step in order, as the runner would: a failed step skips the later ones
        unless their `if:` says otherwise."""
        failed = False
        for step in self.steps:
            name = step.get("name") or step.get("uses") or "step"
            env = self.step_env(step)
            condition = step.get("if")
            runs = (
                bool(self.evaluate(str(condition).removeprefix("${{").removesuffix("}}"), env))
                if condition is not None
                else not failed
            )
            if condition is not None and "always()" not in str(condition) and failed:
                runs = False
            if not runs:
                self.record(step, StepResult(name, "skipped"))
                continue
            result = self.run_step(step, name, env)
            self.record(step, result)
            failed = failed or result.outcome == "failure"
        return self.results

    def record(self, step: dict[str, Any], result: StepResult) -> None:
        self.results.append(result)
        if step.get("id"):
            self.outcomes[step["id"]] = result.outcome

    def step_env(self, step: dict[str, Any]) -> dict[str, str]:
        env = {**self.env, **self.exported}
        for key, value in (step.get("env") or {}).items():
            env[key] = self.substitute(str(value), env)
        return env

    def run_step(self, step: dict[str, Any], name: str, env: dict[str, str]) -> StepResult:
        started = time.monotonic()
        if "uses" in step:
            action = step["uses"].split("@")[0]
            stand_in = self.stand_ins.get(action)
            if stand_in is None:
                raise WorkflowChanged(f"step {name!r} uses {action}, which has no stand-in")
            inputs = {k: self.substitute(str(v), env) for k, v in (step.get("with") or {}).items()}
            try:
                self.exported.update(stand_in(self, inputs))
                outcome, output = "success", ""
            except Exception as error:  # the action failed, as the runner would report it
                outcome, output = "failure", f"{type(error).__name__}: {error}"
            return StepResult(name, outcome, time.monotonic() - started, output)
        return self.run_shell(step, name, env, started)

    def run_shell(
        self, step: dict[str, Any], name: str, env: dict[str, str], started: float
    ) -> StepResult:
        github_env = self.workdir / "github-env"
        github_env.write_text("")
        script = self.substitute(step["run"], env)
        limit = float(step.get("timeout-minutes", 360)) * 60
        process_env = {
            **os.environ,
            **env,
            "GITHUB_ENV": str(github_env),
            "GITHUB_STEP_SUMMARY": str(self.workdir / "step-summary.md"),
            **{f"GITHUB_{k.upper()}": v for k, v in self.github.items()},
        }
        try:
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=self.github["workspace"],
                env=process_env,
                capture_output=True,
                text=True,
                timeout=limit,
                start_new_session=True,
            )
            outcome = "success" if done.returncode == 0 else "failure"
            output = done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:
            outcome, output = "failure", f"timed out after {limit:.0f} s\n{expired.stdout or ''}"
        for line in github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                self.exported[key] = value
        return StepResult(name, outcome, time.monotonic() - started, output)


def load(path: Path, job: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the workflow, one of its jobs) as YAML data."""
    workflow = yaml.safe_load(path.read_text())
    return workflow, workflow["jobs"][job]
