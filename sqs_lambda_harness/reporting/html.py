"""The run report people look at: one self-contained HTML page (inline CSS and SVG, no script,
no network) drawn from the JSON report (schema version 1, docs/report-schema.md).

A log answers "did it pass"; this page answers where the time went (a lane per worker, the wall
time and the floor marked), how close each figure came to its bound (a gauge per figure, near
edges flagged), and, given several runs, where the targets differ (the fidelity matrix).
Everything drawn is also written as text: bar tooltips (SVG <title>), tables and verdicts, so
the page reads the same without a pointer, in a screenshot, or to a screen reader.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sqs_lambda_harness.reporting.fidelity import Matrix
from sqs_lambda_harness.reporting.report import Measurement, worker_order

PHASES = {  # phase -> what the legend calls it
    "emulator": "emulator start",
    "apply": "stack apply",
    "test": "test body",
    "destroy": "destroy",
    "discard": "discard",
}
BAD = ("failed", "error", "xpassed")
NEAR = 0.10  # a figure within 10 % of its range from an edge is "near its bound"

# Timeline geometry, in SVG user units (the SVG scales to the page width).
WIDTH, LEFT, RIGHT, TOP, LANE, BOTTOM = 1000, 130, 24, 36, 30, 26


def render(report: dict[str, Any], matrix: Matrix | None = None) -> str:
    """The page for one run (a schema-version-1 report dict), with the fidelity matrix of
    several runs when one is given. Pure: no files, no clock, no network."""
    target = _target_label(report)
    title = f"Run {report.get('run_id', '?')} on {target}"
    sections = [
        _banner(report, title),
        _leftovers(report),
        _facts(report),
        _timeline(report),
        _behaviours(report),
        _matrix(matrix) if matrix is not None else "",
        _stacks(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(s for s in sections if s)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_html(path: Path, report: dict[str, Any], matrix: Matrix | None = None) -> Path:
    """Render and write the page; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, matrix), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- run facts


def _target_label(report: dict[str, Any]) -> str:
    target = str(report.get("target", "?"))
    emulator = report.get("emulator")
    return f"{target} ({emulator})" if emulator else target


def _counts(scenarios: list[dict[str, Any]]) -> str:
    order = ["failed", "error", "xpassed", "passed", "xfailed", "skipped"]
    found = [s.get("outcome", "?") for s in scenarios]
    return ", ".join(f"{found.count(o)} {o}" for o in order if o in found) or "no scenarios"


def _ratio(report: dict[str, Any]) -> str:
    floor = report.get("floor") or {}
    wall = float(report.get("wall_seconds") or 0)
    if not floor.get("seconds"):
        return ""
    return f" = {wall / floor['seconds']:.2f} × the floor {floor['seconds']:.1f} s"


def _banner(report: dict[str, Any], title: str) -> str:
    scenarios = report.get("scenarios", [])
    leftovers = len(report.get("leftovers") or [])
    bad = any(s.get("outcome") in BAD for s in scenarios) or leftovers > 0
    status = "failed" if bad else "passed"
    counts = _counts(scenarios) + (f", {leftovers} leftover(s)" if leftovers else "")
    return (
        f'<header class="banner status-{status}" data-status="{status}">'
        f"<h1>SQS ↔ Lambda: {_e(title)}</h1>"
        f'<p><strong class="status">{status.upper()}</strong> · {_e(counts)} · '
        f"wall time {float(report.get('wall_seconds') or 0):.1f} s{_e(_ratio(report))} · "
        f"teardown {_e(report.get('teardown', '?'))}</p></header>"
    )


def _leftovers(report: dict[str, Any]) -> str:
    leftovers = report.get("leftovers") or []
    if not leftovers:
        return ""
    items = "".join(f"<li><code>{_e(x)}</code></li>" for x in leftovers)
    return (
        f'<section class="leftovers" id="leftovers"><h2>{len(leftovers)} leftover(s): '
        "resources this run did not tear down</h2>"
        f"<ul>{items}</ul><p>Sweep them: <code>python -m sqs_lambda_harness sweep "
        "--from-ledger</code> (see README, <em>Teardown</em>).</p></section>"
    )


