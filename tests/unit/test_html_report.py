"""The HTML run report as markup (tests/browser looks at it in a real browser): self-contained,
every scenario and bar present, the timeline drawn to scale, figures judged against their
bounds; and the JSON schema of the report it is drawn from."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sqs_lambda_harness.reporting import fidelity, html, html_behaviours, html_timeline
from sqs_lambda_harness.reporting.evidence import Measurement
from sqs_lambda_harness.reporting.html_parts import PHASES
from sqs_lambda_harness.reporting.report import SCHEMA_VERSION

SAMPLES = Path(__file__).parent / "samples"
VOID = {"meta", "br", "link", "img", "input", "hr"}  # SVG shapes may hold a <title>


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if child.tag == tag and (cls is None or cls in child.attrs.get("class", "").split()):
                found.append(child)
            found += child.all(tag, cls)
        return found

    def content(self) -> str:
        return "".join(self.text) + "".join(c.content() for c in self.children)


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def sample(name: str = "embedded") -> dict[str, Any]:
    return json.loads((SAMPLES / f"report-{name}.json").read_text())


# ----------------------------------------------------------------------------- the page


def test_the_page_is_self_contained_and_well_formed() -> None:
    page = html.render(sample())
    tree = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not tree.all("script") and not tree.all("link") and not tree.all("img")
    assert "@import" not in page and "url(" not in page
    for node in tree.all("a"):
        assert node.attrs["href"].startswith("#"), node.attrs  # links stay in the page
    assert html.render(sample()) == page, "rendering is pure"


def test_the_stylesheet_is_inlined_so_the_page_needs_nothing_else() -> None:
    page = html.render(sample())
    css = resources.files("sqs_lambda_harness.reporting").joinpath("report.css").read_text()
    (style,) = parse(page).all("style")
    assert style.content().strip() == css.strip()
    for phase in PHASES:  # every bar the timeline draws has its colour in the page itself
        assert f".phase-{phase} {{ fill:" in style.content()
    assert "<link" not in page.lower()
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.I)


def test_every_scenario_is_there_failures_first_and_marked() -> None:
    report = sample()
    tree = parse(html.render(report))
    articles = tree.all("article", "scenario")
    assert sorted(a.attrs["data-nodeid"] for a in articles) == sorted(
        s["nodeid"] for s in report["scenarios"]
    )
    first = articles[0]
    assert first.attrs["data-outcome"] == "failed" and "outcome-failed" in first.attrs["class"]
    assert first.all("span", "badge")[0].content() == "FAILED"
    assert "AssertionError: the poison message" in first.content()
    (banner,) = tree.all("header", "banner")
    assert banner.attrs["data-status"] == "failed"
    assert "1 failed, 5 passed, 1 xfailed, 1 skipped" in banner.content()


def test_a_passing_run_without_leftovers_says_passed_and_has_no_leftover_section() -> None:
    report = sample()
    for scenario in report["scenarios"]:
        if scenario["outcome"] == "failed":
            scenario["outcome"] = "passed"
    tree = parse(html.render(report))
    assert tree.all("header", "banner")[0].attrs["data-status"] == "passed"
    assert not tree.all("section", "leftovers")
    leftovers = sample("localstack")
    tree = parse(html.render(leftovers))
    (section,) = tree.all("section", "leftovers")
    assert leftovers["leftovers"][0] in section.content()
    assert tree.all("header", "banner")[0].attrs["data-status"] == "failed"


def test_the_timeline_is_drawn_to_scale_with_the_wall_and_floor_marked() -> None:
    report = sample()
    tree = parse(html.render(report))
    (svg,) = tree.all("svg", "timeline")
    bars = svg.all("rect", "bar")
    assert len(bars) == len(report["timeline"])
    span = max(report["wall_seconds"], report["floor"]["seconds"])
    left, plot = html_timeline.LEFT, html_timeline.PLOT
    for bar in bars:
        start, seconds = float(bar.attrs["data-start"]), float(bar.attrs["data-seconds"])
        assert float(bar.attrs["x"]) == pytest.approx(left + start / span * plot, abs=0.01)
        assert float(bar.attrs["width"]) == pytest.approx(max(seconds / span * plot, 1.5), abs=0.01)
        assert bar.all("title")[0].content().startswith(bar.attrs["data-worker"])
    marks = {m.attrs["data-mark"]: float(m.attrs["x1"]) for m in svg.all("line", "mark")}
    assert marks["wall"] == pytest.approx(left + report["wall_seconds"] / span * plot)
    assert marks["floor"] < marks["wall"]
    lanes = [r.attrs["data-worker"] for r in svg.all("rect", "lane")]
    assert lanes == ["gw0", "gw1", "gw2", "gw3", "gw4"]
    failed = [b for b in bars if b.attrs["data-ok"] == "false"]
    assert [b.attrs["data-worker"] for b in failed] == ["gw3"]
    assert "not-ok" in failed[0].attrs["class"]


def test_where_the_time_went_in_words_and_per_worker() -> None:
    tree = parse(html.render(sample()))
    (section,) = [s for s in tree.all("section") if s.attrs.get("id") == "timeline"]
    text = section.content()
    assert "Wall time 92.4 s = 1.08 × the floor 85.7 s" in text
    assert "The last worker to finish was gw3 at 90.4 s" in text
    (workers,) = section.all("table", "workers")
    rows = {r.attrs["data-worker"]: r for r in workers.all("tr") if "data-worker" in r.attrs}
    # gw0: test 0.8-66.16, apply 0.9-59.92 inside it, discard 66.2-66.22, emulator 0.05-0.61
    cells = [td.content() for td in rows["gw0"].all("td")]
    assert cells[3:] == ["59.02", "6.34", "0.02", "26.46", "66.22"]


def test_a_report_without_a_timeline_says_so() -> None:
    report = sample()
    report["timeline"], report["floor"] = [], None
    assert "has no timeline" in html.render(report)


@pytest.mark.parametrize(
    ("figure", "kind", "words"),
    [
        (
            Measurement("poll", 20.02, "s", 19.5, 21.5),
            "inside",
            "inside 19.5–21.5 s, 26% of the way",
        ),
        (Measurement("hidden", 13.93, "s", 12, 14), "near", "near its high bound: 0.07 s inside"),
        (Measurement("early", 3.01, "s", 3, 5), "near", "near its low bound: 0.01 s inside"),
        (Measurement("dlq", 31.2, "s", 22, 30), "outside", "outside 22–30 s: 1.20 s above it"),
        (Measurement("fast", 2.5, "s", 3, 5), "outside", "outside 3–5 s: 0.50 s below it"),
        (Measurement("still hidden", 7.01, "s", 4, None), "inside", "inside ≥ 4 s, 3.01 s from it"),
        (
            Measurement("still hidden", 4.1, "s", 4, None),
            "near",
            "near its bound: 0.10 s inside ≥ 4 s",
        ),
        (Measurement("visible", 0.21, "s", None, 1.5), "inside", "inside ≤ 1.5 s"),
        (Measurement("duplicates", 0, "", 0, 0), "inside", "exactly = 0"),
        (Measurement("messages", 20, ""), "unbounded", "no bound"),
    ],
)
def test_each_figure_is_judged_against_its_bound(
    figure: Measurement, kind: str, words: str
) -> None:
    got_kind, got_words = html_behaviours.verdict(figure)
    assert (got_kind, got_words[: len(words)]) == (kind, words)


def test_each_bounded_figure_gets_a_gauge_with_the_value_inside_or_outside_the_band() -> None:
    tree = parse(html.render(sample()))
    gauges = tree.all("svg", "gauge")
    assert gauges
    for gauge in gauges:
        (band,) = gauge.all("rect", "range")
        (mark,) = gauge.all("line", "value")
        left = float(band.attrs["x"])
        right = left + float(band.attrs["width"])
        x = float(mark.attrs["x1"])
        inside = "verdict-outside" not in gauge.attrs["class"]
        assert (left - 0.01 <= x <= right + 0.01) == inside, gauge.attrs
    verdicts = {r.attrs["data-figure"]: r.attrs["data-verdict"] for r in tree.all("tr", "figure")}
    assert verdicts["empty ReceiveMessage"] == "inside"
    assert verdicts["poll returned after"] == "near"
    assert verdicts["poison reached the DLQ after"] == "outside"


def test_text_from_the_report_is_escaped() -> None:
    report = sample()
    report["scenarios"][0]["title"] = "<script>alert(1)</script> & more"
    page = html.render(report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_the_matrix_is_drawn_only_when_given_with_changed_cells_marked() -> None:
    runs = [sample("embedded"), sample("localstack")]
    assert 'id="matrix"' not in html.render(runs[0])
    previous = fidelity.build(runs).to_json()
    previous["rows"][0]["cells"]["localstack"]["outcome"] = "failed"
    matrix = fidelity.compare(fidelity.build(runs), previous)
    tree = parse(html.render(runs[0], matrix))
    cells = tree.all("td", "cell")
    assert len(cells) == len(matrix.rows) * 2
    changed = [c for c in cells if "changed" in c.attrs["class"].split()]
    assert [c.attrs["data-column"] for c in changed] == ["localstack"]
    assert "changed, was failed" in changed[0].content()
    differs = {c.attrs["data-row"] for c in cells if "differs" in c.attrs["class"].split()}
    assert len(differs) == 3  # redrive, the xfailed divergence, the skipped move-back


def test_write_html_writes_the_page(tmp_path: Path) -> None:
    path = html.write_html(tmp_path / "deep" / "run.html", sample())
    assert path.read_text(encoding="utf-8") == html.render(sample())


# ----------------------------------------------------------------------------- the schema


def schema() -> dict[str, Any]:
    text = (
        resources.files("sqs_lambda_harness.reporting").joinpath("report.schema.json").read_text()
    )
    return json.loads(text)


def test_the_schema_is_valid_and_shipped_with_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


@pytest.mark.parametrize("name", ["embedded", "localstack", "aws"])
def test_the_sample_reports_follow_the_schema(name: str) -> None:
    jsonschema.validate(sample(name), schema())


@pytest.mark.parametrize(
    "breakage",
    [
        lambda r: r.pop("timeline"),
        lambda r: r.update(schema_version=2),
        lambda r: r["timeline"][0].update(phase="sleep"),
        lambda r: r["scenarios"][0].update(outcome="green"),
        lambda r: r["scenarios"][1]["measurements"][0].pop("low"),
        lambda r: r.update(target="gcp"),
    ],
)
def test_the_schema_rejects_what_breaks_the_contract(breakage: Any) -> None:
    report = copy.deepcopy(sample())
    breakage(report)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema())


def test_the_schema_document_names_every_top_level_key() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "report-schema.md").read_text()
    for key in schema()["required"]:
        assert re.search(rf"`{key}`", doc), f"docs/report-schema.md does not describe {key}"
