"""The run report: what a run proved (claims and measurements per scenario) and where the time
went; printed for people at the end of the run, written as JSON for machines (schema:
`report.schema.json`, documented in docs/report-schema.md), and drawn as HTML by `html`.
pytest's own --junitxml carries the same figures. What a test records is in `evidence`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from statistics import median
from typing import Any

from sqs_lambda_harness import prices
from sqs_lambda_harness.reporting.evidence import Measurement
from sqs_lambda_harness.terraform.stacks import StackRecord
from sqs_lambda_harness.usage import Usage

SCHEMA_VERSION = 1
INHERENT_WAIT = "inherent wait"  # a measurement naming how long a scenario must wait by design
SETTLED = ("passed", "xfailed", "skipped")  # outcomes whose timeline bar is not marked failed


@dataclass
class ScenarioResult:
    nodeid: str
    title: str
    outcome: str
    seconds: float
    claims: list[str]
    measurements: list[Measurement]
    reason: str = ""
    worker: str | None = None
    started_at: float | None = None  # epoch seconds of the test body's start

    def inherent_wait(self) -> float:
        return sum(m.value for m in self.measurements if m.name == INHERENT_WAIT)


@dataclass
class WorkerFacts:
    """One process that ran tests: its endpoint and, when the harness started it, emulator."""

    id: str
    endpoint: str | None = None
    emulator: str | None = None  # e.g. "MiniStack 1.5.33"
    emulator_started_at: float | None = None  # epoch seconds
    emulator_start_seconds: float | None = None


@dataclass
class RunReport:
    run_id: str
    target: str
    started_at: float = 0.0  # epoch seconds
    environment: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, WorkerFacts] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    stacks: list[StackRecord] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    teardown: str = "destroy"
    region: str = "us-east-1"
    usage: Usage = field(default_factory=Usage)

    def add(self, result: ScenarioResult) -> None:
        self.scenarios.append(result)

    def emulator(self) -> str | None:
        names = sorted({w.emulator for w in self.workers.values() if w.emulator})
        return ", ".join(names) if names else None

    def stack_summary(self) -> dict[str, Any]:
        applies = [s.apply_seconds for s in self.stacks]
        destroys = [s.teardown_seconds for s in self.stacks if s.teardown == "destroy"]
        return {
            "applied": len(self.stacks),
            "destroyed": sum(1 for s in self.stacks if s.teardown == "destroy" and s.ok),
            "discarded": sum(1 for s in self.stacks if s.teardown == "discard"),
            "apply_median_seconds": round(median(applies), 2) if applies else None,
            "destroy_median_seconds": round(median(destroys), 2) if destroys else None,
        }

    # ------------------------------------------------------------------------- the timeline

    def timeline(self) -> list[dict[str, Any]]:
        """Every bar of the timeline, in seconds since the run started, in start order."""
        bars = [*self._emulator_bars(), *self._stack_bars(), *self._test_bars()]
        return sorted(bars, key=lambda b: (b["start"], b["worker"]))

    def _since_start(self, at: float) -> float:
        """Epoch seconds as seconds since the run started (never before it)."""
        return round(max(at - self.started_at, 0.0), 3)

    def _bar(
        self,
        worker: str,
        phase: str,
        label: str,
        at: float,
        seconds: float,
        nodeid: str | None = None,
        ok: bool = True,
    ) -> dict[str, Any]:
        """One bar as the report's `timeline` has it (docs/report-schema.md)."""
        return {
            "worker": worker,
            "phase": phase,
            "label": label,
            "start": self._since_start(at),
            "seconds": round(seconds, 3),
            "nodeid": nodeid,
            "ok": ok,
        }

    def _emulator_bars(self) -> list[dict[str, Any]]:
        """Each emulator the harness started, on its worker's lane."""
        return [
            self._bar(
                w.id,
                "emulator",
                f"start {w.emulator or 'emulator'}",
                w.emulator_started_at,
                w.emulator_start_seconds or 0,
            )
            for w in self.workers.values()
            if w.emulator_started_at is not None
        ]

    def _stack_bars(self) -> list[dict[str, Any]]:
        """Each stack's apply, then its teardown when it had one."""
        bars = []
        for s in self.stacks:
            nodeid = s.nodeid or None
            apply = f"apply {s.stack} ({s.prefix})"
            at, seconds = s.apply_started_at, s.apply_seconds
            bars.append(self._bar(s.worker, "apply", apply, at, seconds, nodeid, s.apply_ok))
            if s.teardown_started_at:
                teardown = f"{s.teardown} {s.prefix}"
                at, seconds = s.teardown_started_at, s.teardown_seconds
                bars.append(self._bar(s.worker, s.teardown, teardown, at, seconds, nodeid, s.ok))
        return bars

    def _test_bars(self) -> list[dict[str, Any]]:
        """Each test body that ran on a worker; a failed one is marked."""
        return [
            self._bar(
                r.worker, "test", r.title, r.started_at, r.seconds, r.nodeid, r.outcome in SETTLED
            )
            for r in self.scenarios
            if r.started_at is not None and r.worker
        ]

    def floor(self) -> dict[str, Any] | None:
        """The floor this run is measured against: the slowest stack's fastest apply in the run
        (the nearest this run has to "apply alone") plus the longest inherent wait."""
        fastest: dict[str, float] = {}
        for s in (s for s in self.stacks if s.apply_ok):
            fastest[s.stack] = min(fastest.get(s.stack, s.apply_seconds), s.apply_seconds)
        waits = [(r.inherent_wait(), r.title) for r in self.scenarios if r.inherent_wait()]
        if not fastest or not waits:
            return None
        stack, apply_seconds = max(fastest.items(), key=lambda item: item[1])
        wait, title = max(waits)
        return {
            "seconds": round(apply_seconds + wait, 2),
            "apply_seconds": round(apply_seconds, 2),
            "wait_seconds": round(wait, 2),
            "label": f"fastest apply of {stack} in this run + inherent wait of {title}",
        }

    # ------------------------------------------------------------------------- JSON

    def to_dict(self, wall_seconds: float) -> dict[str, Any]:
        started = datetime.fromtimestamp(self.started_at, tz=timezone.utc)
        return {
            "schema_version": SCHEMA_VERSION,
            "run_id": self.run_id,
            "target": self.target,
            "emulator": self.emulator(),
            "teardown": self.teardown,
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wall_seconds": round(wall_seconds, 2),
            "environment": self.environment,
            "workers": [
                {
                    "id": w.id,
                    "endpoint": w.endpoint,
                    "emulator_start_seconds": w.emulator_start_seconds
                    and round(w.emulator_start_seconds, 2),
                }
                for w in sorted(self.workers.values(), key=lambda w: worker_order(w.id))
            ],
            "timeline": self.timeline(),
            "floor": self.floor(),
            "scenarios": [self._scenario_json(s) for s in self.scenarios],
            "stacks": [s.to_json() for s in self.stacks],
            "stack_summary": self.stack_summary(),
            "leftovers": self.leftovers,
            "usage": self.usage_json(),
            "cost": self.cost().to_json(),
        }

    def usage_json(self) -> dict[str, Any]:
        """The run's usage, with the resources its stacks created."""
        created = sum(s.resources for s in self.stacks if s.apply_ok)
        return {**self.usage.to_json(), "resources_created": created}

    def cost(self) -> prices.Cost:
        """On aws what the run cost; on an emulator what the same run would cost on AWS."""
        return prices.cost(self.usage, self.region)

    def _scenario_json(self, s: ScenarioResult) -> dict[str, Any]:
        return {
            "nodeid": s.nodeid,
            "title": s.title,
            "outcome": s.outcome,
            "worker": s.worker,
            "start": None if s.started_at is None else self._since_start(s.started_at),
            "seconds": round(s.seconds, 3),
            "claims": s.claims,
            "measurements": [asdict(m) for m in s.measurements],
            "reason": s.reason,
        }

    def write_json(self, path: Path, wall_seconds: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(wall_seconds), indent=2) + "\n")

    # ------------------------------------------------------------------------- the terminal

    def where(self) -> str:
        """One endpoint as is; the run's one emulator as `LocalStack 2026.3.0 at URL (one for the
        run), started in …`; several as `MiniStack x2 (one per worker), started in …`."""
        endpoints = sorted({w.endpoint for w in self.workers.values() if w.endpoint})
        starts = [
            w.emulator_start_seconds
            for w in self.workers.values()
            if w.emulator_start_seconds is not None
        ]
        if not endpoints:
            return "AWS"
        if len(endpoints) == 1 and not starts:
            return endpoints[0]
        if len(endpoints) == 1:  # the run's one emulator, shared by its workers
            return (
                f"{self.emulator() or 'emulator'} at {endpoints[0]} (one for the run), "
                f"started in {starts[0]:.2f} s"
            )
        started = f", started in {median(starts):.2f} s median" if starts else ""
        return f"{self.emulator() or 'emulator'} x{len(endpoints)} (one per worker){started}"

    def render(self, wall_seconds: float) -> list[str]:
        """The end-of-run summary, one block per scenario, widest column first."""
        if not self.scenarios and not self.stacks:
            return []
        lines = [
            f"target {self.target} ({self.where()}), run {self.run_id}, teardown {self.teardown}, "
            f"wall time {wall_seconds:.1f} s"
        ]
        width = max((len(s.title) for s in self.scenarios), default=10)
        for s in self.scenarios:
            lines += _scenario_lines(s, width)
        if self.stacks:
            lines.append(self._stacks_line())
        lines += self._usage_lines()
        lines.append("  leftovers: " + (", ".join(self.leftovers) if self.leftovers else "none"))
        return lines

    def _stacks_line(self) -> str:
        """`stacks: 3 applied, apply median 20.1 s; teardown destroy: 3 destroyed, …`."""
        summary = self.stack_summary()
        ended = []
        if summary["discarded"]:
            ended.append(f"{summary['discarded']} discarded with their emulator")
        if summary["destroyed"] or self.teardown == "destroy":
            ended.append(
                f"{summary['destroyed']} destroyed, "
                f"destroy median {summary['destroy_median_seconds']} s"
            )
        return (
            f"  stacks: {summary['applied']} applied, apply median "
            f"{summary['apply_median_seconds']} s; teardown {self.teardown}: " + "; ".join(ended)
        )

    def _usage_lines(self) -> list[str]:
        """`usage: sqs 812 requests (ReceiveMessage 420, …), …` and its price on AWS."""
        u, created = self.usage, self.usage_json()["resources_created"]
        sqs = u.service_requests("sqs")
        kinds = ", ".join(f"{op} {n}" for op, n in list(sqs.items())[:4])
        more = f", {len(sqs) - 4} more kinds" if len(sqs) > 4 else ""
        fifo = f"; {u.fifo_requests} to FIFO queues" if u.fifo_requests else ""
        retried = sum(u.retries.values())
        usage = (
            f"  usage: sqs {sum(sqs.values())} requests"
            + (f" ({kinds}{more}{fifo})" if sqs else "")
            + "; "
            f"lambda {u.lambda_invocations} invocations, {u.lambda_gb_seconds:.2f} GB-s; "
            f"logs {u.log_bytes / 1024:.1f} KiB ingested; {created} resources created"
            + (f"; {retried} requests retried" if retried else "")
            + (f"; logs of {u.logs_unread} stack(s) unread" if u.logs_unread else "")
        )
        cost = self.cost()
        if cost.usd is None:
            priced = f"  cost: unknown ({cost.note})"
        else:
            what = "this run's cost" if self.target == "aws" else "on AWS this run would cost"
            priced = (
                f"  cost: {what} {prices.dollars(cost.usd)} in {cost.region} (prices of "
                f"{cost.as_of}; free tier ignored; not counted: Terraform's, Lambda pollers' "
                "and functions' own requests)"
            )
        return [usage, priced]


def _scenario_lines(s: ScenarioResult, width: int) -> list[str]:
    """A scenario's block of the summary: outcome, title, figures; what it proved; why not."""
    figures = "; ".join(m.render() for m in s.measurements)
    indent = f"  {'':8} {'':<{width}}  "
    lines = [f"  {s.outcome.upper():8} {s.title:<{width}}  {s.seconds:6.1f} s  {figures}"]
    lines += [f"{indent}proved: {claim}" for claim in s.claims]
    if s.reason:
        lines.append(f"{indent}reason: {s.reason}")
    return lines


def worker_order(worker: str) -> tuple[str, int]:
    """gw2 before gw10: sort by prefix, then by number."""
    match = re.fullmatch(r"(\D*)(\d+)", worker)
    return (match.group(1), int(match.group(2))) if match else (worker, -1)
