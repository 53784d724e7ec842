"""The behaviours on the HTML page: a card per scenario, failures first, with what it proved
and each figure drawn on a gauge against its bound and judged in words (inside, near its
bound, outside)."""

from __future__ import annotations

from typing import Any

from sqs_lambda_harness.reporting.evidence import Measurement
from sqs_lambda_harness.reporting.html_parts import counts, esc, ordered

NEAR = 0.10  # a figure within 10 % of its range from an edge is "near its bound"


def verdict(figure: Measurement) -> tuple[str, str]:
    """(inside | near | outside | unbounded, what a person should read) for one figure."""
    unit = f" {figure.unit}" if figure.unit else ""
    bound = figure.bound_text()
    low, high, value = figure.low, figure.high, figure.value
    if not figure.bounded:
        return "unbounded", "no bound"
    if low is not None and value < low:
        return "outside", f"outside {bound}: {low - value:.2f}{unit} below it"
    if high is not None and value > high:
        return "outside", f"outside {bound}: {value - high:.2f}{unit} above it"
    if low is not None and high is not None:
        if high == low:
            return "inside", f"exactly {bound}"
        margin, edge = min((value - low, "low"), (high - value, "high"))
        share = margin / (high - low)
        if share < NEAR:
            return "near", (
                f"near its {edge} bound: {margin:.2f}{unit} inside {bound} "
                f"({share:.0%} of the range)"
            )
        into = (value - low) / (high - low)
        return "inside", f"inside {bound}, {into:.0%} of the way from low to high"
    edge = low if low is not None else high
    assert edge is not None
    margin = abs(value - edge)
    if margin < NEAR * (abs(edge) or 1.0):
        return "near", f"near its bound: {margin:.2f}{unit} inside {bound}"
    return "inside", f"inside {bound}, {margin:.2f}{unit} from it"


def _gauge(figure: Measurement, kind: str) -> str:
    """A horizontal scale: the allowed range shaded, the figure a mark on it."""
    low, high, value = figure.low, figure.high, figure.value
    if low is not None and high is not None:
        pad = (high - low) * 0.5 or max(abs(high) * 0.5, 1.0)
        a, b = low - pad, high + pad
    elif low is not None:
        a, b = min(0.0, low), max(low * 2 or 1.0, value * 1.15)
    else:
        assert high is not None
        a, b = min(0.0, value), max(high * 1.5 or 1.0, value * 1.15)
    a, b = min(a, value), max(b, value)
    margin = (b - a) * 0.04
    a, b = a - margin, b + margin
    w, left = 240.0, 6.0

    def x(v: float) -> float:
        return left + (v - a) / (b - a) * w

    lo_x = x(low) if low is not None else left
    hi_x = x(high) if high is not None else left + w
    labels = "".join(
        f'<text class="edge" x="{x(edge):.1f}" y="29">{edge:g}</text>'
        for edge in (low, high)
        if edge is not None
    )
    return (
        f'<svg class="gauge verdict-{kind}" viewBox="0 0 252 32" data-value="{value}" '
        f'data-low="{"" if low is None else low}" data-high="{"" if high is None else high}">'
        f"<title>{esc(figure.text())} against {esc(figure.bound_text())}</title>"
        f'<rect class="scale" x="{left}" y="9" width="{w}" height="8"/>'
        f'<rect class="range" x="{lo_x:.2f}" y="6" width="{max(hi_x - lo_x, 1.5):.2f}" '
        f'height="14"/>{labels}'
        f'<line class="value" x1="{x(value):.2f}" x2="{x(value):.2f}" y1="2" y2="24"/>'
        f'<circle class="value" cx="{x(value):.2f}" cy="13" r="3.5"/></svg>'
    )


def _figure_row(measurement: dict[str, Any]) -> str:
    """A figure: its value, its gauge, and the verdict in words (flagged when near or outside)."""
    figure = Measurement.from_json(measurement)
    kind, words = verdict(figure)
    flag = {"near": "⚠ ", "outside": "✗ "}.get(kind, "")
    return (
        f'<tr class="figure verdict-{kind}" data-figure="{esc(figure.name)}" '
        f'data-verdict="{kind}"><th>{esc(figure.name)}</th>'
        f'<td class="num value">{esc(figure.text())}</td>'
        f"<td>{_gauge(figure, kind) if figure.bounded else ''}</td>"
        f'<td class="verdict">{flag}{esc(words)}</td></tr>'
    )


def behaviours(report: dict[str, Any]) -> str:
    """The section: how to read a gauge, then a card per scenario, failures first."""
    scenarios = ordered(report.get("scenarios", []))
    return (
        f'<section id="behaviours"><h2>Behaviours</h2><p>{esc(counts(scenarios))}. Each figure '
        "is drawn against its bound: the shaded band is what the test accepts, the mark is what "
        f"was measured; ⚠ within {NEAR:.0%} of the range from an edge, ✗ outside.</p>"
        + "".join(_card(i, s) for i, s in enumerate(scenarios))
        + "</section>"
    )


def _card(i: int, s: dict[str, Any]) -> str:
    """One scenario: outcome, title, where and when; why it failed; claims; figures. Its id
    (`scenario-<i>`) is what the timeline's bars link to."""
    outcome = s.get("outcome", "?")
    where = f" on {s['worker']}" if s.get("worker") else ""
    start = f", from {s['start']:.1f} s" if s.get("start") is not None else ""
    claims = "".join(f"<li>{esc(c)}</li>" for c in s.get("claims") or [])
    figures = "".join(_figure_row(m) for m in s.get("measurements") or [])
    return (
        f'<article class="scenario outcome-{esc(outcome)}" id="scenario-{i}" '
        f'data-nodeid="{esc(s["nodeid"])}" data-outcome="{esc(outcome)}">'
        f'<h3><span class="badge">{esc(outcome.upper())}</span> {esc(s.get("title", ""))}</h3>'
        f'<p class="meta">{float(s.get("seconds") or 0):.2f} s{esc(where + start)} · '
        f"<code>{esc(s['nodeid'])}</code></p>"
        + (f'<p class="reason">{esc(s["reason"])}</p>' if s.get("reason") else "")
        + (f'<ul class="claims">{claims}</ul>' if claims else "")
        + (f'<table class="figures">{figures}</table>' if figures else "")
        + "</article>"
    )
