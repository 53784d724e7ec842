"""`python -m sqs_lambda_harness bootstrap|emulators|install|sweep|report` (also installed as
`sqs-harness`)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from sqs_lambda_harness.cache import cache_dir
from sqs_lambda_harness.cleanup import ledger, sweeper
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.log import format_seconds, say
from sqs_lambda_harness.reporting import fidelity, html
from sqs_lambda_harness.targets import (
    Target,
    registry,
    resolve_target,
    table,
    target_names,
    verify_target,
)
from sqs_lambda_harness.terraform import toolchain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sqs_lambda_harness")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "bootstrap",
        help="resolve the Terraform CLI and providers, building them from source if the "
        "registry is unreachable",
    )

    emulators = commands.add_parser(
        "emulators", help="the emulators the harness runs, their pins and what each does unlike AWS"
    )
    shown = emulators.add_mutually_exclusive_group()
    shown.add_argument(
        "--names", action="store_true", help="only the emulator target names, on one line"
    )
    shown.add_argument("--markdown", action="store_true", help="the table of docs/targets.md")
    emulators.add_argument(
        "--into",
        type=Path,
        help="with --markdown: replace the table between the emulator markers of this file",
    )

    install = commands.add_parser(
        "install", help="build the pinned environment each named target's emulator needs"
    )
    install.add_argument(
        "targets", nargs="*", metavar="TARGET", help="target names or aliases (default: all)"
    )

    sweep = commands.add_parser("sweep", help="delete what harness runs left on a target")
    sweep.add_argument("--target", default=os.environ.get("HARNESS_TARGET", "embedded"))
    sweep.add_argument("--endpoint-url", default=os.environ.get("HARNESS_ENDPOINT_URL"))
    sweep.add_argument("--aws-region", default=None)
    sweep.add_argument(
        "--aws-account-allowlist", default=os.environ.get("HARNESS_AWS_ACCOUNT_ALLOWLIST")
    )
    sweep.add_argument("--run-id", help="only this run's resources")
    sweep.add_argument(
        "--older-than",
        default=None,
        help="only runs started longer ago than this, e.g. 90m, 2h, 1d",
    )
    sweep.add_argument(
        "--from-ledger",
        action="store_true",
        help="only the runs whose failed destroys the leftovers ledger recorded for this target; "
        "entries whose resources are all gone are struck off",
    )
    sweep.add_argument("--dry-run", action="store_true", help="list, delete nothing")

    report = commands.add_parser(
        "report",
        help="the fidelity matrix of one or more runs' JSON reports, and the HTML run report",
    )
    report.add_argument("reports", nargs="+", type=Path, help="JSON run reports (--harness-report)")
    report.add_argument("--aws", type=Path, help="a nightly AWS run's JSON report: the reference")
    report.add_argument(
        "--html", type=Path, help="write the HTML report of the first run (with the matrix)"
    )
    report.add_argument("--matrix-md", type=Path, help="write the matrix as Markdown")
    report.add_argument("--matrix-json", type=Path, help="write the matrix as JSON")
    report.add_argument(
        "--previous", type=Path, help="an earlier --matrix-json: cells that changed are marked"
    )
    report.add_argument(
        "--fail-on-change",
        action="store_true",
        help="exit 1 when a cell changed since --previous",
    )

    args = parser.parse_args(argv)
    try:
        if args.command == "bootstrap":
            return _bootstrap()
        if args.command == "report":
            return _report(args)
        if args.command == "emulators":
            return _emulators(args)
        if args.command == "install":
            return _install(args.targets)
        return _sweep(args)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _bootstrap() -> int:
    started = time.monotonic()
    tools = toolchain.ensure(build_missing=True)
    say(f"CLI: {tools.cli} ({tools.cli_version})")
    if tools.providers_from == "registry":
        say("providers: the public registry answers; `init` will download them normally")
    else:
        say(f"providers: filesystem mirror {tools.mirror} (CLI config {tools.cli_config})")
        for pin in toolchain.PROVIDERS:
            binary = cache_dir() / "builds" / pin.build.key / pin.build.name
            size = binary.stat().st_size / 2**20
            say(
                f"  hashicorp/{pin.type} {pin.release}: {size:.0f} MiB ({pin.build.module}"
                f"@{pin.build.version})"
            )
    say(f"bootstrap finished in {format_seconds(time.monotonic() - started)}")
    return 0


def _emulators(args: argparse.Namespace) -> int:
    if args.into and not args.markdown:
        raise HarnessError("--into writes the Markdown table.", fix="add --markdown.")
    if args.names:
        print(" ".join(registry.names()))
    elif args.into:
        args.into.write_text(table.with_table(args.into.read_text()), encoding="utf-8")
        say(f"wrote the emulator table into {args.into}")
    else:
        print(table.markdown() if args.markdown else table.text(), end="")
    return 0


def _install(names: list[str]) -> int:
    """Build what each target's emulator runs from; say so for those with nothing to build."""
    wanted = names or list(registry.names())
    unknown = [n for n in wanted if registry.find(n) is None and n.lower() != "aws"]
    if unknown:
        raise HarnessError(
            f"Unknown target {', '.join(unknown)}: nothing to install.",
            fix=f"choose from {', '.join(target_names())}.",
        )
    for name in wanted:
        spec = registry.find(name)
        if spec is None:
            say("aws: a real account, no emulator to install")
        elif not spec.install.pinned:
            say(f"{spec.product} {spec.version}: {spec.install.describe()}, nothing to build")
        else:
            say(f"{spec.product} {spec.version}: {spec.install.ensure()}")
    return 0


