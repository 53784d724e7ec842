"""The fidelity matrix: a row per behaviour, a column per target, each cell the outcome and the
figures measured against their bounds, built from several runs' JSON reports.

Where an emulator differs from AWS should be seen, not remembered: the AWS column (a nightly
run's report) is the reference when one is given, and a cell whose outcome differs from it is
marked. Compared with the previous matrix (`--previous`), a cell whose outcome changed, or a
behaviour that is no longer run, is marked as changed: a new divergence never passes silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.reporting.evidence import Measurement
from sqs_lambda_harness.reporting.report import SCHEMA_VERSION

MATRIX_VERSION = 1
NOT_RUN = "not run"


# ----------------------------------------------------------------------------- reading reports


def load_report(path: Path) -> dict[str, Any]:
    """A report file as a schema-version-1 dict; any other version is refused with what to do,
    so that runs are never compared on keys one of them does not have."""
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise HarnessError(
            f"Cannot read the run report {path}: {error}",
            fix="pass the JSON file a run wrote with --harness-report (reports/e2e-report.json).",
        ) from error
    if not isinstance(report, dict) or "scenarios" not in report:
        raise HarnessError(
            f"{path} is not a harness run report (no scenarios).",
            fix="pass the JSON file a run wrote with --harness-report.",
        )
    version = report.get("schema_version")
    if version != SCHEMA_VERSION:
        raise HarnessError(
            _wrong_version(path, version),
            fix=f"run the suite again with this harness for a version-{SCHEMA_VERSION} report, "
            "or read that one with the harness version that wrote it.",
        )
    return report


def _wrong_version(path: Path, version: Any) -> str:
    if version is None:
        return f"{path} has no schema_version: it predates schema version {SCHEMA_VERSION}."
    return f"{path} has schema_version {version!r}; this harness reads {SCHEMA_VERSION} only."


# ----------------------------------------------------------------------------- the matrix


@dataclass
class Column:
    key: str
    target: str
    emulator: str | None
    run_id: str
    started_at: str = ""
    reference: bool = False

    @property
    def label(self) -> str:
        if self.target == "aws":
            return "AWS"
        return f"{self.target} ({self.emulator})" if self.emulator else self.target


@dataclass
class Cell:
    outcome: str
    figures: list[Measurement] = field(default_factory=list)
    differs: bool = False  # its outcome differs from the reference column's
    was: str | None = None  # the previous matrix's outcome, when it changed
    new: bool = False  # the previous matrix had no such cell

    @property
    def changed(self) -> bool:
        return self.was is not None

    def text(self) -> str:
        """`passed 20.02 s`, `failed 31.20 s (outside 22–30 s)`, `xfailed`."""
        figures = [
            f.text() + ("" if f.inside else f" (outside {f.bound_text()})") for f in self.figures
        ]
        return " ".join([self.outcome, "; ".join(figures)]).strip()


@dataclass
class Row:
    key: str
    title: str
    figures: list[str]  # the shown figures' names, the order of each cell's figures
    cells: dict[str, Cell]


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]

    @property
    def reference(self) -> Column | None:
        return next((c for c in self.columns if c.reference), None)

    def changed(self) -> list[tuple[Row, Column, Cell]]:
        return [
            (row, column, row.cells[column.key])
            for row in self.rows
            for column in self.columns
            if column.key in row.cells and row.cells[column.key].changed
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "matrix_version": MATRIX_VERSION,
            "columns": [asdict(c) for c in self.columns],
            "rows": [
                {
                    "key": r.key,
                    "title": r.title,
                    "figures": r.figures,
                    "cells": {
                        k: {**asdict(c), "figures": [asdict(f) for f in c.figures]}
                        for k, c in r.cells.items()
                    },
                }
                for r in self.rows
            ],
        }

    def to_markdown(self) -> str:
        def escape(text: str) -> str:
            return text.replace("|", "\\|")

        heads = [self.heading(c) + (" (reference)" if c.reference else "") for c in self.columns]
        lines = [
            self.legend("bold"),
            "",
            "| behaviour | figures | " + " | ".join(heads) + " |",
            "| --- | --- | " + " | ".join("---" for _ in self.columns) + " |",
        ]
        for row in self.rows:
            cells = []
            for column in self.columns:
                cell = row.cells.get(column.key)
                text = "—" if cell is None else cell.text()
                if cell is not None and cell.differs:
                    text = f"**{text}**"
                if cell is not None and cell.changed:
                    text = f"Δ {text} (was {cell.was})"
                cells.append(escape(text))
            lines.append(
                f"| {escape(row.title)} | {escape(', '.join(row.figures))} | "
                + " | ".join(cells)
                + " |"
            )
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """An aligned plain-text table for the terminal: `*` differs, `Δ` changed."""
        heads = ["behaviour"] + [self.heading(c) for c in self.columns]
        table = [heads]
        for row in self.rows:
            line = [row.title[:60]]
            for column in self.columns:
                cell = row.cells.get(column.key)
                text = "-" if cell is None else cell.text()
                if cell is not None and cell.differs:
                    text = "* " + text
                if cell is not None and cell.changed:
                    text = f"Δ {text} (was {cell.was})"
                line.append(text)
            table.append(line)
        widths = [max(len(line[i]) for line in table) for i in range(len(heads))]
        rendered = [
            "  ".join(t.ljust(w) for t, w in zip(line, widths, strict=True)) for line in table
        ]
        return "\n".join([self.legend("marked *"), "", *(r.rstrip() for r in rendered)]) + "\n"

    def heading(self, column: Column) -> str:
        """The column's label; with its run id when another column has the same label."""
        labels = [c.label for c in self.columns]
        return column.label + (f" run {column.run_id}" if labels.count(column.label) > 1 else "")

    def legend(self, marked: str = "highlighted") -> str:
        runs = ", ".join(f"{c.label} run {c.run_id}" for c in self.columns)
        reference = self.reference
        compared = (
            f"Cells whose outcome differs from {self.heading(reference)} are {marked}"
            if reference
            else "No reference column"
        )
        changed = len(self.changed())
        since = f"; {changed} cell(s) changed since the previous matrix (Δ)" if changed else ""
        return f"Fidelity matrix of {len(self.columns)} run(s): {runs}. {compared}{since}."


