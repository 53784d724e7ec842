"""The fidelity matrix on the HTML page: a row per behaviour, a column per target, cells that
differ from the reference or changed since the previous matrix marked."""

from __future__ import annotations

from sqs_lambda_harness.reporting.fidelity import Cell, Column, Matrix, Row
from sqs_lambda_harness.reporting.html_parts import esc


def matrix_table(matrix: Matrix) -> str:
    """The section: the legend in words, then the table."""
    heads = "".join(
        f'<th data-column="{esc(c.key)}">{esc(c.label)}<br><small>run {esc(c.run_id)}'
        f"{' · reference' if c.reference else ''}</small></th>"
        for c in matrix.columns
    )
    rows = "".join(
        f"<tr><th>{esc(row.title)}<br><small>{esc(', '.join(row.figures))}</small></th>"
        + "".join(_cell(row, column) for column in matrix.columns)
        + "</tr>"
        for row in matrix.rows
    )
    return (
        f'<section id="matrix"><h2>Targets</h2><p>{esc(matrix.legend())}</p>'
        f'<table class="matrix"><tr><th>behaviour<br><small>figures</small></th>{heads}</tr>'
        f"{rows}</table></section>"
    )


def _cell(row: Row, column: Column) -> str:
    """One run's outcome of one behaviour, with its figures and what changed."""
    cell = row.cells.get(column.key)
    if cell is None:
        return '<td class="cell missing">—</td>'
    was = f'<span class="was">changed, was {esc(cell.was)}</span>' if cell.changed else ""
    new = '<span class="new">new</span>' if cell.new else ""
    return (
        f'<td class="{_classes(cell)}" data-row="{esc(row.key)}" '
        f'data-column="{esc(column.key)}" data-outcome="{esc(cell.outcome)}">'
        f"<b>{esc(cell.outcome)}</b>{_figures(cell)}{was}{new}</td>"
    )


def _classes(cell: Cell) -> str:
    classes = f"cell outcome-{cell.outcome.replace(' ', '-')}"
    classes += " differs" if cell.differs else ""
    return classes + (" changed" if cell.changed else "")


def _figures(cell: Cell) -> str:
    """Each figure, its bound in the tooltip, one outside its bound in red."""
    return "".join(
        f'<span class="fig{"" if f.inside else " outside"}" title="{esc(f.name)} '
        f'{esc(f.bound_text())}">{esc(f.text())}</span>'
        for f in cell.figures
    )