def _facts(report: dict[str, Any]) -> str:
    env = report.get("environment") or {}
    floor = report.get("floor") or {}
    summary = report.get("stack_summary") or {}
    workers = report.get("workers") or []
    starts = [w["emulator_start_seconds"] for w in workers if w.get("emulator_start_seconds")]

    def median(key: str) -> str:
        value = summary.get(key)
        return "—" if value is None else f"{value} s"

    rows = [
        ("run id", report.get("run_id")),
        ("target", report.get("target")),
        (
            "emulator",
            report.get("emulator")
            or ("none (AWS)" if report.get("target") == "aws" else "not recorded"),
        ),
        ("started at", report.get("started_at")),
        ("wall time", f"{float(report.get('wall_seconds') or 0):.1f} s{_ratio(report)}"),
        (
            "floor",
            f"{floor['seconds']:.1f} s: {floor.get('label', '')}" if floor else "not given",
        ),
        ("teardown", report.get("teardown")),
        ("CLI", env.get("cli")),
        ("provider", env.get("provider")),
        ("providers from", env.get("providers_from")),
        ("account", env.get("account")),
        (
            "workers",
            f"{len(workers)}"
            + (f", emulators started in {min(starts):.2f}–{max(starts):.2f} s" if starts else ""),
        ),
        (
            "stacks",
            f"{summary.get('applied', 0)} applied (median {median('apply_median_seconds')}), "
            f"{summary.get('destroyed', 0)} destroyed (median "
            f"{median('destroy_median_seconds')}), {summary.get('discarded', 0)} discarded",
        ),
        (
            "leftovers",
            f"{len(report.get('leftovers') or [])}" if report.get("leftovers") else "none",
        ),
    ]
    body = "".join(
        f'<tr data-fact="{_e(k)}"><th>{_e(k)}</th><td>{_e("" if v is None else v)}</td></tr>'
        for k, v in rows
    )
    return f'<section id="facts"><h2>Run facts</h2><table class="facts">{body}</table></section>'


# ----------------------------------------------------------------------------- timeline


def _lanes(report: dict[str, Any]) -> list[str]:
    ids = [w["id"] for w in report.get("workers") or []]
    ids += [b["worker"] for b in report.get("timeline") or [] if b["worker"] not in ids]
    return sorted(dict.fromkeys(ids), key=worker_order)


