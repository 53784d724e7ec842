"""What the run used of AWS and what that costs, on the HTML page: one row per priced item,
its share of the cost drawn as a bar, then the request counts by kind and what is not
counted."""

from __future__ import annotations

from typing import Any

from sqs_lambda_harness.prices import dollars
from sqs_lambda_harness.reporting.html_parts import esc


def usage(report: dict[str, Any]) -> str:
    """The usage and cost section (nothing for a report written before they were counted)."""
    used, cost = report.get("usage"), report.get("cost")
    if not used or not cost:
        return ""
    total = cost.get("usd")
    if total is None:
        heading = f"Cost: unknown ({cost.get('note', '')})"
    elif report.get("target") == "aws":
        heading = f"Cost of this run: {dollars(total)} in {cost.get('region')}"
    else:
        heading = f"On AWS this run would cost {dollars(total)} in {cost.get('region')}"
    rows = "".join(_cost_row(line, total or 0.0) for line in cost.get("lines", []))
    requests = used.get("requests") or {}
    kinds = ", ".join(f"{esc(k)} {v}" for k, v in sorted(requests.items(), key=lambda i: -i[1]))
    retried = sum((used.get("retries") or {}).values())
    return (
        f'<section id="usage" data-usd="{"" if total is None else f"{total:.6f}"}">'
        f"<h2>{esc(heading)}</h2>"
        '<table class="usage"><tr><th>item</th><th>quantity</th><th>unit price</th>'
        f"<th>USD</th><th>share</th></tr>{rows}</table>"
        f"<p>{int(used.get('resources_created') or 0)} resources created; "
        f"{int(used.get('lambda_invocations') or 0)} Lambda invocations; "
        f"{int(used.get('log_events') or 0)} log events; {retried} requests retried. "
        f"Requests by kind: {kinds or 'none'}.</p>"
        f"<p class=note>Prices of {esc(cost.get('prices_as_of'))}. {esc(cost.get('note', ''))} "
        f"Not counted: {esc(cost.get('not_counted', ''))}.</p></section>"
    )


def _cost_row(line: dict[str, Any], total: float) -> str:
    share = line["usd"] / total if total else 0.0
    quantity = line["quantity"]
    shown = f"{quantity:.0f}" if line["unit"] == "requests" else f"{quantity:.6g}"
    return (
        f'<tr data-item="{esc(line["item"])}"><td>{esc(line["item"])}</td>'
        f'<td class="num">{shown} {esc(line["unit"])}</td>'
        f'<td class="num">{esc(_unit_price(line))}</td><td class="num">${line["usd"]:.6f}</td>'
        f'<td><span class="share" style="width:{share * 100:.1f}%" '
        f'title="{share:.0%} of the cost"></span></td></tr>'
    )


def _unit_price(line: dict[str, Any]) -> str:
    """`$0.40 per million requests`, `$0.0000166667 per GB-s`: as the price pages say them."""
    if line["unit"] == "requests":
        return f"${line['unit_usd'] * 1_000_000:.2f} per million"
    return f"${line['unit_usd']:.10g} per {line['unit']}"
