"""What a run proved: claims and measurements per scenario, printed for people, written as JSON
for machines (pytest's own --junitxml carries the same figures as test properties).

Tests record evidence in their own process; it travels to the xdist controller inside the test
report's `user_properties`, so the summary is complete whether or not the run was parallel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqs_lambda_harness.probes import median
from sqs_lambda_harness.stacks import StackRecord

EVIDENCE_KEY = "harness_evidence"


@dataclass
class Measurement:
    name: str
    value: float
    unit: str = "s"
    bound: str = ""

    def render(self) -> str:
        figure = f"{self.value:.2f} {self.unit}" if self.unit else f"{self.value:g}"
        return f"{self.name} {figure}" + (f" (bound {self.bound})" if self.bound else "")


@dataclass
class Evidence:
    """Filled by a test: what it asserted and what it measured."""

    claims: list[str] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)

    def claim(self, text: str) -> None:
        self.claims.append(text)

    def measure(self, name: str, value: float, unit: str = "s", bound: str = "") -> float:
        self.measurements.append(Measurement(name, float(value), unit, bound))
        return float(value)

    def to_json(self) -> str:
        return json.dumps(
            {"claims": self.claims, "measurements": [m.__dict__ for m in self.measurements]}
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


@dataclass
class RunReport:
    run_id: str
    target: str
    environment: dict[str, Any] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    stacks: list[StackRecord] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    teardown: str = "destroy"

    def add(self, result: ScenarioResult) -> None:
        self.scenarios.append(result)

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

    def to_dict(self, wall_seconds: float) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "target": self.target,
            "teardown": self.teardown,
            "environment": self.environment,
            "wall_seconds": round(wall_seconds, 2),
            "scenarios": [
                {**s.__dict__, "measurements": [m.__dict__ for m in s.measurements]}
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
        endpoints = sorted(
            {v for k, v in self.environment.items() if k.startswith("endpoint") and v}
        )
        starts = [v for k, v in self.environment.items() if k.startswith("emulator_start")]
        if not endpoints:
            return "AWS"
        if len(endpoints) == 1 and not starts:
            return endpoints[0]
        started = f", started in {median(starts):.2f} s median" if starts else ""
        return f"MiniStack x{len(endpoints)} (one per worker){started}"

    def render(self, wall_seconds: float) -> list[str]:
        """The end-of-run summary, one block per scenario, widest column first."""
        if not self.scenarios and not self.stacks:
            return []
        where = self.where()
        lines = [
            f"target {self.target} ({where}), run {self.run_id}, teardown {self.teardown}, "
            f"wall time {wall_seconds:.1f} s"
        ]
        width = max((len(s.title) for s in self.scenarios), default=10)
        for s in self.scenarios:
            figures = "; ".join(m.render() for m in s.measurements)
            lines.append(
                f"  {s.outcome.upper():8} {s.title:<{width}}  {s.seconds:6.1f} s  {figures}"
            )
            lines += [f"  {'':8} {'':<{width}}  asserted: {claim}" for claim in s.claims]
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


def evidence_from_properties(properties: list[tuple[str, Any]]) -> Evidence:
    evidence = Evidence()
    for key, value in properties:
        if key == EVIDENCE_KEY:
            data = json.loads(value)
            evidence.claims += data["claims"]
            evidence.measurements += [Measurement(**m) for m in data["measurements"]]
    return evidence