def _union(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by the intervals at least once."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def _lane_use(bars: list[dict[str, Any]], wall: float) -> dict[str, float]:
    """Where one worker's time went: applies, test bodies beyond their applies, teardown,
    emulator start, and idle (no bar at all)."""

    def spans(*phases: str) -> list[tuple[float, float]]:
        return [(b["start"], b["start"] + b["seconds"]) for b in bars if b["phase"] in phases]

    apply, test = spans("apply"), spans("test")
    return {
        "emulator": _union(spans("emulator")),
        "apply": _union(apply),
        "body": _union(apply + test) - _union(apply),
        "teardown": _union(spans("destroy", "discard")),
        "idle": max(0.0, wall - _union(spans(*PHASES))),
        "end": max((b for _, b in spans(*PHASES)), default=0.0),
    }


def _ticks(span: float) -> list[float]:
    step = next(
        (s for s in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1800) if span / s <= 12), 3600
    )
    return [i * step for i in range(int(span // step) + 1)]


def _timeline(report: dict[str, Any]) -> str:
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
    span = span or 1.0
    plot = WIDTH - LEFT - RIGHT
    height = TOP + LANE * len(lanes) + BOTTOM

    def x(t: float) -> float:
        return LEFT + t / span * plot

    scenarios = {s["nodeid"]: i for i, s in enumerate(_ordered(report.get("scenarios", [])))}
    use = {w: _lane_use([b for b in bars if b["worker"] == w], wall) for w in lanes}
    parts = []
    for t in _ticks(span):
        parts.append(
            f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP - 4}" '
            f'y2="{height - BOTTOM}"/><text class="tick" x="{x(t):.1f}" '
            f'y="{height - BOTTOM + 16}">{t:g} s</text>'
        )
    for i, worker in enumerate(lanes):
        y = TOP + i * LANE
        parts.append(
            f'<rect class="lane lane-{i % 2}" data-worker="{_e(worker)}" x="{LEFT}" y="{y}" '
            f'width="{plot}" height="{LANE}"/>'
            f'<text class="lane-label" x="{LEFT - 8}" y="{y + 13}">{_e(worker)}</text>'
            f'<text class="lane-idle" x="{LEFT - 8}" y="{y + 25}">idle '
            f"{use[worker]['idle']:.1f} s</text>"
        )
    layer = {"test": 0, "emulator": 1, "destroy": 1, "discard": 1, "apply": 2}
    for bar in sorted(bars, key=lambda b: (layer.get(b["phase"], 1), b["start"])):
        lane = lanes.index(bar["worker"])
        inset = 8 if bar["phase"] == "apply" else 3
        y = TOP + lane * LANE + inset
        width = max(bar["seconds"] / span * plot, 1.5)  # a 0.02 s discard stays visible
        end = bar["start"] + bar["seconds"]
        tip = (
            f"{bar['worker']} · {PHASES.get(bar['phase'], bar['phase'])}: {bar['label']} · "
            f"{bar['start']:.2f} → {end:.2f} s = {bar['seconds']:.2f} s"
            + ("" if bar["ok"] else " · FAILED")
        )
        rect = (
            f'<rect class="bar phase-{_e(bar["phase"])}{"" if bar["ok"] else " not-ok"}" '
            f'x="{x(bar["start"]):.2f}" y="{y}" width="{width:.2f}" height="{LANE - 2 * inset}" '
            f'data-worker="{_e(bar["worker"])}" data-phase="{_e(bar["phase"])}" '
            f'data-start="{float(bar["start"])}" data-seconds="{float(bar["seconds"])}" '
            f'data-ok="{str(bar["ok"]).lower()}" data-nodeid="{_e(bar.get("nodeid") or "")}">'
            f"<title>{_e(tip)}</title></rect>"
        )
        if bar.get("nodeid") in scenarios:
            rect = f'<a href="#scenario-{scenarios[bar["nodeid"]]}">{rect}</a>'
        parts.append(rect)
    for mark, seconds, row in (("floor", floor.get("seconds"), 12), ("wall", wall, 26)):
        if seconds:
            parts.append(
                f'<line class="mark mark-{mark}" data-mark="{mark}" data-seconds="{seconds}" '
                f'x1="{x(seconds):.2f}" x2="{x(seconds):.2f}" y1="{row + 3}" '
                f'y2="{height - BOTTOM}"><title>{mark} {seconds:.2f} s</title></line>'
                f'<text class="mark-label mark-{mark}" x="{x(seconds) - 4:.2f}" y="{row}">'
                f"{mark} {seconds:.1f} s</text>"
            )
    legend = "".join(
        f'<span class="key"><span class="swatch phase-{p}"></span>{_e(label)}</span>'
        for p, label in PHASES.items()
    ) + (
        '<span class="key"><span class="swatch not-ok"></span>failed</span>'
        '<span class="key"><span class="swatch mark-floor"></span>floor</span>'
        '<span class="key"><span class="swatch mark-wall"></span>wall time</span>'
    )
    svg = (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="Timeline of the run, a lane per worker">{"".join(parts)}</svg>'
    )
    return (
        '<section id="timeline"><h2>Where the time went</h2>'
        f"<p>{_e(_time_story(report, lanes, use))}</p>"
        f'<p class="legend">{legend}</p>{svg}'
        f"{_workers_table(report, lanes, use)}{_bars_table(bars, lanes)}</section>"
    )


Use = dict[str, dict[str, float]]  # worker -> _lane_use()


def _time_story(report: dict[str, Any], lanes: list[str], use: Use) -> str:
    """The chart in one paragraph: wall against the floor, the lane that ended the run."""
    wall = float(report.get("wall_seconds") or 0)
    floor = report.get("floor") or {}
    text = f"Wall time {wall:.1f} s{_ratio(report)}"
    text += f" ({floor['label']})." if floor.get("label") else "."
    if lanes:
        last = max(lanes, key=lambda w: use[w]["end"])
        u = use[last]
        text += (
            f" The last worker to finish was {last} at {u['end']:.1f} s: applies "
            f"{u['apply']:.1f} s, test bodies beyond their applies {u['body']:.1f} s, "
            f"teardown {u['teardown']:.1f} s, emulator start {u['emulator']:.1f} s, "
            f"idle {u['idle']:.1f} s."
        )
        total = {k: sum(use[w][k] for w in lanes) for k in ("apply", "body", "idle")}
        text += (
            f" All workers together: applies {total['apply']:.1f} s, test bodies beyond "
            f"them {total['body']:.1f} s, idle {total['idle']:.1f} s."
        )
    return text


def _workers_table(report: dict[str, Any], lanes: list[str], use: Use) -> str:
    """Per worker: where its time went, the worker that finished last in bold."""
    info = {w["id"]: w for w in report.get("workers") or []}
    last = max(lanes, key=lambda w: use[w]["end"]) if lanes else None
    rows = []
    for w in lanes:
        u, facts = use[w], info.get(w, {})
        start = facts.get("emulator_start_seconds")
        rows.append(
            f'<tr data-worker="{_e(w)}"{" class=last" if w == last else ""}><td>{_e(w)}</td>'
            f"<td>{_e(facts.get('endpoint') or '')}</td>"
            f"<td>{'' if start is None else f'{start:.2f}'}</td>"
            + "".join(
                f'<td class="num">{u[k]:.2f}</td>'
                for k in ("apply", "body", "teardown", "idle", "end")
            )
            + "</tr>"
        )
    return (
        '<table class="workers"><caption>Per worker, seconds (the last to finish is marked)'
        "</caption><tr><th>worker</th><th>endpoint</th><th>emulator start</th><th>applies</th>"
        "<th>test bodies beyond applies</th><th>teardown</th><th>idle</th><th>finished at</th>"
        f"</tr>{''.join(rows)}</table>"
    )


def _bars_table(bars: list[dict[str, Any]], lanes: list[str]) -> str:
    rows = "".join(
        f'<tr data-worker="{_e(b["worker"])}" data-phase="{_e(b["phase"])}"'
        f"{'' if b['ok'] else ' class=not-ok'}><td>{_e(b['worker'])}</td>"
        f"<td>{_e(PHASES.get(b['phase'], b['phase']))}</td><td>{_e(b['label'])}</td>"
        f'<td class="num">{b["start"]:.2f}</td><td class="num">{b["start"] + b["seconds"]:.2f}'
        f'</td><td class="num">{b["seconds"]:.2f}</td><td>{"ok" if b["ok"] else "FAILED"}</td></tr>'
        for b in sorted(bars, key=lambda b: (lanes.index(b["worker"]), b["start"]))
    )
    return (
        f"<details><summary>Every bar of the timeline ({len(bars)}), in seconds since the run "
        'started</summary><table class="bars"><tr><th>worker</th><th>phase</th><th>what</th>'
        f"<th>start</th><th>end</th><th>seconds</th><th>ok</th></tr>{rows}</table></details>"
    )


# ----------------------------------------------------------------------------- behaviours


def _ordered(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
        f"<title>{_e(figure.text())} against {_e(figure.bound_text())}</title>"
        f'<rect class="scale" x="{left}" y="9" width="{w}" height="8"/>'
        f'<rect class="range" x="{lo_x:.2f}" y="6" width="{max(hi_x - lo_x, 1.5):.2f}" '
        f'height="14"/>{labels}'
        f'<line class="value" x1="{x(value):.2f}" x2="{x(value):.2f}" y1="2" y2="24"/>'
        f'<circle class="value" cx="{x(value):.2f}" cy="13" r="3.5"/></svg>'
    )


def _figure_row(measurement: dict[str, Any]) -> str:
    figure = Measurement.from_json(measurement)
    kind, words = verdict(figure)
    flag = {"near": "⚠ ", "outside": "✗ "}.get(kind, "")
    return (
        f'<tr class="figure verdict-{kind}" data-figure="{_e(figure.name)}" '
        f'data-verdict="{kind}"><th>{_e(figure.name)}</th>'
        f'<td class="num value">{_e(figure.text())}</td>'
        f"<td>{_gauge(figure, kind) if figure.bounded else ''}</td>"
        f'<td class="verdict">{flag}{_e(words)}</td></tr>'
    )


def _behaviours(report: dict[str, Any]) -> str:
    scenarios = _ordered(report.get("scenarios", []))
    articles = []
    for i, s in enumerate(scenarios):
        outcome = s.get("outcome", "?")
        where = f" on {s['worker']}" if s.get("worker") else ""
        start = f", from {s['start']:.1f} s" if s.get("start") is not None else ""
        claims = "".join(f"<li>{_e(c)}</li>" for c in s.get("claims") or [])
        figures = "".join(_figure_row(m) for m in s.get("measurements") or [])
        articles.append(
            f'<article class="scenario outcome-{_e(outcome)}" id="scenario-{i}" '
            f'data-nodeid="{_e(s["nodeid"])}" data-outcome="{_e(outcome)}">'
            f'<h3><span class="badge">{_e(outcome.upper())}</span> {_e(s.get("title", ""))}</h3>'
            f'<p class="meta">{float(s.get("seconds") or 0):.2f} s{_e(where + start)} · '
            f"<code>{_e(s['nodeid'])}</code></p>"
            + (f'<p class="reason">{_e(s["reason"])}</p>' if s.get("reason") else "")
            + (f'<ul class="claims">{claims}</ul>' if claims else "")
            + (f'<table class="figures">{figures}</table>' if figures else "")
            + "</article>"
        )
    return (
        f'<section id="behaviours"><h2>Behaviours</h2><p>{_e(_counts(scenarios))}. Each figure '
        "is drawn against its bound: the shaded band is what the test accepts, the mark is what "
        f"was measured; ⚠ within {NEAR:.0%} of the range from an edge, ✗ outside.</p>"
        + "".join(articles)
        + "</section>"
    )


# ----------------------------------------------------------------------------- matrix, stacks


def _matrix(matrix: Matrix) -> str:
    heads = "".join(
        f'<th data-column="{_e(c.key)}">{_e(c.label)}<br><small>run {_e(c.run_id)}'
        f"{' · reference' if c.reference else ''}</small></th>"
        for c in matrix.columns
    )
    rows = []
    for row in matrix.rows:
        cells = []
        for column in matrix.columns:
            cell = row.cells.get(column.key)
            if cell is None:
                cells.append('<td class="cell missing">—</td>')
                continue
            classes = f"cell outcome-{cell.outcome.replace(' ', '-')}"
            classes += " differs" if cell.differs else ""
            classes += " changed" if cell.changed else ""
            figures = "".join(
                f'<span class="fig{"" if f.inside else " outside"}" title="{_e(f.name)} '
                f'{_e(f.bound_text())}">{_e(f.text())}</span>'
                for f in cell.figures
            )
            was = f'<span class="was">changed, was {_e(cell.was)}</span>' if cell.changed else ""
            new = '<span class="new">new</span>' if cell.new else ""
            cells.append(
                f'<td class="{classes}" data-row="{_e(row.key)}" data-column="{_e(column.key)}" '
                f'data-outcome="{_e(cell.outcome)}"><b>{_e(cell.outcome)}</b>{figures}{was}{new}'
                "</td>"
            )
        rows.append(
            f"<tr><th>{_e(row.title)}<br><small>{_e(', '.join(row.figures))}</small></th>"
            f"{''.join(cells)}</tr>"
        )
    return (
        f'<section id="matrix"><h2>Targets</h2><p>{_e(matrix.legend())}</p>'
        f'<table class="matrix"><tr><th>behaviour<br><small>figures</small></th>{heads}</tr>'
        f"{''.join(rows)}</table></section>"
    )


def _stacks(report: dict[str, Any]) -> str:
    stacks = report.get("stacks") or []
    if not stacks:
        return ""
    rows = "".join(
        f"<tr{'' if s.get('ok', True) else ' class=not-ok'}><td>{_e(s.get('stack'))}</td>"
        f"<td><code>{_e(s.get('prefix'))}</code></td><td>{_e(s.get('worker'))}</td>"
        f'<td class="num">{int(s.get("resources") or 0)}</td>'
        f'<td class="num">{float(s.get("apply_seconds") or 0):.2f}</td>'
        f"<td>{_e(s.get('teardown'))}</td>"
        f'<td class="num">{float(s.get("teardown_seconds") or 0):.2f}</td>'
        f"<td>{'ok' if s.get('ok', True) else 'LEFT BEHIND'}</td></tr>"
        for s in stacks
    )
    return (
        f'<section id="stacks"><details><summary>Stacks ({len(stacks)} applications)</summary>'
        '<table class="stacks"><tr><th>stack</th><th>prefix</th><th>worker</th>'
        "<th>resources</th><th>apply s</th><th>teardown</th><th>teardown s</th><th>ok</th></tr>"
        f"{rows}</table></details></section>"
    )


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


CSS = """
:root { --ok: #2e7d32; --bad: #c62828; --warn: #b26a00; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Liberation Sans",
  sans-serif; color: #222; background: #fafafa; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 0 0 4px; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding: 4px 0; }
.banner { padding: 12px 16px; border-radius: 6px; border-left: 8px solid var(--ok);
  background: #e8f5e9; }
.banner.status-failed { border-left-color: var(--bad); background: #fdecea; }
.banner .status { color: var(--ok); } .banner.status-failed .status { color: var(--bad); }
.leftovers { margin-top: 12px; padding: 10px 16px; border: 3px solid var(--bad);
  background: #fdecea; border-radius: 6px; }
.leftovers h2 { color: var(--bad); margin-top: 0; }
table.facts th { color: var(--muted); font-weight: normal; width: 140px; }
.legend .key { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #0003; }
svg.timeline { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
.lane-0 { fill: #fff; } .lane-1 { fill: #f4f6f8; }
.lane-label { font-size: 12px; font-weight: 600; text-anchor: end; }
.lane-idle { font-size: 10px; fill: var(--muted); text-anchor: end; }
.grid { stroke: #e4e4e4; } .tick { font-size: 10px; fill: var(--muted); text-anchor: middle; }
.bar { stroke: #0004; stroke-width: 0.5; } .bar:hover { stroke: #000; stroke-width: 1.5; }
.phase-emulator { fill: #8e7cc3; background: #8e7cc3; }
.phase-apply { fill: #e69138; background: #e69138; }
.phase-test { fill: #a9cdec; background: #a9cdec; }
.phase-destroy { fill: #7b5a44; background: #7b5a44; }
.phase-discard { fill: #9e9e9e; background: #9e9e9e; }
.bar.not-ok { stroke: var(--bad); stroke-width: 2.5; }
.bar.phase-test.not-ok { fill: #f3b0ab; }
.swatch.not-ok { background: #f3b0ab; border: 2px solid var(--bad); }
.mark { stroke-width: 2; } .mark-wall { stroke: #222; fill: #222; background: #222; }
.mark-floor { stroke: var(--ok); fill: var(--ok); stroke-dasharray: 5 3; background: var(--ok); }
.mark-label { font-size: 11px; text-anchor: end; stroke: none; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0b57d0; }
table.workers tr.last td { font-weight: 600; }
tr.not-ok td { color: var(--bad); font-weight: 600; }
.scenario { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--muted);
  border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
.scenario .meta { color: var(--muted); margin: 0 0 4px; font-size: 12px; }
.badge { display: inline-block; min-width: 64px; text-align: center; padding: 1px 6px;
  border-radius: 3px; color: #fff; background: var(--muted); font-size: 12px; }
.outcome-passed { border-left-color: var(--ok); } .outcome-passed .badge { background: var(--ok); }
.outcome-failed, .outcome-error, .outcome-xpassed { border-left-color: var(--bad);
  background: #fdecea; }
.outcome-failed .badge, .outcome-error .badge, .outcome-xpassed .badge { background: var(--bad); }
.outcome-xfailed { border-left-color: var(--warn); }
.outcome-xfailed .badge { background: var(--warn); }
.reason { margin: 4px 0; padding: 4px 8px; background: #0000000a; font-size: 13px; }
.outcome-failed .reason, .outcome-error .reason { color: var(--bad); }
.claims { margin: 4px 0; padding-left: 20px; }
table.figures { table-layout: fixed; width: 100%; }
table.figures th { font-weight: normal; width: 240px; } table.figures td.value { width: 90px; }
table.figures td:nth-child(3) { width: 270px; }
tr.verdict-unbounded .verdict { color: var(--muted); }
svg.gauge { width: 252px; height: 32px; }
.gauge .scale { fill: #eee; } .gauge .range { fill: #2e7d3233; stroke: var(--ok); }
.gauge .edge { font-size: 9px; fill: var(--muted); text-anchor: middle; }
.gauge line.value { stroke: #222; stroke-width: 2; } .gauge circle.value { fill: #222; }
.verdict-near .gauge line.value, .gauge.verdict-near line.value { stroke: var(--warn); }
.gauge.verdict-near circle.value { fill: var(--warn); }
.gauge.verdict-outside line.value { stroke: var(--bad); }
.gauge.verdict-outside circle.value { fill: var(--bad); }
.gauge.verdict-outside .range { fill: #c6282818; stroke: var(--bad); }
tr.verdict-near .verdict { color: var(--warn); font-weight: 600; }
tr.verdict-outside .verdict { color: var(--bad); font-weight: 600; }
table.matrix { background: #fff; border: 1px solid var(--line); }
table.matrix th, table.matrix td { border: 1px solid var(--line); padding: 4px 8px; }
.cell .fig { display: block; font-variant-numeric: tabular-nums; }
.cell .fig.outside { color: var(--bad); font-weight: 600; }
.cell.outcome-failed b, .cell.outcome-error b { color: var(--bad); }
.cell.differs { background: #fff3cd; }
.cell.changed { outline: 3px solid var(--bad); outline-offset: -3px; }
.cell .was { display: block; color: var(--bad); font-weight: 600; }
.cell .new { display: block; color: var(--muted); font-style: italic; }
.note { color: var(--muted); }
"""
