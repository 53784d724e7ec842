"""The HTML run report, opened in headless Chromium and checked as a person would look at it:
every scenario there with its outcome, the timeline's bars in time order inside the wall time,
a failed scenario visibly marked, each figure's mark on the right side of its band. Positions
and colours are the browser's own (layout, computed style, hit tests), not the markup's.
Screenshots are kept in reports/ next to the page."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sqs_lambda_harness.reporting import fidelity, html
from tests.browser.chromium import Chromium
from tests.browser.look import measure, png_size, problems, reddish

ROOT = Path(__file__).resolve().parents[2]
# `make test-browser REPORTS=dir` looks at the run `make test-local REPORTS=dir` wrote.
REPORTS = ROOT / os.environ.get("HARNESS_REPORTS_DIR", "reports")
SAMPLES = ROOT / "tests" / "unit" / "samples"


def sample(name: str) -> dict[str, Any]:
    return fidelity.load_report(SAMPLES / f"report-{name}.json")


def screenshot(chromium: Chromium, page: Path, geometry: dict[str, Any], name: str) -> Path:
    """The whole page as one PNG in reports/; it must be the page's size and not blank."""
    out = chromium.screenshot(page, REPORTS / name, geometry["window_height"])
    assert png_size(out) == (1280, geometry["window_height"])
    assert out.stat().st_size > 30_000, f"{out} is nearly empty: was anything drawn?"
    return out


def test_a_run_with_a_failure_as_a_person_sees_it(chromium: Chromium, tmp_path: Path) -> None:
    report = sample("embedded")
    runs = [report, sample("localstack")]
    previous = fidelity.build(runs, aws=sample("aws")).to_json()
    for row in previous["rows"]:  # last time, LocalStack failed the empty long poll
        if "empty_receive" in row["key"]:
            row["cells"]["localstack"]["outcome"] = "failed"
    matrix = fidelity.compare(fidelity.build(runs, aws=sample("aws")), previous)
    page = html.write_html(tmp_path / "sample-report.html", report, matrix)

    geometry = measure(chromium, page, tmp_path)
    assert problems(geometry, report) == []

    # What a person checks first: the failure is on top, red, and says why.
    first = geometry["scenarios"][0]
    assert first["outcome"] == "failed" and first["badge"]["text"].strip() == "FAILED"
    assert reddish(first["badge"]["background"]) and "poison message" in first["text"]
    assert len(geometry["scenarios"]) == len(report["scenarios"])
    # The figure near its edge is flagged; the one in the middle is not.
    verdicts = {
        (f["scenario"].split("::")[1], f["name"]): f["verdict"] for f in geometry["figures"]
    }
    assert verdicts[("test_classic_three_function_demonstration", "hidden for")] == "near"
    assert (
        verdicts[
            ("test_empty_receive_returns_nothing_after_the_20s_wait@queues", "empty ReceiveMessage")
        ]
        == "inside"
    )
    # The failed bar is the one of the failed scenario, outlined in red.
    (failed_bar,) = [b for b in geometry["bars"] if not b["ok"]]
    assert (failed_bar["worker"], failed_bar["phase"]) == ("gw3", "test")
    # The matrix: the cell that changed since last time stands out and says what it was.
    (changed,) = [c for c in geometry["cells"] if "changed" in c["classes"].split()]
    assert changed["column"] == "localstack" and "changed, was failed" in changed["text"]
    assert reddish(changed["outline"]) and changed["outlineWidth"] == "3px"
    differs = [c for c in geometry["cells"] if "differs" in c["classes"].split()]
    assert differs and all(c["background"] != changed["background"] for c in differs)

    screenshot(chromium, page, geometry, "html-report-sample.png")


def test_the_page_of_the_last_make_test_local(chromium: Chromium, tmp_path: Path) -> None:
    """reports/e2e-report.html as `make test-local` left it, next to the JSON it draws."""
    path = REPORTS / "e2e-report.json"
    if not path.is_file():
        pytest.skip(f"no {path}: run `make test-local` first")
    raw = json.loads(path.read_text())
    report = fidelity.load_report(path)
    schema = json.loads(
        (ROOT / "sqs_lambda_harness" / "reporting" / "report.schema.json").read_text()
    )
    jsonschema.validate(raw, schema)
    page = REPORTS / "e2e-report.html"
    assert page.is_file(), "make test-local writes reports/e2e-report.html with the JSON"
    assert f"Run {raw['run_id']} " in page.read_text(encoding="utf-8"), (
        "reports/e2e-report.html is not from the run that wrote reports/e2e-report.json"
    )

    geometry = measure(chromium, page, tmp_path)
    assert problems(geometry, report) == []
    assert len(geometry["scenarios"]) == len(report["scenarios"])
    if report["timeline"]:
        assert len(geometry["bars"]) == len(report["timeline"])
    screenshot(chromium, page, geometry, "e2e-report.png")


def test_the_checks_see_a_page_that_misleads(chromium: Chromium, tmp_path: Path) -> None:
    """The same sample, spoiled the ways a renderer could go wrong: each must be noticed."""
    report = sample("embedded")
    page = html.render(report)
    spoil = (
        "<style>.outcome-failed .badge { background: #2e7d32 !important; }"
        ".outcome-failed { background: #fff !important; border-left-color: #2e7d32 !important; }"
        "article[data-outcome=skipped] { display: none; }"
        "tr.verdict-near .verdict { color: #222 !important; }</style></head>"
    )
    page = page.replace("</head>", spoil)
    # gw2's second test (55.3 s) drawn at the start of the run, a bar pushed past the wall
    page, moved = re.subn(
        r'x="[\d.]+"( y="\d+" width="[\d.]+" height="\d+" data-worker="gw2" '
        r'data-phase="test" data-start="55.3")',
        r'x="131"\1',
        page,
    )
    page, pushed = re.subn(
        r'x="[\d.]+"( y="\d+" width="[\d.]+" height="\d+" data-worker="gw4" '
        r'data-phase="discard")',
        r'x="990"\1',
        page,
    )
    assert (moved, pushed) == (1, 1)
    # gw1's first bar painted over, whole, by an opaque box: drawn, but nobody can see it
    hidden = re.search(
        r'<rect class="bar[^"]*" x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="(\d+)" '
        r'data-worker="gw1" data-phase="(\w+)" data-start="([\d.]+)"',
        page,
    )
    assert hidden is not None
    x, y, width, height, phase, start = hidden.groups()
    page = page.replace(
        "</svg>",
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="#fff"/></svg>',
        1,
    )
    spoiled = tmp_path / "spoiled.html"
    spoiled.write_text(page, encoding="utf-8")

    found = "\n".join(problems(measure(chromium, spoiled, tmp_path), report))
    for expected in (
        "failed scenario tests/e2e/test_redrive.py::test_poison_message_is_redriven_to_the_dlq: "
        "its badge is not red",
        "looks like a passed one",
        "scenario 'DLQ messages moved back to the source' is not on the page",
        "gw2: bars are not in time order",
        "gw2 test bar at 55.3 s is not drawn at its start time",
        "gw4 discard bar at 79.75 s lies outside 0..wall time",
        "near its bound but not flagged",
        f"gw1 {phase} bar at {float(start)} s is not visible",
    ):
        assert expected in found, f"not noticed: {expected}\n{found}"
