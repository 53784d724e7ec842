"""File locks: one holder at a time (threads of one process too), a try that never waits, and
readers that share."""

import threading
from pathlib import Path

from sqs_lambda_harness.locks import exclusive, locked_open, try_exclusive


def test_try_exclusive_fails_at_once_while_held_and_succeeds_once_released(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "nested" / "slot.lock"
    first = try_exclusive(lock)
    assert first is not None and lock.exists()
    assert try_exclusive(lock) is None
    first.release()
    first.release()  # a second release is harmless
    second = try_exclusive(lock)
    assert second is not None
    second.release()


def test_exclusive_holds_the_lock_for_the_block(tmp_path: Path) -> None:
    lock = tmp_path / "build.lock"
    with exclusive(lock):
        assert try_exclusive(lock) is None
    held = try_exclusive(lock)
    assert held is not None
    held.release()


def test_a_waiting_holder_gets_the_lock_when_the_first_lets_go(tmp_path: Path) -> None:
    lock = tmp_path / "build.lock"
    order: list[str] = []
    first = try_exclusive(lock)
    assert first is not None

    def second() -> None:
        with exclusive(lock):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    order.append("first")
    first.release()
    thread.join(timeout=30)
    assert order == ["first", "second"]


def test_readers_share_and_a_writer_excludes_them(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("one\n")
    with locked_open(ledger, "r", shared=True) as reader:
        assert try_exclusive(ledger) is None  # a writer would wait for the reader
        other: list[str] = []
        thread = threading.Thread(target=lambda: other.append(_read_shared(ledger)))
        thread.start()
        thread.join(timeout=30)
        assert other == ["one\n"]  # a second reader did not wait for the first
        assert reader.read() == "one\n"
    with locked_open(ledger, "a") as writer:
        writer.write("two\n")
        assert try_exclusive(ledger) is None
    assert ledger.read_text() == "one\ntwo\n"


def _read_shared(path: Path) -> str:
    with locked_open(path, "r", shared=True) as handle:
        return handle.read()
