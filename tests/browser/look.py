"""Look at a rendered run report as a person would, through the browser's own layout: a small
script (added to a copy of the page, never to the product) records where Chromium put every
bar, mark, scenario and gauge, and `problems()` says what a person would find wrong."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

from sqs_lambda_harness.prices import dollars
from tests.browser.chromium import Chromium, read_geometry

BAD = ("failed", "error", "xpassed")

MEASURE = """
<script>
(function () {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left + scrollX, right: r.right + scrollX, top: r.top + scrollY,
            bottom: r.bottom + scrollY, width: r.width, height: r.height};
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    const sized = el.tagName === "line" ? r.width + r.height > 0 : r.width > 0 && r.height > 0;
    return sized && s.display !== "none" && s.visibility !== "hidden"
      && Number(s.opacity) > 0 && r.right <= document.documentElement.scrollWidth + 1;
  };
  // Is the element what a person sees at this point (nothing drawn over it)?
  const onTop = (el, x, y) => {
    const hit = document.elementFromPoint(x - scrollX, y - scrollY);
    return hit !== null && (hit === el || el.contains(hit));
  };
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  const color = (el, property) => el ? getComputedStyle(el)[property] : null;
  const out = {
    page: {width: document.documentElement.scrollWidth,
           height: document.documentElement.scrollHeight},
    resources: performance.getEntriesByType("resource").map((e) => e.name),
    banner: all("header.banner").map((el) => ({status: el.dataset.status, text: el.innerText,
                                                box: box(el)}))[0] || null,
    leftovers: all("section.leftovers").map((el) => ({box: box(el), shown: shown(el),
                border: color(el, "borderTopColor"), text: el.innerText}))[0] || null,
    lanes: all("svg.timeline rect.lane").map((el) => ({worker: el.dataset.worker, box: box(el)})),
    bars: all("svg.timeline rect.bar").map((el) => {
      const b = box(el);
      return {worker: el.dataset.worker, phase: el.dataset.phase,
              start: Number(el.dataset.start), seconds: Number(el.dataset.seconds),
              ok: el.dataset.ok === "true", box: b, shown: shown(el),
              // Seen if any of three points along its top is the bar itself: a mark line (the
              // floor, the wall) may cross one of them and still leave the bar in plain view.
              onTop: b.width < 4
                || [0.25, 0.5, 0.75].some((f) => onTop(el, b.left + f * b.width, b.top + 1.5)),
              stroke: color(el, "stroke"), fill: color(el, "fill")};
    }),
    marks: all("svg.timeline line.mark").map((el) => ({mark: el.dataset.mark,
             seconds: Number(el.dataset.seconds), box: box(el), shown: shown(el)})),
    scenarios: all("article.scenario").map((el) => {
      const badge = el.querySelector(".badge"), b = badge ? box(badge) : null;
      return {nodeid: el.dataset.nodeid, outcome: el.dataset.outcome, box: box(el),
              shown: shown(el), text: el.innerText, background: color(el, "backgroundColor"),
              border: color(el, "borderLeftColor"),
              badge: badge && {text: badge.innerText, shown: shown(badge),
                               background: color(badge, "backgroundColor"),
                               onTop: onTop(badge, (b.left + b.right) / 2,
                                            (b.top + b.bottom) / 2)}};
    }),
    figures: all("tr.figure").map((el) => {
      const range = el.querySelector("svg.gauge rect.range");
      const mark = el.querySelector("svg.gauge line.value");
      const verdict = el.querySelector(".verdict");
      return {name: el.dataset.figure, verdict: el.dataset.verdict,
              scenario: el.closest("article").dataset.nodeid,
              range: range && box(range), mark: mark && box(mark),
              markShown: mark ? shown(mark) : false, markColor: color(mark, "stroke"),
              text: verdict.innerText, color: color(verdict, "color")};
    }),
    usage: all("section#usage").map((el) => ({heading: el.querySelector("h2").innerText,
             shown: shown(el), box: box(el),
             items: Array.from(el.querySelectorAll("tr[data-item]")).map((row) => ({
               item: row.dataset.item, text: row.innerText,
               bar: box(row.querySelector(".share"))}))}))[0] || null,
    cells: all("td.cell").map((el) => ({row: el.dataset.row, column: el.dataset.column,
             classes: el.className, text: el.innerText, shown: shown(el),
             background: color(el, "backgroundColor"), outline: color(el, "outlineColor"),
             outlineWidth: color(el, "outlineWidth")})),
  };
  const pre = document.createElement("pre");
  pre.id = "geometry";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def measure(chromium: Chromium, page: Path, work: Path) -> dict[str, Any]:
    """Where Chromium put everything, with the whole page in the window (so that hit tests
    see every element as a person scrolling would)."""
    copy = work / f"measured-{page.name}"
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    height = read_geometry(chromium.dump_dom(copy))["page"]["height"]
    geometry = read_geometry(chromium.dump_dom(copy, height=height + 40))
    geometry["window_height"] = height + 40
    return geometry


