"""The leftovers ledger: what failed destroys recorded, and striking off what was swept."""

from pathlib import Path

import pytest

from sqs_lambda_harness.cleanup import ledger


def entry(run_id: str, endpoint: str | None = "http://127.0.0.1:4566") -> ledger.LedgerEntry:
    return ledger.LedgerEntry(
        run_id, f"hx-{run_id}-m-x-1", "embedded", endpoint, "us-east-1", "/w", "t", "boom"
    )


def test_entries_round_trip_and_strike_removes_only_the_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_LEDGER", str(tmp_path / "ledger.jsonl"))
    assert ledger.entries() == []
    assert ledger.record(entry("aaa111")) == tmp_path / "ledger.jsonl"
    ledger.record(entry("bbb222"))
    ledger.record(entry("aaa111", endpoint=None))
    assert [e.run_id for e in ledger.entries()] == ["aaa111", "bbb222", "aaa111"]

    removed = ledger.strike(lambda e: e.run_id == "aaa111" and e.endpoint is not None)
    assert removed == 1
    assert [(e.run_id, e.endpoint) for e in ledger.entries()] == [
        ("bbb222", "http://127.0.0.1:4566"),
        ("aaa111", None),
    ]


def test_entries_written_before_the_region_field_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = (
        '{"run_id": "ccc333", "prefix": "hx-ccc333-m-x-1", "target": "embedded", '
        '"endpoint": null, "workdir": "/w", "recorded_at": "t", "error": "e"}\n'
    )
    (tmp_path / "ledger.jsonl").write_text(old)
    monkeypatch.setenv("HARNESS_LEDGER", str(tmp_path / "ledger.jsonl"))
    assert ledger.entries()[0].region == ""


def test_a_line_cut_short_by_a_killed_writer_is_skipped_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_LEDGER", str(tmp_path / "ledger.jsonl"))
    ledger.record(entry("aaa111"))
    with (tmp_path / "ledger.jsonl").open("a") as handle:
        handle.write('{"run_id": "bbb2\n')
    ledger.record(entry("ccc333"))
    assert [e.run_id for e in ledger.entries()] == ["aaa111", "ccc333"]
    assert ledger.strike(lambda e: e.run_id == "aaa111") == 1
    assert '{"run_id": "bbb2' in (tmp_path / "ledger.jsonl").read_text()
    assert [e.run_id for e in ledger.entries()] == ["ccc333"]
