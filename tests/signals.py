"""Signal set-up for the child processes that tests interrupt."""

from __future__ import annotations

import signal


def deliver_sigint() -> None:
    """`preexec_fn` for a child that a test Ctrl-Cs: it must take SIGINT as a terminal delivers
    it, also when this run was started from a shell's background job. Such jobs ignore SIGINT,
    and an ignored signal stays ignored across exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
