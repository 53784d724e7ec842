"""The registry as tables: for the terminal (`python -m sqs_lambda_harness emulators`) and for
docs/targets.md (`--markdown`), where it sits between two marker comments and a unit test
fails when it no longer matches the registry."""

from __future__ import annotations

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import registry
from sqs_lambda_harness.targets.registry import EmulatorSpec

START, END = "<!-- emulators:start -->", "<!-- emulators:end -->"
REGENERATE = "python -m sqs_lambda_harness emulators --markdown --into docs/targets.md"
HOST_ONLY = "host process only"  # differs only when the harness runs it (no Docker)


def deviations(spec: EmulatorSpec, status: str) -> list[tuple[str, bool]]:
    """The capabilities `spec` declares with `status` (`diverges`, `unsupported`), each with
    whether it holds only for the host process the harness runs."""
    found = []
    for name, capability in spec.declared().items():
        if capability.status == status:
            at_endpoint = spec.capabilities.get(name)
            found.append((name, at_endpoint is None or at_endpoint.status != status))
    return found


def text() -> str:
    """A table of the targets, then what each emulator does unlike AWS."""
    rows = [("target", "aliases", "emulator", "version", "installed")]
    rows += [
        (s.name, ", ".join(s.aliases) or "-", s.product, s.version or "?", s.install.describe())
        for s in registry.specs()
    ]
    rows.append((registry.NOT_AN_EMULATOR, "-", "-", "-", "an allow-listed AWS account"))
    widths = [max(len(row[column]) for row in rows) + 2 for column in range(4)]
    lines = [
        "".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + row[4]
        for row in rows
    ]
    lines.append("")
    for spec in registry.specs():
        parts = [
            f"{label}: " + ", ".join(_noted(name, host_only, "{}") for name, host_only in found)
            for label, found in (
                ("diverges (strict xfail)", deviations(spec, "diverges")),
                ("unsupported (skipped)", deviations(spec, "unsupported")),
            )
            if found
        ]
        lines.append(f"{spec.name}: " + ("; ".join(parts) or "does everything the suite checks"))
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The docs table, regenerated from the registry."""
    lines = [
        f"<!-- generated from the emulator registry: `{REGENERATE}` -->",
        "| target | aliases | emulator | version | installed | one process per "
        "| diverges (strict xfail) | unsupported (skipped) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for spec in registry.specs():
        cells = [
            f"`{spec.name}`",
            ", ".join(f"`{alias}`" for alias in spec.aliases) or "—",
            spec.product,
            spec.version or "not installed",
            spec.install.describe(),
            "run (all xdist workers)" if spec.scope == "run" else "xdist worker",
            _code_list(deviations(spec, "diverges")),
            _code_list(deviations(spec, "unsupported")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _code_list(found: list[tuple[str, bool]]) -> str:
    return ", ".join(_noted(name, host_only, "`{}`") for name, host_only in found) or "—"


def _noted(name: str, host_only: bool, form: str) -> str:
    return form.format(name) + (f" ({HOST_ONLY})" if host_only else "")


def in_document(document: str) -> str:
    """The table between the markers of `document` (empty if it has none)."""
    if START not in document or END not in document:
        return ""
    return document.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def with_table(document: str) -> str:
    """`document` with the table between its markers replaced by the current one."""
    if START not in document or END not in document:
        raise HarnessError(
            f"The document has no {START} ... {END} markers for the emulator table.",
            fix="put the two marker lines where the table goes, then run this again.",
        )
    before, rest = document.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n{markdown()}{END}{after}"
