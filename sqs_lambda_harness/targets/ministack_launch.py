"""MiniStack as the harness runs it: the stock emulator with one correction, to how it collects a
Python function's log lines.

MiniStack's warm worker writes a handler's output to stderr and its result to stdout; a thread
moves stderr into a queue, and after the result MiniStack takes what that queue holds within
50 ms (`Worker._drain_stderr_bounded`). On a loaded machine the thread is often later than
that, and the lines go out with the worker's *next* invocation, or never: measured 2026-11-29,
6 of 1,080 cold invocations beside the Terraform tests had an empty log; the orders example
failed CI on it. AWS writes a handler's lines with their own invocation.

The correction: the worker marks the end of each invocation's output on stderr with a line
naming its request id, before it writes the result, and the drain takes lines up to that mark.
It applies to Python functions only (the suites' runtime); Node.js and custom runtimes keep
MiniStack's own drain. Started as `python -m sqs_lambda_harness.targets.ministack_launch`.
"""

from __future__ import annotations

import queue
import runpy
import time
from collections.abc import Callable
from typing import Any

# Starts the line that ends an invocation's output: a character no log line carries.
END_MARK = "\x1e[sqs-lambda-harness] end of invocation "
# How long the drain waits for its mark at most. The mark is in the pipe before the result, so
# the wait is the queue thread's lateness: beside the Terraform tests, median 0.2 ms, at most
# 0.10 s over 180 cold invocations (2026-11-29). A worker that died first ends the wait sooner.
END_MARK_WAIT = 5.0

# Where the stock worker script ends an invocation, and what the correction puts before it.
_WORKER_ANCHOR = "        _real_stdout.flush()\n\nrun()"
_WORKER_MARK = (
    "        for _ms_stream in (sys.stdout, sys.stderr):\n"
    "            try:\n"
    "                _ms_stream.flush()\n"
    "            except Exception:\n"
    "                pass\n"
    f"        sys.__stderr__.write({END_MARK!r} + str(_ms_ctx.get('request_id', '')) + '\\n')\n"
    "        sys.__stderr__.flush()\n"
)


class CorrectionDoesNotFit(RuntimeError):
    """This MiniStack's worker is not the one the correction was written for."""


def drain_through_mark(
    lines: queue.Queue,
    request_id: str,
    writer_alive: Callable[[], bool] = lambda: True,
    wait: float = END_MARK_WAIT,
) -> str:
    """The lines in `lines` up to the mark ending `request_id`'s output; marks of earlier
    invocations (a drain that gave up on them) are dropped, the text before a mark kept. Once
    the thread filling `lines` has ended (the worker died or was killed before its mark: a
    crash, a timeout), what it queued is all there is."""
    taken: list[str] = []
    deadline = time.monotonic() + wait
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=min(remaining, 0.05))
        except queue.Empty:
            if writer_alive():
                continue
            break
        text, marked, marked_id = line.partition(END_MARK)
        if text:
            taken.append(text)
        if marked and marked_id == request_id:
            break
    return "\n".join(taken)


def without_marks(output: str) -> str:
    """`output` with any end-of-invocation marks taken out (the drains MiniStack uses on
    timeouts and errors, where the worker never wrote its mark or is killed)."""
    kept = []
    for line in output.split("\n"):
        text, marked, _ = line.partition(END_MARK)
        if text or not marked:
            kept.append(text)
    return "\n".join(kept)


def correct(lambda_runtime: Any) -> None:
    """Apply the correction to MiniStack's `ministack.core.lambda_runtime` module."""
    script = lambda_runtime._PYTHON_WORKER_SCRIPT
    if script.count(_WORKER_ANCHOR) != 1:
        raise CorrectionDoesNotFit(
            "the harness's log-drain correction does not fit this MiniStack: its Python worker "
            "no longer ends an invocation with `_real_stdout.flush()` before `run()`"
        )
    marked = script.replace(_WORKER_ANCHOR, _WORKER_MARK + _WORKER_ANCHOR)
    lambda_runtime._PYTHON_WORKER_SCRIPT = marked
    worker = lambda_runtime.Worker
    stock_invoke: Callable[..., dict] = worker.invoke
    stock_bounded: Callable[..., str] = worker._drain_stderr_bounded
    stock_drain: Callable[..., str] = worker._drain_stderr

    def invoke(self, event, request_id: str, *args, **kwargs) -> dict:
        self._harness_request_id = request_id
        return stock_invoke(self, event, request_id, *args, **kwargs)

    def drain_bounded(self, *args, **kwargs) -> str:
        if not str(self.config.get("Runtime", "")).startswith("python"):
            return stock_bounded(self, *args, **kwargs)
        reader = self._stderr_thread
        return drain_through_mark(
            self._stderr_queue,
            getattr(self, "_harness_request_id", ""),
            writer_alive=lambda: reader is not None and reader.is_alive(),
        )

    def drain(self) -> str:
        return without_marks(stock_drain(self))

    worker.invoke = invoke
    worker._drain_stderr_bounded = drain_bounded
    worker._drain_stderr = drain


def main() -> None:
    from ministack.core import lambda_runtime

    correct(lambda_runtime)
    runpy.run_module("ministack", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
