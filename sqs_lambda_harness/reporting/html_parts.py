"""The pieces the sections of the HTML page share: escaping, which outcomes are bad, what each
timeline phase is called, the order scenarios are shown in, and the sentences that recur
(outcome counts, wall against floor)."""

from __future__ import annotations

from html import escape
from typing import Any

BAD = ("failed", "error", "xpassed")
PHASES = {  # timeline phase -> what the page calls it
    "emulator": "emulator start",
    "apply": "stack apply",
    "test": "test body",
    "destroy": "destroy",
    "discard": "discard",
}


def esc(value: Any) -> str:
    """Any value as text safe inside an element or a quoted attribute."""
    return escape(str(value), quote=True)


def counts(scenarios: list[dict[str, Any]]) -> str:
    """`1 failed, 5 passed, 1 skipped`: the bad outcomes first."""
    order = ["failed", "error", "xpassed", "passed", "xfailed", "skipped"]
    found = [s.get("outcome", "?") for s in scenarios]
    return ", ".join(f"{found.count(o)} {o}" for o in order if o in found) or "no scenarios"


def ratio(report: dict[str, Any]) -> str:
    """` = 1.08 × the floor 85.7 s`, or '' when the report has no floor."""
    floor = report.get("floor") or {}
    wall = float(report.get("wall_seconds") or 0)
    if not floor.get("seconds"):
        return ""
    return f" = {wall / floor['seconds']:.2f} × the floor {floor['seconds']:.1f} s"


def ordered(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures first, then in the order they started."""
    return sorted(
        scenarios,
        key=lambda s: (
            s.get("outcome") not in BAD,
            s.get("start") is None,
            s.get("start") or 0,
            s.get("title", ""),
        ),
    )
