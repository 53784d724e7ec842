"""Report rendering and the parsing helpers probes rely on."""

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import sqs_lambda_harness
from sqs_lambda_harness.__main__ import parse_age
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.probes import ConditionTimeout, reported_duration_ms, wait_until
from sqs_lambda_harness.reporting.evidence import EVIDENCE_KEY, Evidence, evidence_from_properties
from sqs_lambda_harness.reporting.report import RunReport, ScenarioResult, WorkerFacts
from sqs_lambda_harness.terraform.stacks import StackRecord

SCHEMA = json.loads(
    resources.files("sqs_lambda_harness.reporting").joinpath("report.schema.json").read_text()
)


def test_evidence_round_trips_through_user_properties() -> None:
    evidence = Evidence()
    evidence.claim("empty receive returned no message")
    evidence.measure("empty long poll", 20.013, low=19.5, high=21.5)
    nothing = Evidence().to_json()
    properties = [(EVIDENCE_KEY, evidence.to_json()), ("x", "y"), (EVIDENCE_KEY, nothing)]
    restored = evidence_from_properties(properties)
    assert restored.claims == ["empty receive returned no message"]
    assert len(restored.measurements) == 1
    assert restored.measurements[0].value == pytest.approx(20.013)
    assert (restored.measurements[0].low, restored.measurements[0].high) == (19.5, 21.5)


def test_tests_record_evidence_through_the_package_surface() -> None:
    evidence = sqs_lambda_harness.Evidence()
    evidence.measure("poll", 20.0, low=19.5, high=21.5)
    assert evidence.measurements == [sqs_lambda_harness.Measurement("poll", 20.0, "s", 19.5, 21.5)]
    assert {"Evidence", "Measurement", "probes"} <= set(sqs_lambda_harness.__all__)


def test_a_figure_outside_its_bounds_fails_and_is_still_recorded() -> None:
    evidence = Evidence()
    with pytest.raises(
        AssertionError, match=r"empty long poll was 22\.100 s, outside 19\.5–21\.5 s"
    ):
        evidence.within("empty long poll", 22.1, 19.5, 21.5)
    assert [m.value for m in evidence.measurements] == [22.1]
    assert evidence.within("early return", 3.01, None, 5.0) == 3.01
    assert evidence.measurements[-1].bound_text() == "≤ 5 s"
    with pytest.raises(ValueError, match="not a measured figure"):
        evidence.measure("median of nothing", float("nan"))


def test_summary_lists_each_scenario_with_figures_and_writes_json(tmp_path: Path) -> None:
    evidence = Evidence()
    evidence.measure("empty long poll", 20.01, low=19.5, high=21.5)
    report = RunReport("abc123", "embedded", started_at=1.7e9)
    report.workers["gw0"] = WorkerFacts("gw0", endpoint="http://127.0.0.1:4566")
    report.add(
        ScenarioResult(
            "t::a", "Empty long poll", "passed", 21.2, ["no message"], evidence.measurements
        )
    )
    report.stacks.append(
        StackRecord("stacks/queue", "hx-abc123-0-a-1", "gw0", 4, 1.7e9, 3.0, "destroy", 1.0, True)
    )
    lines = report.render(25.0)
    text = "\n".join(lines)
    assert "target embedded (http://127.0.0.1:4566), run abc123, teardown destroy" in text
    assert "PASSED   Empty long poll" in text
    assert "empty long poll 20.01 s (bound 19.5–21.5 s)" in text
    assert "proved: no message" in text
    assert "1 applied, apply median 3.0 s; teardown destroy: 1 destroyed" in text
    assert "leftovers: none" in text
    report.write_json(tmp_path / "r.json", 25.0)
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["scenarios"][0]["measurements"][0]["value"] == 20.01
    assert data["stack_summary"]["apply_median_seconds"] == 3.0
    assert data["stacks"][0]["teardown"] == "destroy"


def test_the_summary_names_one_emulator_for_the_run_or_one_per_worker() -> None:
    report = RunReport("abc123", "localstack")
    for worker in ("gw0", "gw1"):
        report.workers[worker] = WorkerFacts(
            worker, "http://127.0.0.1:4599", "LocalStack 2026.3.0", None, 5.05
        )
    assert report.where() == (
        "LocalStack 2026.3.0 at http://127.0.0.1:4599 (one for the run), started in 5.05 s"
    )
    report.workers["gw1"].endpoint = "http://127.0.0.1:4600"
    assert report.where().startswith("LocalStack 2026.3.0 x2 (one per worker)")


def test_summary_says_stacks_were_discarded_with_the_emulator() -> None:
    report = RunReport("abc123", "embedded", teardown="discard")
    report.stacks.append(
        StackRecord("stacks/queue", "hx-abc123-0-a-1", "gw0", 4, 1.7e9, 3.0, "discard", 0.0, True)
    )
    text = "\n".join(report.render(10.0))
    assert "teardown discard" in text
    assert "teardown discard: 1 discarded with their emulator" in text
    assert report.stack_summary()["destroy_median_seconds"] is None


def test_reported_duration_is_read_from_the_report_line() -> None:
    tail = "START RequestId: 1\nREPORT RequestId: 1\tDuration: 20012.34 ms\tBilled Duration: 1 ms"
    assert reported_duration_ms(tail) == pytest.approx(20012.34)
    assert reported_duration_ms("no report here") is None


