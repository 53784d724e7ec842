"""What a run proved: claims and measurements per scenario, and where the time went; printed
for people, written as JSON for machines (schema: `report.schema.json`, documented in
docs/report-schema.md) and as HTML; pytest's own --junitxml carries the same figures.

Tests record evidence in their own process; it travels to the xdist controller inside the test
report's `user_properties`, so the summary is complete whether or not the run was parallel.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from statistics import median
from typing import Any

from sqs_lambda_harness.terraform.stacks import StackRecord

EVIDENCE_KEY = "harness_evidence"
SCHEMA_VERSION = 1
INHERENT_WAIT = "inherent wait"  # a measurement naming how long a scenario must wait by design


@dataclass(frozen=True)
class Measurement:
    """A measured figure and the bounds its check held it to (None: not bounded that side)."""

    name: str
    value: float
    unit: str = "s"
    low: float | None = None
    high: float | None = None

    @classmethod
    def from_json(cls, measurement: dict[str, Any]) -> Measurement:
        return cls(
            measurement["name"],
            float(measurement["value"]),
            measurement.get("unit", ""),
            measurement.get("low"),
            measurement.get("high"),
        )

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def inside(self) -> bool:
        return (self.low is None or self.value >= self.low) and (
            self.high is None or self.value <= self.high
        )

    def text(self) -> str:
        """`20.02 s`, `18` (a count)."""
        return f"{self.value:.2f} {self.unit}" if self.unit else f"{self.value:g}"

    def bound_text(self) -> str:
        """`19.5–21.5 s`, `≥ 4 s`, `≤ 1.5 s`, or '' without a bound."""
        unit = f" {self.unit}" if self.unit else ""
        if self.low is not None and self.high is not None:
            if self.low == self.high:
                return f"= {self.low:g}{unit}"
            return f"{self.low:g}–{self.high:g}{unit}"
        if self.low is not None:
            return f"≥ {self.low:g}{unit}"
        if self.high is not None:
            return f"≤ {self.high:g}{unit}"
        return ""

    def render(self) -> str:
        bound = self.bound_text()
        return f"{self.name} {self.text()}" + (f" (bound {bound})" if bound else "")


@dataclass
class Evidence:
    """Filled by a test: what it measured, and what it proved. A claim is recorded only once
    its check has passed, so a failed scenario lists what it did prove, not what it meant to."""

    claims: list[str] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)

    def claim(self, text: str) -> None:
        """Call after the asserts that prove `text`."""
        self.claims.append(text)

    def measure(
        self,
        name: str,
        value: float,
        unit: str = "s",
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> float:
        """Record a figure (kept even when its check then fails: that is when it matters)."""
        figure = float(value)
        if not math.isfinite(figure):
            raise ValueError(f"{name}: {value!r} is not a measured figure")
        self.measurements.append(Measurement(name, figure, unit, low, high))
        return figure

    def within(
        self, name: str, value: float, low: float | None, high: float | None, *, unit: str = "s"
    ) -> float:
        """Record a figure and check it against its bounds (the check fails the test)."""
        figure = self.measure(name, value, unit, low=low, high=high)
        measured = self.measurements[-1]
        if not measured.inside:
            raise AssertionError(f"{name} was {figure:.3f} {unit}, outside {measured.bound_text()}")
        return figure

    def to_json(self) -> str:
        return json.dumps(
            {"claims": self.claims, "measurements": [asdict(m) for m in self.measurements]}
        )


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

    def timeline(self) -> list[dict[str, Any]]:
        """Every bar of the timeline, in seconds since the run started, in start order."""
        bars = []

        def bar(worker: str, phase: str, label: str, at: float, seconds: float, **extra: Any):
            start = round(max(at - self.started_at, 0.0), 3)
            bars.append(
                {
                    "worker": worker,
                    "phase": phase,
                    "label": label,
                    "start": start,
                    "seconds": round(seconds, 3),
                    "nodeid": extra.get("nodeid"),
                    "ok": extra.get("ok", True),
                }
            )

        for w in self.workers.values():
            if w.emulator_started_at is not None:
                label = f"start {w.emulator or 'emulator'}"
                bar(w.id, "emulator", label, w.emulator_started_at, w.emulator_start_seconds or 0)
        for s in self.stacks:
            bar(
                s.worker,
                "apply",
                f"apply {s.stack} ({s.prefix})",
                s.apply_started_at,
                s.apply_seconds,
                nodeid=s.nodeid or None,
                ok=s.apply_ok,
            )
            if s.teardown_started_at:
                bar(
                    s.worker,
                    s.teardown,
                    f"{s.teardown} {s.prefix}",
                    s.teardown_started_at,
                    s.teardown_seconds,
                    nodeid=s.nodeid or None,
                    ok=s.ok,
                )
        for r in self.scenarios:
            if r.started_at is not None and r.worker:
                bar(
                    r.worker,
                    "test",
                    r.title,
                    r.started_at,
                    r.seconds,
                    nodeid=r.nodeid,
                    ok=r.outcome in ("passed", "xfailed", "skipped"),
                )
        return sorted(bars, key=lambda b: (b["start"], b["worker"]))

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
            "scenarios": [
                {
                    "nodeid": s.nodeid,
                    "title": s.title,
                    "outcome": s.outcome,
                    "worker": s.worker,
                    "start": None
                    if s.started_at is None
                    else round(max(s.started_at - self.started_at, 0.0), 3),
                    "seconds": round(s.seconds, 3),
                    "claims": s.claims,
                    "measurements": [asdict(m) for m in s.measurements],
                    "reason": s.reason,
                }
                for s in self.scenarios
            ],
            "stacks": [s.to_json() for s in self.stacks],
            "stack_summary": self.stack_summary(),
            "leftovers": self.leftovers,
        }

    def write_json(self, path: Path, wall_seconds: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(wall_seconds), indent=2) + "\n")

    def where(self) -> str:
        """One endpoint as is; several as `MiniStack x2 (one per worker), started in …`."""
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
            figures = "; ".join(m.render() for m in s.measurements)
            lines.append(
                f"  {s.outcome.upper():8} {s.title:<{width}}  {s.seconds:6.1f} s  {figures}"
            )
            lines += [f"  {'':8} {'':<{width}}  proved: {claim}" for claim in s.claims]
            if s.reason:
                lines.append(f"  {'':8} {'':<{width}}  reason: {s.reason}")
        if self.stacks:
            summary = self.stack_summary()
            ended = []
            if summary["discarded"]:
                ended.append(f"{summary['discarded']} discarded with their emulator")
            if summary["destroyed"] or self.teardown == "destroy":
                ended.append(
                    f"{summary['destroyed']} destroyed, "
                    f"destroy median {summary['destroy_median_seconds']} s"
                )
            lines.append(
                f"  stacks: {summary['applied']} applied, apply median "
                f"{summary['apply_median_seconds']} s; teardown {self.teardown}: "
                + "; ".join(ended)
            )
        lines.append("  leftovers: " + (", ".join(self.leftovers) if self.leftovers else "none"))
        return lines


def worker_order(worker: str) -> tuple[str, int]:
    """gw2 before gw10: sort by prefix, then by number."""
    match = re.fullmatch(r"(\D*)(\d+)", worker)
    return (match.group(1), int(match.group(2))) if match else (worker, -1)


def evidence_from_properties(properties: list[tuple[str, Any]]) -> Evidence:
    evidence = Evidence()
    for key, value in properties:
        if key == EVIDENCE_KEY:
            data = json.loads(value)
            evidence.claims += data["claims"]
            evidence.measurements += [Measurement.from_json(m) for m in data["measurements"]]
    return evidence