def rgb(css: str | None) -> tuple[int, ...]:
    numbers = re.findall(r"[\d.]+", css or "")
    return tuple(int(float(n)) for n in numbers[:3]) if len(numbers) >= 3 else (0, 0, 0)


def reddish(css: str | None) -> bool:
    r, g, b = rgb(css)
    return r >= 150 and g <= 100 and b <= 100


def amber(css: str | None) -> bool:
    r, g, b = rgb(css)
    return r >= 150 and 60 <= g <= 180 and b <= 60


def problems(geometry: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """Everything a person would find wrong with the page, in words; empty when it is right."""
    found: list[str] = []
    if geometry["resources"]:
        found.append(f"the page loaded resources: {geometry['resources']}")
    found += _scenarios(geometry, report)
    if report.get("timeline"):
        found += _timeline(geometry, report)
    found += _figures(geometry)
    found += _usage(geometry, report)
    if report.get("leftovers"):
        leftovers = geometry["leftovers"]
        if not leftovers or not leftovers["shown"] or not reddish(leftovers["border"]):
            found.append("the leftovers are not shown loudly (a red-bordered section)")
        elif leftovers["box"]["top"] > 400:
            found.append(f"the leftovers are {leftovers['box']['top']:.0f} px down the page")
    return found


def _usage(geometry: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """What the run would cost is shown, in dollars, and each item's bar is as long as its
    share: the dearest item's bar is the longest."""
    cost = report.get("cost") or {}
    if cost.get("usd") is None:
        return []
    usage = geometry.get("usage")
    if not usage or not usage["shown"]:
        return ["the run's usage and cost are not on the page"]
    found = []
    if dollars(cost["usd"]) not in usage["heading"]:
        found.append(f"the cost heading {usage['heading']!r} lacks {dollars(cost['usd'])}")
    widths = {i["item"]: i["bar"]["right"] - i["bar"]["left"] for i in usage["items"]}
    dearest = max(cost["lines"], key=lambda line: line["usd"])["item"]
    if cost["usd"] > 0 and widths.get(dearest, 0) < max(widths.values(), default=0):
        found.append(f"the dearest item ({dearest}) does not have the longest bar: {widths}")
    if cost["usd"] > 0 and widths.get(dearest, 0) <= 0:
        found.append(f"the dearest item ({dearest}) has no bar")
    return found


def _scenarios(geometry: dict[str, Any], report: dict[str, Any]) -> list[str]:
    found = []
    shown = {s["nodeid"]: s for s in geometry["scenarios"]}
    for scenario in report["scenarios"]:
        seen = shown.get(scenario["nodeid"])
        what = f"scenario {scenario['title']!r}"
        if seen is None or not seen["shown"]:
            found.append(f"{what} is not on the page")
        elif scenario["title"] not in seen["text"]:
            found.append(f"{what}: its title is not shown")
        elif not seen["badge"] or not seen["badge"]["shown"] or not seen["badge"]["onTop"]:
            found.append(f"{what}: its outcome badge is not visible")
        elif seen["badge"]["text"].strip() != scenario["outcome"].upper():
            found.append(f"{what}: badge says {seen['badge']['text']!r}")
    passed = [s for s in geometry["scenarios"] if s["outcome"] == "passed"]
    for bad in (s for s in geometry["scenarios"] if s["outcome"] in BAD):
        what = f"{bad['outcome']} scenario {bad['nodeid']}"
        if not bad["badge"] or not reddish(bad["badge"]["background"]):
            found.append(f"{what}: its badge is not red")
        if not reddish(bad["border"]):
            found.append(f"{what}: its edge is not red")
        if passed and bad["background"] == passed[0]["background"]:
            found.append(f"{what}: looks like a passed one (same background)")
        if passed and bad["box"]["top"] > min(p["box"]["top"] for p in passed):
            found.append(f"{what}: is below a passed scenario, not first")
    banner = geometry["banner"]
    if banner is None or banner["status"] != (
        "failed"
        if any(s["outcome"] in BAD for s in report["scenarios"]) or report.get("leftovers")
        else "passed"
    ):
        found.append(f"the banner's status is wrong: {banner and banner['status']}")
    return found


def _timeline(geometry: dict[str, Any], report: dict[str, Any]) -> list[str]:
    found = []
    bars, lanes = geometry["bars"], {lane["worker"]: lane["box"] for lane in geometry["lanes"]}
    if len(bars) != len(report["timeline"]):
        found.append(f"{len(bars)} bars drawn for {len(report['timeline'])} in the report")
    marks = {m["mark"]: m for m in geometry["marks"]}
    if "wall" not in marks or not marks["wall"]["shown"]:
        return [*found, "the wall time is not marked"]
    if not lanes:
        return [*found, "the timeline has no lanes"]
    origin = min(box["left"] for box in lanes.values())
    wall_x = (marks["wall"]["box"]["left"] + marks["wall"]["box"]["right"]) / 2
    wall = float(report["wall_seconds"])
    per_second = (wall_x - origin) / wall
    floor = report.get("floor")
    if floor:
        mark = marks.get("floor")
        expected = origin + floor["seconds"] * per_second
        if mark is None or not mark["shown"]:
            found.append("the floor is not marked")
        elif abs((mark["box"]["left"] + mark["box"]["right"]) / 2 - expected) > 2:
            found.append("the floor mark is not at the floor's time")
    for worker in {b["worker"] for b in bars}:
        mine = sorted((b for b in bars if b["worker"] == worker), key=lambda b: b["start"])
        lefts = [b["box"]["left"] for b in mine]
        if lefts != sorted(lefts):
            found.append(f"{worker}: bars are not in time order left to right")
    for bar in bars:
        what = f"{bar['worker']} {bar['phase']} bar at {bar['start']} s"
        box, lane = bar["box"], lanes.get(bar["worker"])
        if not bar["shown"] or not bar["onTop"]:
            found.append(f"{what} is not visible")
        if lane is None or box["top"] < lane["top"] - 0.5 or box["bottom"] > lane["bottom"] + 0.5:
            found.append(f"{what} is outside its worker's lane")
        if box["left"] < origin - 0.5 or box["right"] > wall_x + 2.5:
            found.append(f"{what} lies outside 0..wall time")
        if abs(box["left"] - (origin + bar["start"] * per_second)) > 1.5:
            found.append(f"{what} is not drawn at its start time")
        if not bar["ok"] and not reddish(bar["stroke"]):
            found.append(f"{what} failed but is not outlined in red")
    return found


def _figures(geometry: dict[str, Any]) -> list[str]:
    found = []
    for figure in geometry["figures"]:
        what = f"figure {figure['name']!r} of {figure['scenario']}"
        if figure["verdict"] == "unbounded":
            continue
        if not figure["range"] or not figure["mark"] or not figure["markShown"]:
            found.append(f"{what}: no gauge")
            continue
        x = (figure["mark"]["left"] + figure["mark"]["right"]) / 2
        inside = figure["range"]["left"] - 1 <= x <= figure["range"]["right"] + 1
        if inside != (figure["verdict"] != "outside"):
            found.append(f"{what}: the mark is {'in' if inside else 'out'}side the band")
        if figure["verdict"] == "near" and not (
            amber(figure["color"]) and figure["text"].startswith("⚠")
        ):
            found.append(f"{what}: near its bound but not flagged")
        if figure["verdict"] == "outside" and not reddish(figure["color"]):
            found.append(f"{what}: outside its bound but not red")
    return found


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
