"""The fidelity matrix: rows per behaviour, columns per target, AWS as the reference, changes
since the previous matrix never silent; reading reports (version 1 only); the CLI."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from sqs_lambda_harness.__main__ import main
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.reporting import fidelity

SAMPLES = Path(__file__).parent / "samples"
POLL = "tests/e2e/test_long_poll.py::test_empty_receive_returns_nothing_after_the_20s_wait"
REDRIVE = "tests/e2e/test_redrive.py::test_poison_message_is_redriven_to_the_dlq"
EMPTY_ID = "tests/e2e/test_batch_responses.py::test_empty_item_identifier_fails_the_whole_batch"


def sample(name: str) -> dict[str, Any]:
    return fidelity.load_report(SAMPLES / f"report-{name}.json")


def three() -> fidelity.Matrix:
    return fidelity.build([sample("embedded"), sample("localstack")], aws=sample("aws"))


def row(matrix: fidelity.Matrix, key: str) -> fidelity.Row:
    return next(r for r in matrix.rows if r.key == key)


def test_a_row_per_behaviour_a_column_per_target_with_aws_as_reference() -> None:
    matrix = three()
    assert [c.key for c in matrix.columns] == ["embedded", "localstack", "aws"]
    assert matrix.reference is not None and matrix.reference.key == "aws"
    embedded = sample("embedded")
    assert len(matrix.rows) == len(embedded["scenarios"])
    # the xdist group suffix (@queues) is not part of a behaviour's identity
    poll = row(matrix, POLL)
    assert poll.figures == ["empty ReceiveMessage"]
    assert [poll.cells[k].text() for k in ("embedded", "localstack", "aws")] == [
        "passed 20.02 s",
        "passed 20.04 s",
        "passed 20.01 s",
    ]


def test_cells_that_differ_from_aws_are_marked_and_figures_outside_their_bound_say_so() -> None:
    matrix = three()
    redrive = row(matrix, REDRIVE)
    assert redrive.cells["embedded"].differs and redrive.cells["embedded"].outcome == "failed"
    assert redrive.cells["embedded"].text() == "failed 31.20 s (outside 22–30 s)"
    assert not redrive.cells["localstack"].differs and not redrive.cells["aws"].differs
    assert row(matrix, EMPTY_ID).cells["embedded"].differs  # the xfailed known divergence
    assert not row(matrix, POLL).cells["embedded"].differs
    markdown = matrix.to_markdown()
    assert "| AWS (reference) |" in markdown
    assert "**failed 31.20 s (outside 22–30 s)**" in markdown
    assert "**xfailed**" in markdown and "**passed" not in markdown


def test_without_aws_the_first_run_is_the_reference() -> None:
    matrix = fidelity.build([sample("embedded"), sample("localstack")])
    assert matrix.reference is not None and matrix.reference.key == "embedded"
    assert row(matrix, REDRIVE).cells["localstack"].differs


def test_aws_must_be_an_aws_run() -> None:
    with pytest.raises(HarnessError, match="target 'localstack'"):
        fidelity.build([sample("embedded")], aws=sample("localstack"))


def test_two_runs_of_one_target_get_their_own_columns() -> None:
    again = copy.deepcopy(sample("embedded"))
    again["run_id"] = "777777"
    matrix = fidelity.build([sample("embedded"), again])
    keys = [c.key for c in matrix.columns]
    assert len(set(keys)) == 2, keys
    assert "run 777777" in matrix.to_text().splitlines()[2]


def test_a_matrix_compared_with_itself_has_no_change() -> None:
    matrix = three()
    previous = json.loads(json.dumps(matrix.to_json()))
    assert not fidelity.compare(three(), previous).changed()


def test_a_new_divergence_is_a_changed_cell_never_a_silent_pass() -> None:
    previous = three().to_json()
    for r in previous["rows"]:
        if r["key"] == POLL:
            r["cells"]["localstack"]["outcome"] = "xfailed"
    matrix = fidelity.compare(three(), previous)
    ((changed_row, column, cell),) = matrix.changed()
    assert (changed_row.key, column.key, cell.was, cell.outcome) == (
        POLL,
        "localstack",
        "xfailed",
        "passed",
    )
    assert "Δ passed 20.04 s (was xfailed)" in matrix.to_markdown()
    assert "1 cell(s) changed" in matrix.to_text()


def test_a_behaviour_that_is_no_longer_run_shows_up_as_changed() -> None:
    previous = three().to_json()
    gone = copy.deepcopy(previous["rows"][0])
    gone["key"], gone["title"] = "tests/e2e/test_gone.py::test_gone", "A behaviour since removed"
    previous["rows"].append(gone)
    matrix = fidelity.compare(three(), previous)
    removed = row(matrix, "tests/e2e/test_gone.py::test_gone")
    assert {k: (c.outcome, c.was) for k, c in removed.cells.items()} == {
        k: (fidelity.NOT_RUN, gone["cells"][k]["outcome"]) for k in gone["cells"]
    }
    assert len(matrix.changed()) == 3


def test_a_new_behaviour_is_new_not_changed() -> None:
    previous = three().to_json()
    previous["rows"] = [r for r in previous["rows"] if r["key"] != POLL]
    matrix = fidelity.compare(three(), previous)
    assert not matrix.changed()
    assert all(c.new for c in row(matrix, POLL).cells.values())
    assert not any(c.new for c in row(matrix, REDRIVE).cells.values())


def test_the_previous_matrix_must_be_a_matrix() -> None:
    with pytest.raises(HarnessError, match="matrix_version"):
        fidelity.compare(three(), {"rows": []})


# ----------------------------------------------------------------------------- reading reports


@pytest.mark.parametrize(
    ("version", "said"),
    [
        (None, "has no schema_version: it predates schema version 1"),
        (0, "has schema_version 0; this harness reads 1 only"),
        ("1", "has schema_version '1'; this harness reads 1 only"),
    ],
)
def test_a_report_of_another_schema_version_is_refused_with_the_fix(
    tmp_path: Path, version: Any, said: str
) -> None:
    report = {k: v for k, v in sample("embedded").items() if k != "schema_version"}
    if version is not None:
        report["schema_version"] = version
    path = tmp_path / "old.json"
    path.write_text(json.dumps(report))
    with pytest.raises(HarnessError) as refused:
        fidelity.load_report(path)
    assert said in str(refused.value)
    assert "run the suite again with this harness for a version-1 report" in str(refused.value)


def test_reports_from_a_newer_harness_or_not_reports_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**sample("embedded"), "schema_version": 2}))
    with pytest.raises(HarnessError, match="schema_version 2"):
        fidelity.load_report(newer)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(HarnessError, match="not a harness run report"):
        fidelity.load_report(other)
    with pytest.raises(HarnessError, match="Cannot read"):
        fidelity.load_report(tmp_path / "missing.json")


# ----------------------------------------------------------------------------- the command


def test_report_command_prints_the_matrix_and_writes_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status = main(
        [
            "report",
            str(SAMPLES / "report-embedded.json"),
            str(SAMPLES / "report-localstack.json"),
            "--aws",
            str(SAMPLES / "report-aws.json"),
            "--html",
            str(out / "report.html"),
            "--matrix-md",
            str(out / "matrix.md"),
            "--matrix-json",
            str(out / "matrix.json"),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "Fidelity matrix of 3 run(s)" in printed
    assert "* failed 31.20 s (outside 22–30 s)" in printed
    page = (out / "report.html").read_text()
    assert 'id="matrix"' in page and "Run 5a3c9e" in page
    assert (out / "matrix.md").read_text() == three().to_markdown()
    assert json.loads((out / "matrix.json").read_text()) == three().to_json()

    # the next run, compared with that matrix: the changed cell is printed, and can fail
    previous = json.loads((out / "matrix.json").read_text())
    previous["rows"][0]["cells"]["embedded"]["outcome"] = "passed"
    (out / "previous.json").write_text(json.dumps(previous))
    args = [
        "report",
        str(SAMPLES / "report-embedded.json"),
        "--previous",
        str(out / "previous.json"),
    ]
    assert main(args) == 0
    assert "changed: " in capsys.readouterr().out
    assert main([*args, "--fail-on-change"]) == 1


def test_report_command_names_an_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "nothing.json")]) == 2
    assert "Cannot read the run report" in capsys.readouterr().err


def test_the_readme_shows_the_matrix_between_its_markers(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "readme_matrix", Path(__file__).parents[2] / "scripts" / "readme_matrix.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    readme, matrix = tmp_path / "README.md", tmp_path / "fidelity.md"
    readme.write_text(f"intro\n{script.START}\nold matrix\n{script.END}\noutro\n")
    matrix.write_text(three().to_markdown())
    assert script.main(readme, matrix) == 0
    text = readme.read_text()
    assert "old matrix" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert three().to_markdown().strip() in text
    readme.write_text("no markers here\n")
    assert script.main(readme, matrix) == 1
    assert readme.read_text() == "no markers here\n"


def test_unbounded_figures_stay_out_except_those_compared_across_targets() -> None:
    delivery = "tests/e2e/test_delivery.py::test_delivery"
    report = {
        "version": 1,
        "run_id": "abc123",
        "target": "embedded",
        "scenarios": [
            {
                "nodeid": delivery,
                "title": "Delivery through the mapping",
                "outcome": "passed",
                "measurements": [
                    {"name": "messages", "value": 20, "unit": "", "low": None, "high": None},
                    {
                        "name": "latency median",
                        "value": 1.5,
                        "unit": "s",
                        "low": None,
                        "high": None,
                    },
                ],
            }
        ],
    }
    matrix = fidelity.build([report])
    assert row(matrix, delivery).figures == ["latency median"]
    assert row(matrix, delivery).cells["embedded"].text() == "passed 1.50 s"
