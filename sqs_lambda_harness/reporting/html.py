"""The run report people look at: one self-contained HTML page (inline CSS and SVG, no script,
no network) drawn from the JSON report (schema version 1, docs/report-schema.md).

A log answers "did it pass"; this page answers where the time went (a lane per worker, the wall
time and the floor marked), how close each figure came to its bound (a gauge per figure, near
edges flagged), and, given several runs, where the targets differ (the fidelity matrix).
Everything drawn is also written as text: bar tooltips (SVG <title>), tables and verdicts, so
the page reads the same without a pointer, in a screenshot, or to a screen reader.

This module assembles the page; each section is drawn by its own module (`html_facts`,
`html_timeline`, `html_behaviours`, `html_matrix`, `html_usage`), styled by `report.css`, inlined.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from sqs_lambda_harness.reporting import (
    html_behaviours,
    html_facts,
    html_matrix,
    html_timeline,
    html_usage,
)
from sqs_lambda_harness.reporting.fidelity import Matrix
from sqs_lambda_harness.reporting.html_parts import esc

# Read once: the page carries its stylesheet inline, so a copied page still looks the same.
CSS = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")


def render(report: dict[str, Any], matrix: Matrix | None = None) -> str:
    """The page for one run (a schema-version-1 report dict), with the fidelity matrix of
    several runs when one is given. Pure: no files, no clock, no network."""
    title = f"Run {report.get('run_id', '?')} on {html_facts.target_label(report)}"
    sections = [
        html_facts.banner(report, title),
        html_facts.leftovers(report),
        html_facts.facts(report),
        html_timeline.timeline(report),
        html_behaviours.behaviours(report),
        html_matrix.matrix_table(matrix) if matrix is not None else "",
        html_usage.usage(report),
        html_facts.stacks(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(s for s in sections if s)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_html(path: Path, report: dict[str, Any], matrix: Matrix | None = None) -> Path:
    """Render and write the page; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, matrix), encoding="utf-8")
    return path
