"""What a test records: the claims it proved and the figures it measured, each against its
bounds. Part of the public test API (`sqs_lambda_harness.Evidence`, `Measurement`).

Tests record evidence in their own process; it travels to the xdist controller inside the test
report's `user_properties` (under `EVIDENCE_KEY`), so the summary is complete whether or not
the run was parallel.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sqs_lambda_harness.probes import ConditionTimeout

EVIDENCE_KEY = "harness_evidence"


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
            raise OutOfBounds(f"{name} was {figure:.3f} {unit}, outside {measured.bound_text()}")
        return figure

    def to_json(self) -> str:
        """The evidence as one `user_properties` value (read back by evidence_from_properties)."""
        return json.dumps(
            {"claims": self.claims, "measurements": [asdict(m) for m in self.measurements]}
        )


class OutOfBounds(ConditionTimeout):
    """A figure outside its bounds: the AWS behaviour did not show up as documented (in time,
    or at all), which is what a target's declared divergence (a strict xfail) expects."""


def evidence_from_properties(properties: list[tuple[str, Any]]) -> Evidence:
    """The evidence a test report carries in its `user_properties` (all of it, when the test
    recorded several times)."""
    evidence = Evidence()
    for key, value in properties:
        if key == EVIDENCE_KEY:
            data = json.loads(value)
            evidence.claims += data["claims"]
            evidence.measurements += [Measurement.from_json(m) for m in data["measurements"]]
    return evidence
