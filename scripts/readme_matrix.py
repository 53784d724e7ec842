"""Put the fidelity matrix of the last `make fidelity` (docs/fidelity.md) into README.md between
its two markers, so the README always shows the current one. Run by `make fidelity`."""

from __future__ import annotations

import sys
from pathlib import Path

from sqs_lambda_harness.log import logger, say

START = "<!-- fidelity-matrix:start (written by make fidelity) -->"
END = "<!-- fidelity-matrix:end -->"


def main(readme: Path = Path("README.md"), matrix: Path = Path("docs/fidelity.md")) -> int:
    text = readme.read_text(encoding="utf-8")
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        logger.error(f"error: {readme} lacks the markers {START} ... {END}")
        return 1
    current = matrix.read_text(encoding="utf-8").strip()
    readme.write_text(f"{head}{START}\n{current}\n{END}{tail}", encoding="utf-8")
    say(f"{readme}: fidelity matrix from {matrix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
