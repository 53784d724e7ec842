"""Where the time went, on the HTML page: a lane per worker with a bar per emulator start,
apply, test body and teardown, drawn to scale as SVG with the wall time and the floor marked;
then the same in words, per worker (`html_time_use`), and bar by bar in a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqs_lambda_harness.reporting.html_parts import PHASES, esc, ordered
from sqs_lambda_harness.reporting.html_time_use import Use, lane_use, time_story, workers_table
from sqs_lambda_harness.reporting.report import worker_order

# Timeline geometry, in SVG user units (the SVG scales to the page width).
WIDTH, LEFT, RIGHT, TOP, LANE, BOTTOM = 1000, 130, 24, 36, 30, 26
PLOT = WIDTH - LEFT - RIGHT
LAYER = {"test": 0, "emulator": 1, "destroy": 1, "discard": 1, "apply": 2}  # applies on top
MARK_ROWS = (("floor", 12), ("wall", 26))  # the y of each mark's label


@dataclass(frozen=True)
class Scale:
    """Seconds since the run started -> x; `span` seconds fill the plot."""

    span: float
    lanes: int

    @property
    def height(self) -> int:
        return TOP + LANE * self.lanes + BOTTOM

    @property
    def axis(self) -> int:
        """The y of the time axis, under the last lane."""
        return self.height - BOTTOM

    def x(self, seconds: float) -> float:
        return LEFT + seconds / self.span * PLOT


def timeline(report: dict[str, Any]) -> str:
    """The section: the story, the legend, the chart, the per-worker and per-bar tables."""
    bars = report.get("timeline") or []
    if not bars:
        return (
            '<section id="timeline"><h2>Timeline</h2><p class="note">This report has no '
            "timeline: nothing was applied or run, or it was written before schema version 1."
            "</p></section>"
        )
    wall = float(report.get("wall_seconds") or 0)
    floor = report.get("floor") or {}
    lanes = _lanes(report)
    span = max([wall, floor.get("seconds") or 0] + [b["start"] + b["seconds"] for b in bars])
    scale = Scale(span or 1.0, len(lanes))
    anchors = {s["nodeid"]: i for i, s in enumerate(ordered(report.get("scenarios", [])))}
    use = {w: lane_use([b for b in bars if b["worker"] == w], wall) for w in lanes}
    parts = [
        *(_tick(t, scale) for t in _ticks(scale.span)),
        *(_lane(i, worker, use, scale) for i, worker in enumerate(lanes)),
        *(
            _bar(bar, lanes.index(bar["worker"]), anchors, scale)
            for bar in sorted(bars, key=lambda b: (LAYER.get(b["phase"], 1), b["start"]))
        ),
        *_marks({"floor": floor.get("seconds"), "wall": wall}, scale),
    ]
    svg = (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {scale.height}" role="img" '
        f'aria-label="Timeline of the run, a lane per worker">{"".join(parts)}</svg>'
    )
    return (
        '<section id="timeline"><h2>Where the time went</h2>'
        f"<p>{esc(time_story(report, lanes, use))}</p>"
        f'<p class="legend">{_legend()}</p>{svg}'
        f"{workers_table(report, lanes, use)}{_bars_table(bars, lanes)}</section>"
    )


def _lanes(report: dict[str, Any]) -> list[str]:
    """Every worker, with a bar or without, gw2 before gw10."""
    ids = [w["id"] for w in report.get("workers") or []]
    ids += [b["worker"] for b in report.get("timeline") or [] if b["worker"] not in ids]
    return sorted(dict.fromkeys(ids), key=worker_order)


def _ticks(span: float) -> list[float]:
    """Round seconds, at most about a dozen across the span."""
    step = next(
        (s for s in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1800) if span / s <= 12), 3600
    )
    return [i * step for i in range(int(span // step) + 1)]


def _tick(t: float, scale: Scale) -> str:
    return (
        f'<line class="grid" x1="{scale.x(t):.1f}" x2="{scale.x(t):.1f}" y1="{TOP - 4}" '
        f'y2="{scale.axis}"/><text class="tick" x="{scale.x(t):.1f}" '
        f'y="{scale.axis + 16}">{t:g} s</text>'
    )


def _lane(i: int, worker: str, use: Use, scale: Scale) -> str:
    """A worker's band, named, with its idle seconds under the name."""
    y = TOP + i * LANE
    return (
        f'<rect class="lane lane-{i % 2}" data-worker="{esc(worker)}" x="{LEFT}" y="{y}" '
        f'width="{PLOT}" height="{LANE}"/>'
        f'<text class="lane-label" x="{LEFT - 8}" y="{y + 13}">{esc(worker)}</text>'
        f'<text class="lane-idle" x="{LEFT - 8}" y="{y + 25}">idle '
        f"{use[worker]['idle']:.1f} s</text>"
    )