def test_wait_until_returns_early_and_times_out_with_last_value() -> None:
    calls = iter(range(100))
    value, seconds = wait_until(lambda: next(calls), lambda v: v >= 3, timeout=5, interval=0.01)
    assert value == 3 and seconds < 1
    with pytest.raises(ConditionTimeout, match="last seen: 'never'"):
        wait_until(lambda: "never", lambda v: False, timeout=0.05, interval=0.01, what="x")


def test_age_parsing() -> None:
    assert parse_age("90m") == 5400
    assert parse_age("1d") == 86400
    assert parse_age(None) is None
    with pytest.raises(HarnessError, match="not an age"):
        parse_age("soon")


class FakeLogs:
    """filter_log_events over a fixed list of messages (the real call filters server-side)."""

    class exceptions:  # mirrors boto3 client.exceptions
        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages

    def filter_log_events(self, **kwargs):
        return {"events": [{"message": m} for m in self.messages if "REPORT RequestId" in m]}


def test_report_is_matched_by_request_id_else_only_when_unambiguous() -> None:
    from sqs_lambda_harness.probes import _report_from_log_group

    two = FakeLogs(
        [
            "START RequestId: a",
            "REPORT RequestId: a\tDuration: 5.0 ms",
            "REPORT RequestId: b\tDuration: 20001.5 ms",
        ]
    )
    assert _report_from_log_group(two, "fn", 0, "b") == pytest.approx(20001.5)
    assert _report_from_log_group(two, "fn", 0, "unrelated") is None  # ambiguous: no guess
    one = FakeLogs(["REPORT RequestId: x\tDuration: 19999.0 ms"])
    assert _report_from_log_group(one, "fn", 0, "not-the-same-id") == pytest.approx(19999.0)
    assert _report_from_log_group(FakeLogs([]), "fn", 0, "x") is None


def test_timeline_places_every_phase_in_run_seconds_and_the_floor_adds_the_longest_wait() -> None:
    t0 = 1.7e9
    report = RunReport("abc123", "embedded", started_at=t0, teardown="destroy")
    report.workers["gw0"] = WorkerFacts("gw0", "http://x", "MiniStack 1.5", t0 + 0.5, 0.6)
    for serial, (apply_at, seconds) in enumerate([(1.0, 50.0), (60.0, 40.0)]):
        report.stacks.append(
            StackRecord(
                "stacks/pipeline",
                f"hx-abc123-0-a-{serial}",
                "gw0",
                9,
                t0 + apply_at,
                seconds,
                "destroy",
                30.0,
                True,
                teardown_started_at=t0 + apply_at + seconds + 5,
                nodeid=f"t::{serial}",
            )
        )
    wait = Evidence()
    wait.measure("inherent wait", 32)
    report.add(
        ScenarioResult("t::0", "Demo", "failed", 90.0, [], wait.measurements, "boom", "gw0", t0 + 1)
    )
    bars = report.timeline()
    assert [b["phase"] for b in bars] == [
        "emulator",
        "apply",
        "test",
        "destroy",
        "apply",
        "destroy",
    ]
    assert bars[0]["start"] == 0.5 and bars[1]["start"] == 1.0
    assert [b["ok"] for b in bars if b["phase"] == "test"] == [False]
    floor = report.floor()
    assert floor is not None
    assert (floor["apply_seconds"], floor["wait_seconds"], floor["seconds"]) == (40.0, 32.0, 72.0)
    data = report.to_dict(120.0)
    assert data["schema_version"] == 1 and data["emulator"] == "MiniStack 1.5"
    assert data["scenarios"][0]["start"] == 1.0 and data["workers"][0]["id"] == "gw0"
    jsonschema.validate(data, SCHEMA)


def test_a_failed_apply_is_marked_and_not_taken_for_the_floor() -> None:
    t0 = 1.7e9
    report = RunReport("abc123", "embedded", started_at=t0, teardown="discard")
    report.stacks += [
        StackRecord(
            "stacks/queue",
            "hx-a",
            "m",
            0,
            t0 + 1,
            2.0,
            "discard",
            0.0,
            True,
            teardown_started_at=t0 + 3,
            apply_ok=False,
        ),
        StackRecord(
            "stacks/queue",
            "hx-b",
            "m",
            2,
            t0 + 5,
            25.0,
            "discard",
            0.0,
            True,
            teardown_started_at=t0 + 40,
        ),
    ]
    wait = Evidence()
    wait.measure("inherent wait", 20)
    report.add(ScenarioResult("t::a", "Poll", "passed", 45.0, [], wait.measurements, "", "m", t0))
    assert [b["ok"] for b in report.timeline() if b["phase"] == "apply"] == [False, True]
    assert report.floor()["apply_seconds"] == 25.0


@pytest.mark.parametrize(
    "run",
    [
        RunReport("abc123", "embedded", started_at=1.7e9),  # used, but nothing ran
        RunReport("abc123", "aws", started_at=1.7e9, teardown="destroy"),
    ],
    ids=["empty", "aws"],
)
def test_every_report_the_plugin_writes_follows_the_schema(run: RunReport) -> None:
    run.workers["m"] = WorkerFacts("m", None)
    run.add(ScenarioResult("t::s", "Skipped one", "skipped", 0.0, [], [], "no", "m", None))
    jsonschema.validate(run.to_dict(1.0), SCHEMA)
