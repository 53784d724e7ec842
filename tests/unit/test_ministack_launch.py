"""The harness's correction to MiniStack's log drain (sqs_lambda_harness/targets/ministack_launch):
the drain on its own, and MiniStack's real warm worker with its stderr thread made late, as it
is on a loaded machine, with and without the correction."""

from __future__ import annotations

import io
import queue
import threading
import time
import types
import zipfile

import pytest

from sqs_lambda_harness.targets import ministack_launch
from sqs_lambda_harness.targets.ministack_launch import (
    END_MARK,
    CorrectionDoesNotFit,
    drain_through_mark,
    without_marks,
)

lambda_runtime = pytest.importorskip("ministack.core.lambda_runtime")


def feed(lines: queue.Queue, items: list[str], delay: float) -> threading.Thread:
    """Put `items` into `lines` after `delay`, as a late stderr thread would."""

    def late() -> None:
        time.sleep(delay)
        for item in items:
            lines.put(item)

    thread = threading.Thread(target=late, daemon=True)
    thread.start()
    return thread


def test_the_drain_waits_for_its_own_mark_past_the_stock_50_ms() -> None:
    lines: queue.Queue = queue.Queue()
    feed(lines, ["message m-1 rejected", "done", f"{END_MARK}req-1", "next one's line"], 0.3)
    assert drain_through_mark(lines, "req-1") == "message m-1 rejected\ndone"
    assert lines.get_nowait() == "next one's line"  # left for the invocation it belongs to


def test_an_earlier_invocations_mark_is_dropped_not_taken_as_the_end() -> None:
    lines: queue.Queue = queue.Queue()
    for item in [f"{END_MARK}req-0", "line of req-1", f"{END_MARK}req-1"]:
        lines.put(item)
    assert drain_through_mark(lines, "req-1") == "line of req-1"


def test_text_before_a_mark_on_the_same_line_is_kept() -> None:
    lines: queue.Queue = queue.Queue()
    lines.put(f"no newline at the end{END_MARK}req-1")  # a handler's print(..., end="")
    assert drain_through_mark(lines, "req-1") == "no newline at the end"


def test_without_its_mark_the_drain_gives_up_after_its_wait() -> None:
    lines: queue.Queue = queue.Queue()
    lines.put("a line")
    started = time.monotonic()
    assert drain_through_mark(lines, "req-1", wait=0.2) == "a line"  # its writer still alive
    assert 0.2 <= time.monotonic() - started < 1.0


def test_once_the_writer_has_ended_the_drain_takes_what_it_queued_and_stops() -> None:
    """A worker killed before its mark (a crash, a timeout) must not hold the drain for its
    whole wait: it stops within one 50 ms poll of finding the queue empty."""
    lines: queue.Queue = queue.Queue()
    writer = feed(lines, ["last words"], 0.1)
    started = time.monotonic()
    assert drain_through_mark(lines, "req-1", writer_alive=writer.is_alive, wait=30) == "last words"
    assert time.monotonic() - started < 1.0


def test_marks_are_taken_out_of_the_other_drains_output() -> None:
    output = f"one\n{END_MARK}req-0\ntwo{END_MARK}req-1\n\nthree"
    assert without_marks(output) == "one\ntwo\n\nthree"
    assert without_marks("") == ""


def test_a_ministack_whose_worker_changed_is_refused() -> None:
    changed = types.SimpleNamespace(_PYTHON_WORKER_SCRIPT="run()\n", Worker=object)
    with pytest.raises(CorrectionDoesNotFit, match="does not fit this MiniStack"):
        ministack_launch.correct(changed)


def handler_zip() -> bytes:
    """A function that logs one WARNING line (MiniStack keeps those) and returns, or raises
    after it when the event says so."""
    code = (
        "import logging\n"
        "def handler(event, context):\n"
        "    logging.getLogger().warning('message %s rejected', event['id'])\n"
        "    if event.get('raise'):\n"
        "        raise ValueError('the whole batch fails')\n"
        "    return {'ok': event['id']}\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fn.py", code)
    return buffer.getvalue()


@pytest.fixture
def late_stderr_thread(monkeypatch):
    """MiniStack's stderr thread, 0.3 s late with every line (measured late under load)."""
    stock = lambda_runtime.Worker._read_stderr

    def late(self) -> None:
        stock(types.SimpleNamespace(_proc=self._proc, _stderr_queue=LateQueue(self._stderr_queue)))

    monkeypatch.setattr(lambda_runtime.Worker, "_read_stderr", late)


class LateQueue:
    def __init__(self, target: queue.Queue) -> None:
        self.target = target

    def put(self, item: str) -> None:
        time.sleep(0.3)
        self.target.put(item)


@pytest.fixture
def worker_of(monkeypatch):
    """A real MiniStack warm worker for the function above, stock or corrected; killed after."""
    script = lambda_runtime._PYTHON_WORKER_SCRIPT
    monkeypatch.setattr(lambda_runtime, "_PYTHON_WORKER_SCRIPT", script)
    for name in ("invoke", "_drain_stderr_bounded", "_drain_stderr"):
        monkeypatch.setattr(lambda_runtime.Worker, name, getattr(lambda_runtime.Worker, name))
    workers = []

    def make(corrected: bool):
        if corrected:
            ministack_launch.correct(lambda_runtime)
        config = {
            "FunctionName": "f",
            "Runtime": "python3.12",
            "Handler": "fn.handler",
            "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
        }
        workers.append(lambda_runtime.Worker("f", {**config, "Timeout": 10}, handler_zip()))
        return workers[-1]

    yield make
    for worker in workers:
        worker.kill()


def test_stock_ministack_leaves_a_late_line_for_the_next_invocation(
    worker_of, late_stderr_thread
) -> None:
    """Why the correction exists: if this fails, MiniStack fixed its drain."""
    worker = worker_of(corrected=False)
    assert worker.invoke({"id": 1}, "req-1")["log"] == ""
    late_line = worker._stderr_queue.get(timeout=5)  # where the next invocation's drain looks
    assert late_line == "message 1 rejected"


def test_corrected_ministack_keeps_each_line_with_its_invocation(
    worker_of, late_stderr_thread
) -> None:
    worker = worker_of(corrected=True)
    assert worker.invoke({"id": 1}, "req-1")["log"] == "message 1 rejected"
    assert worker.invoke({"id": 2}, "req-2")["log"] == "message 2 rejected"
    assert worker._stderr_queue.empty()  # its mark taken, nothing left for the next one


def test_a_raising_handlers_line_stays_with_its_invocation_and_the_worker_is_replaced(
    worker_of, late_stderr_thread
) -> None:
    """MiniStack kills a worker whose handler raised, right after the result: its lines still
    go with that invocation, and no mark reaches the next one's."""
    worker = worker_of(corrected=True)
    failed = worker.invoke({"id": 1, "raise": True}, "req-1")
    assert failed["status"] == "error" and failed["log"] == "message 1 rejected"
    assert worker.invoke({"id": 2}, "req-2")["log"] == "message 2 rejected"