def _bar(bar: dict[str, Any], lane: int, anchors: dict[str, int], scale: Scale) -> str:
    """One bar, its figures in data- attributes and its tooltip; a test's links to its card."""
    inset = 8 if bar["phase"] == "apply" else 3
    y = TOP + lane * LANE + inset
    width = max(bar["seconds"] / scale.span * PLOT, 1.5)  # a 0.02 s discard stays visible
    rect = (
        f'<rect class="bar phase-{esc(bar["phase"])}{"" if bar["ok"] else " not-ok"}" '
        f'x="{scale.x(bar["start"]):.2f}" y="{y}" width="{width:.2f}" '
        f'height="{LANE - 2 * inset}" '
        f'data-worker="{esc(bar["worker"])}" data-phase="{esc(bar["phase"])}" '
        f'data-start="{float(bar["start"])}" data-seconds="{float(bar["seconds"])}" '
        f'data-ok="{str(bar["ok"]).lower()}" data-nodeid="{esc(bar.get("nodeid") or "")}">'
        f"<title>{esc(_tip(bar))}</title></rect>"
    )
    if bar.get("nodeid") in anchors:
        return f'<a href="#scenario-{anchors[bar["nodeid"]]}">{rect}</a>'
    return rect


def _tip(bar: dict[str, Any]) -> str:
    """`gw0 · stack apply: apply stacks/queue (hx-…) · 0.90 → 59.92 s = 59.02 s`."""
    end = bar["start"] + bar["seconds"]
    return (
        f"{bar['worker']} · {PHASES.get(bar['phase'], bar['phase'])}: {bar['label']} · "
        f"{bar['start']:.2f} → {end:.2f} s = {bar['seconds']:.2f} s"
        + ("" if bar["ok"] else " · FAILED")
    )


def _marks(seconds_of: dict[str, float | None], scale: Scale) -> list[str]:
    """A vertical line, labelled, at the floor and at the wall time (when known)."""
    marks = []
    for mark, row in MARK_ROWS:
        seconds = seconds_of[mark]
        if seconds:
            x = scale.x(seconds)
            marks.append(
                f'<line class="mark mark-{mark}" data-mark="{mark}" data-seconds="{seconds}" '
                f'x1="{x:.2f}" x2="{x:.2f}" y1="{row + 3}" '
                f'y2="{scale.axis}"><title>{mark} {seconds:.2f} s</title></line>'
                f'<text class="mark-label mark-{mark}" x="{x - 4:.2f}" y="{row}">'
                f"{mark} {seconds:.1f} s</text>"
            )
    return marks


def _legend() -> str:
    return "".join(
        f'<span class="key"><span class="swatch phase-{p}"></span>{esc(label)}</span>'
        for p, label in PHASES.items()
    ) + (
        '<span class="key"><span class="swatch not-ok"></span>failed</span>'
        '<span class="key"><span class="swatch mark-floor"></span>floor</span>'
        '<span class="key"><span class="swatch mark-wall"></span>wall time</span>'
    )


def _bars_table(bars: list[dict[str, Any]], lanes: list[str]) -> str:
    """Every bar as a row, by worker then start: the chart for those who cannot see it."""
    rows = "".join(
        f'<tr data-worker="{esc(b["worker"])}" data-phase="{esc(b["phase"])}"'
        f"{'' if b['ok'] else ' class=not-ok'}><td>{esc(b['worker'])}</td>"
        f"<td>{esc(PHASES.get(b['phase'], b['phase']))}</td><td>{esc(b['label'])}</td>"
        f'<td class="num">{b["start"]:.2f}</td><td class="num">{b["start"] + b["seconds"]:.2f}'
        f'</td><td class="num">{b["seconds"]:.2f}</td><td>{"ok" if b["ok"] else "FAILED"}</td></tr>'
        for b in sorted(bars, key=lambda b: (lanes.index(b["worker"]), b["start"]))
    )
    return (
        f"<details><summary>Every bar of the timeline ({len(bars)}), in seconds since the run "
        'started</summary><table class="bars"><tr><th>worker</th><th>phase</th><th>what</th>'
        f"<th>start</th><th>end</th><th>seconds</th><th>ok</th></tr>{rows}</table></details>"
    )