# Figures AWS puts no bound on that the matrix still shows, to compare targets side by side:
# how long a message takes through each one's mapping.
COMPARED_FIGURES = ("latency median",)


def _shown(figure: Measurement) -> bool:
    return figure.bounded or figure.name in COMPARED_FIGURES


def build(reports: Iterable[dict[str, Any]], aws: dict[str, Any] | None = None) -> Matrix:
    """The matrix of several runs; `aws` (a nightly run's report) becomes the reference column,
    else the first report's column is."""
    runs = list(reports)
    if aws is not None:
        if aws.get("target") != "aws":
            raise HarnessError(
                f"--aws was given a report of target {aws.get('target')!r} "
                f"(run {aws.get('run_id')}).",
                fix="pass a report from the nightly AWS run (target aws) to --aws.",
            )
        runs.append(aws)
    if not runs:
        raise HarnessError("No run reports to build a matrix from.", fix="pass at least one.")
    columns = _columns(runs, reference=len(runs) - 1 if aws is not None else 0)
    rows: dict[str, Row] = {}
    for column, report in zip(columns, runs, strict=True):
        for scenario in report.get("scenarios", []):
            key = scenario_key(scenario["nodeid"])
            figures = [Measurement.from_json(m) for m in scenario.get("measurements", [])]
            bounded = [f for f in figures if _shown(f)]
            row = rows.setdefault(key, Row(key, scenario["title"], [f.name for f in bounded], {}))
            row.figures += [f.name for f in bounded if f.name not in row.figures]
            row.cells[column.key] = Cell(scenario["outcome"], bounded)
    matrix = Matrix(columns, sorted(rows.values(), key=lambda r: r.title.lower()))
    for row in matrix.rows:
        _order_figures(row)
    _mark_differences(matrix)
    return matrix


def scenario_key(nodeid: str) -> str:
    """A behaviour's identity across runs: its node id without xdist's `@group` suffix."""
    return nodeid.split("@", 1)[0]


def _columns(runs: list[dict[str, Any]], reference: int) -> list[Column]:
    """One column per run, keyed by target; the emulator, then the run id, tell apart two runs
    of one target."""
    columns = [
        Column(
            r.get("target", "?"),
            r.get("target", "?"),
            r.get("emulator"),
            r.get("run_id", "?"),
            r.get("started_at", ""),
            reference=i == reference,
        )
        for i, r in enumerate(runs)
    ]
    for qualify in (lambda c: c.label, lambda c: f"{c.label} run {c.run_id}"):
        keys = [c.key for c in columns]
        for column in columns:
            if keys.count(column.key) > 1:
                column.key = qualify(column)
    return columns


def _order_figures(row: Row) -> None:
    """Each cell's figures in the row's order, so a column reads like the next."""
    for cell in row.cells.values():
        by_name = {f.name: f for f in cell.figures}
        cell.figures = [by_name[name] for name in row.figures if name in by_name]


def _mark_differences(matrix: Matrix) -> None:
    reference = matrix.reference
    if reference is None:
        return
    for row in matrix.rows:
        expected = row.cells.get(reference.key)
        for key, cell in row.cells.items():
            cell.differs = (
                expected is not None and key != reference.key and (cell.outcome != expected.outcome)
            )


def compare(matrix: Matrix, previous: dict[str, Any]) -> Matrix:
    """Mark the cells whose outcome changed since `previous` (a matrix's JSON). A behaviour the
    previous matrix had and this one lacks comes back as a `not run` cell marked as changed."""
    if previous.get("matrix_version") != MATRIX_VERSION:
        raise HarnessError(
            f"The previous matrix has matrix_version {previous.get('matrix_version')!r}; "
            f"this harness reads {MATRIX_VERSION}.",
            fix="pass a file written by `report --matrix-json`.",
        )
    rows = {r.key: r for r in matrix.rows}
    for old in previous.get("rows", []):
        row = rows.get(old["key"])
        if row is None:
            row = rows[old["key"]] = Row(old["key"], old["title"], list(old["figures"]), {})
        for column in matrix.columns:
            before = old["cells"].get(column.key)
            cell = row.cells.get(column.key)
            if before is None:
                continue
            if cell is None:
                cell = row.cells[column.key] = Cell(NOT_RUN)
            if cell.outcome != before["outcome"]:
                cell.was = before["outcome"]
    known = {(r["key"], k) for r in previous.get("rows", []) for k in r["cells"]}
    columns = {k for r in previous.get("rows", []) for k in r["cells"]}
    for row in rows.values():
        for key, cell in row.cells.items():
            cell.new = key in columns and (row.key, key) not in known
    matrix.rows = sorted(rows.values(), key=lambda r: r.title.lower())
    _mark_differences(matrix)
    return matrix
