"""A run's usage in dollars, from the dated price table kept as data (`prices.json`): per
region, free tier and volume tiers ignored (both said in the table and in every cost shown).
A region the table does not hold gets no figure and a reason, never a guess."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sqs_lambda_harness.usage import NOT_COUNTED, Usage

MILLION = 1_000_000
GB = 1024**3


@dataclass(frozen=True)
class Line:
    item: str  # "SQS requests (standard)"
    quantity: float
    unit: str  # "requests", "GB-s", "GB"
    unit_usd: float  # per unit
    usd: float


@dataclass(frozen=True)
class Cost:
    region: str
    as_of: str
    usd: float | None  # None: no prices for the region
    lines: list[Line] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "prices_as_of": self.as_of,
            "usd": None if self.usd is None else round(self.usd, 6),
            "lines": [
                {**line.__dict__, "usd": round(line.usd, 6), "quantity": round(line.quantity, 6)}
                for line in self.lines
            ],
            "note": self.note,
            "not_counted": NOT_COUNTED,
        }


@cache
def table() -> dict[str, Any]:
    """The price table shipped with the package."""
    return json.loads(resources.files("sqs_lambda_harness").joinpath("prices.json").read_text())


def cost(usage: Usage, region: str) -> Cost:
    """What `usage` costs in `region` at the table's prices."""
    prices = table()
    note = f"{prices['about']} Prices of {prices['as_of']}."
    rates = prices["regions"].get(region)
    if rates is None:
        known = ", ".join(sorted(prices["regions"]))
        return Cost(region, prices["as_of"], None, note=f"no prices for {region} ({known} known)")
    sqs = sum(count for key, count in usage.requests.items() if key.startswith("sqs:"))
    fifo = min(usage.fifo_requests, sqs)
    per_million = {k: v / MILLION for k, v in rates.items() if k.endswith("_per_million")}
    lines = [
        _line("SQS requests (standard)", sqs - fifo, "requests",
              per_million["sqs_standard_per_million"]),
        _line("SQS requests (FIFO)", fifo, "requests", per_million["sqs_fifo_per_million"]),
        _line("Lambda requests", usage.lambda_invocations, "requests",
              per_million["lambda_requests_per_million"]),
        _line("Lambda duration", usage.lambda_gb_seconds, "GB-s", rates["lambda_gb_second"]),
        _line("CloudWatch Logs ingested", usage.log_bytes / GB, "GB",
              rates["logs_ingested_per_gb"]),
    ]  # fmt: skip
    return Cost(region, prices["as_of"], sum(line.usd for line in lines), lines, note)


def _line(item: str, quantity: float, unit: str, unit_usd: float) -> Line:
    return Line(item, quantity, unit, unit_usd, quantity * unit_usd)


def dollars(usd: float | None) -> str:
    """`$0.000012`, `$0.0213`, `$4.20`: enough digits to show a run's fraction of a cent."""
    if usd is None:
        return "unknown"
    return f"${usd:.6f}" if usd < 0.01 else f"${usd:.4f}" if usd < 1 else f"${usd:.2f}"
