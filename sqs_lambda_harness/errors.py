"""One error type for everything the user can fix: what went wrong, then what to do about it."""

from __future__ import annotations


class HarnessError(Exception):
    """A problem with the environment, the target or the input, raised before damage is done.

    `fix` names the action that resolves it; `details` carries evidence (a log tail, a CLI
    diagnostic) that the message would be unreadable with inline.
    """

    def __init__(self, problem: str, fix: str = "", details: str = "") -> None:
        self.problem = problem
        self.fix = fix
        self.details = details
        super().__init__(self.render())

    def render(self) -> str:
        lines = [self.problem]
        if self.details:
            lines += ["", self.details.rstrip()]
        if self.fix:
            lines += ["", f"Fix: {self.fix}"]
        return "\n".join(lines)


def tail(text: str, lines: int = 30) -> str:
    """The last `lines` lines of a program's output, which is where its error usually is."""
    return "\n".join(text.rstrip().splitlines()[-lines:])