def _report(args: argparse.Namespace) -> int:
    """Print the matrix; write the HTML page, the matrix as Markdown and JSON when asked."""
    runs = [fidelity.load_report(path) for path in args.reports]
    aws = fidelity.load_report(args.aws) if args.aws else None
    matrix = fidelity.build(runs, aws)
    if args.previous:
        try:
            previous = json.loads(args.previous.read_text())
        except (OSError, ValueError) as error:
            raise HarnessError(
                f"Cannot read the previous matrix {args.previous}: {error}",
                fix="pass a file written by `report --matrix-json`, or leave --previous out.",
            ) from error
        fidelity.compare(matrix, previous)
    print(matrix.to_text(), end="")
    shown = matrix if len(matrix.columns) > 1 or args.previous else None
    for path, text in (
        (args.html, lambda: html.render(runs[0], shown)),
        (args.matrix_md, matrix.to_markdown),
        (args.matrix_json, lambda: json.dumps(matrix.to_json(), indent=2) + "\n"),
    ):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(), encoding="utf-8")
            say(f"wrote {path}")
    changed = matrix.changed()
    for row, column, cell in changed:
        print(f"changed: {row.title} on {column.label}: {cell.was} -> {cell.outcome}")
    return 1 if changed and args.fail_on_change else 0


def parse_age(text: str | None) -> float | None:
    """`90m` -> 5400.0; `2h`, `1d`, `30s`; None stays None."""
    if text is None:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if not match:
        raise HarnessError(
            f"--older-than {text!r} is not an age.",
            fix="use a number with s, m, h or d, e.g. 90m or 2h.",
        )
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _sweep(args: argparse.Namespace) -> int:
    target = resolve_target(
        args.target, args.endpoint_url, args.aws_region, args.aws_account_allowlist
    )
    if target.started_by_harness:
        say(
            f"an emulator the harness starts for {target.name} keeps no state after its run "
            "ends: nothing to sweep (pass --endpoint-url to sweep a running emulator)"
        )
        return 0
    account = verify_target(target)
    older_than = parse_age(args.older_than)
    where = target.endpoint or f"account {account} in {target.region}"
    if args.from_ledger:
        run_ids = _ledger_runs(target, args.run_id)
        say(f"leftovers ledger {ledger.path()}: {len(run_ids)} run(s) recorded for {where}")
    else:
        run_ids = [args.run_id]
    verb = "would delete" if args.dry_run else "deleted"
    selected, failures = [], []
    for run_id in run_ids:
        found, failed = sweeper.sweep(target, run_id, older_than, dry_run=args.dry_run)
        selected += found
        failures += failed
        gone = not failed and not sweeper.find(target, run_id)  # nothing left, of any age
        if args.from_ledger and not args.dry_run and gone:
            ledger.strike(lambda e, r=run_id: e.run_id == r and _same_place(e, target))
    for leftover in selected:
        print(f"{verb}: {leftover.describe()}")
    say(
        f"sweep on {target.name} ({where}): {verb} {len(selected) - len(failures)} "
        f"resource(s), {len(failures)} failure(s)"
    )
    for failure in failures:
        print(f"failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _ledger_runs(target: Target, only: str | None) -> list[str]:
    """The run ids the ledger holds for this target, oldest first, each once."""
    runs = [e.run_id for e in ledger.entries() if _same_place(e, target)]
    return [r for r in dict.fromkeys(runs) if only is None or r == only]


def _same_place(entry: ledger.LedgerEntry, target: Target) -> bool:
    return (entry.target, entry.endpoint) == (target.name, target.endpoint) and (
        target.name != "aws" or entry.region == target.region
    )


if __name__ == "__main__":
    sys.exit(main())
