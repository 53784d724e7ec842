"""Where each worker's time went, for the timeline section of the HTML page: seconds spent on
applies, on test bodies beyond their applies, on teardown and emulator start, and idle; told in
one paragraph and as a table per worker."""

from __future__ import annotations

from typing import Any

from sqs_lambda_harness.reporting.html_parts import PHASES, esc, ratio

Use = dict[str, dict[str, float]]  # worker -> lane_use()


def _union(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by the intervals at least once."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def lane_use(bars: list[dict[str, Any]], wall: float) -> dict[str, float]:
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


def time_story(report: dict[str, Any], lanes: list[str], use: Use) -> str:
    """The chart in one paragraph: wall against the floor, the lane that ended the run."""
    wall = float(report.get("wall_seconds") or 0)
    floor = report.get("floor") or {}
    text = f"Wall time {wall:.1f} s{ratio(report)}"
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


def workers_table(report: dict[str, Any], lanes: list[str], use: Use) -> str:
    """Per worker: where its time went, the worker that finished last in bold."""
    info = {w["id"]: w for w in report.get("workers") or []}
    last = max(lanes, key=lambda w: use[w]["end"]) if lanes else None
    rows = []
    for w in lanes:
        u, facts = use[w], info.get(w, {})
        start = facts.get("emulator_start_seconds")
        rows.append(
            f'<tr data-worker="{esc(w)}"{" class=last" if w == last else ""}><td>{esc(w)}</td>'
            f"<td>{esc(facts.get('endpoint') or '')}</td>"
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
