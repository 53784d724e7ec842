"""The run's facts on the HTML page: the banner (passed or failed, and why), the leftovers that
must be swept, the facts table (target, emulator, toolchain, floor, workers), and the stacks
applied."""

from __future__ import annotations

from typing import Any

from sqs_lambda_harness.reporting.html_parts import BAD, counts, esc, ratio


def target_label(report: dict[str, Any]) -> str:
    """`embedded (MiniStack 1.5.33)`, `aws`."""
    target = str(report.get("target", "?"))
    emulator = report.get("emulator")
    return f"{target} ({emulator})" if emulator else target


def banner(report: dict[str, Any], title: str) -> str:
    """Passed or failed, at a glance: a bad outcome or a single leftover fails the run."""
    scenarios = report.get("scenarios", [])
    left = len(report.get("leftovers") or [])
    bad = any(s.get("outcome") in BAD for s in scenarios) or left > 0
    status = "failed" if bad else "passed"
    told = counts(scenarios) + (f", {left} leftover(s)" if left else "")
    return (
        f'<header class="banner status-{status}" data-status="{status}">'
        f"<h1>SQS ↔ Lambda: {esc(title)}</h1>"
        f'<p><strong class="status">{status.upper()}</strong> · {esc(told)} · '
        f"wall time {float(report.get('wall_seconds') or 0):.1f} s{esc(ratio(report))} · "
        f"teardown {esc(report.get('teardown', '?'))}</p></header>"
    )


def leftovers(report: dict[str, Any]) -> str:
    """What this run did not tear down, loud, with the command that sweeps it."""
    leftovers = report.get("leftovers") or []
    if not leftovers:
        return ""
    items = "".join(f"<li><code>{esc(x)}</code></li>" for x in leftovers)
    return (
        f'<section class="leftovers" id="leftovers"><h2>{len(leftovers)} leftover(s): '
        "resources this run did not tear down</h2>"
        f"<ul>{items}</ul><p>Sweep them: <code>python -m sqs_lambda_harness sweep "
        "--from-ledger</code> (see README, <em>Teardown</em>).</p></section>"
    )


def facts(report: dict[str, Any]) -> str:
    """The run's facts as a two-column table, each row findable by its `data-fact`."""
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
        ("wall time", f"{float(report.get('wall_seconds') or 0):.1f} s{ratio(report)}"),
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
        f'<tr data-fact="{esc(k)}"><th>{esc(k)}</th><td>{esc("" if v is None else v)}</td></tr>'
        for k, v in rows
    )
    return f'<section id="facts"><h2>Run facts</h2><table class="facts">{body}</table></section>'


def stacks(report: dict[str, Any]) -> str:
    """Every stack application, folded away: a leftover's row is marked."""
    stacks = report.get("stacks") or []
    if not stacks:
        return ""
    rows = "".join(
        f"<tr{'' if s.get('ok', True) else ' class=not-ok'}><td>{esc(s.get('stack'))}</td>"
        f"<td><code>{esc(s.get('prefix'))}</code></td><td>{esc(s.get('worker'))}</td>"
        f'<td class="num">{int(s.get("resources") or 0)}</td>'
        f'<td class="num">{float(s.get("apply_seconds") or 0):.2f}</td>'
        f"<td>{esc(s.get('teardown'))}</td>"
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
