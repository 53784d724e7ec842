"""`make bench`: the figures the README quotes, measured in one run on one machine.

1. The behaviour suite's wall time in parallel (xdist) and serially, and each scenario's own
   time next to its inherent wait (from the suite's JSON reports). The scenario that was
   slowest in the parallel run is then run on its own, the same way (session start, apply,
   test, destroy), so "parallel wall / slowest scenario" compares like with like.
2. Harness overhead: apply + destroy of stacks/pipeline through the harness vs the bare CLI
   doing the same init/apply/destroy in a plain copy (alternating, medians).
3. Throughput: 1,000 messages through the SQS -> Lambda mapping, with zero loss.

Writes reports/bench.json and prints a table. A benchmark, not a test: it asserts nothing
beyond zero message loss, which would make every other figure meaningless.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import probes, toolchain
from harness.emulator import start_ministack
from harness.progress import say
from harness.stacks import IGNORED_IN_COPIES, Run, StackManager, new_run_id, utc_now
from harness.targets import resolve_target, verify_target

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO / "reports"


def suite_run(mode: str, workers: int, nodeid: str = "tests/e2e") -> dict[str, Any]:
    """One pytest run of the suite (or of one scenario), its wall time and its JSON report."""
    report = REPORTS / f"bench-suite-{mode}.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        nodeid,
        "-q",
        "-p",
        "no:cacheprovider",
        f"--harness-report={report}",
    ]
    command += (
        ["-n", str(workers), "--dist", "worksteal"] if mode == "parallel" else ["-p", "no:xdist"]
    )
    say(f"suite, {mode}: {' '.join(command[3:])}")
    started = time.monotonic()
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - started
    if completed.returncode != 0:
        print(completed.stdout[-5000:], completed.stderr[-3000:], sep="\n")
    data = json.loads(report.read_text())
    scenarios = {
        s["title"]: {
            "nodeid": s["nodeid"],
            "seconds": round(s["seconds"], 2),
            "outcome": s["outcome"],
            "inherent_wait": next(
                (m["value"] for m in s["measurements"] if m["name"] == "inherent wait"), None
            ),
        }
        for s in data["scenarios"]
    }
    return {
        "wall_seconds": round(wall, 1),
        "exit_code": completed.returncode,
        "scenarios": scenarios,
        "stack_summary": data["stack_summary"],
    }


def overhead(manager: StackManager, rounds: int) -> dict[str, Any]:
    """Harness apply+destroy vs the bare CLI on the same stack, alternating to share noise."""
    tools, target = manager.toolchain, manager.target
    env = {**target.env(), **tools.env()}
    harness_times, bare_times = [], []
    for round_number in range(rounds):
        started = time.monotonic()
        applied = manager.apply("stacks/pipeline", label="bench-harness")
        manager.destroy(applied)
        harness_times.append(time.monotonic() - started)

        work = Path(tempfile.mkdtemp(prefix="bench-bare-"))
        shutil.copytree(REPO / "terraform", work / "terraform", ignore=IGNORED_IN_COPIES)
        stack_dir = work / "terraform" / "stacks" / "pipeline"
        prefix = f"hx-{manager.run.id}-b-bare-{round_number}"
        variables = json.dumps({"name_prefix": prefix, "tags": manager.run.tags("bench-bare")})
        (stack_dir / "bench.auto.tfvars.json").write_text(variables)
        started = time.monotonic()
        for args in (
            ["init", "-input=false"],
            ["apply", "-input=false", "-auto-approve"],
            ["destroy", "-input=false", "-auto-approve"],
        ):
            subprocess.run(
                [str(tools.cli), *args],
                cwd=stack_dir,
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
        bare_times.append(time.monotonic() - started)
        shutil.rmtree(work, ignore_errors=True)
        say(
            f"overhead round {round_number + 1}/{rounds}: harness {harness_times[-1]:.1f}s, "
            f"bare CLI {bare_times[-1]:.1f}s"
        )
    harness_median, bare_median = probes.median(harness_times), probes.median(bare_times)
    return {
        "rounds": rounds,
        "harness_seconds": [round(t, 2) for t in harness_times],
        "bare_cli_seconds": [round(t, 2) for t in bare_times],
        "harness_median": round(harness_median, 2),
        "bare_cli_median": round(bare_median, 2),
        "overhead_ratio": round(harness_median / bare_median, 3),
    }


def throughput(manager: StackManager, count: int) -> dict[str, Any]:
    """`count` messages produced, consumed through the mapping, all found in the sink."""
    applied = manager.apply("stacks/pipeline", {"maximum_concurrency": 5}, label="bench-tput")
    try:
        sqs, lambda_client = manager.target.client("sqs"), manager.target.client("lambda")
        ids = [f"t{i:05d}" for i in range(count)]
        sink = probes.Sink(sqs, applied["sink_queue_url"])
        started = time.monotonic()
        for chunk in range(0, count, 100):
            payload = {
                "messages": [{"body": json.dumps({"id": i})} for i in ids[chunk : chunk + 100]]
            }
            result = probes.invoke(lambda_client, applied["producer_function_name"], payload)
            assert not result.payload["failed"], result.payload
        produced = time.monotonic() - started
        sink.collect(probes.has_ids(ids), timeout=600, what=f"{count} messages in the sink")
        total = time.monotonic() - started
        lost = set(ids) - set(sink.ids("ok"))
        assert not lost, f"lost {len(lost)} messages"
        return {
            "messages": count,
            "produce_seconds": round(produced, 2),
            "end_to_end_seconds": round(total, 2),
            "messages_per_second": round(count / total, 1),
            "lost": len(lost),
            "duplicates": len(sink.ids("ok")) - len(set(sink.ids("ok"))),
        }
    finally:
        manager.destroy(applied)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", 8)))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--skip-serial", action="store_true")
    args = parser.parse_args()
    REPORTS.mkdir(exist_ok=True)

    results: dict[str, Any] = {"machine": {"cores": os.cpu_count()}, "started_at": utc_now()}
    results["suite_parallel"] = suite_run("parallel", args.workers)
    slowest = max(results["suite_parallel"]["scenarios"].values(), key=lambda s: s["seconds"])
    results["slowest_alone"] = suite_run("alone", 1, slowest["nodeid"])
    if not args.skip_serial:
        results["suite_serial"] = suite_run("serial", 1)

    tools = toolchain.ensure(build_missing=False)
    emulator = start_ministack(REPO / ".harness" / "bench")
    try:
        target = resolve_target("embedded", endpoint=emulator.endpoint)
        verify_target(target)
        run = Run(new_run_id(), utc_now(), REPO / ".harness" / "bench")
        manager = StackManager(tools, target, run, REPO / "terraform")
        results["emulator_start_seconds"] = round(emulator.start_seconds, 2)
        results["overhead"] = overhead(manager, args.rounds)
        results["throughput"] = throughput(manager, args.messages)
    finally:
        emulator.stop()

    parallel = results["suite_parallel"]
    results["parallel_vs_slowest_scenario"] = round(
        parallel["wall_seconds"] / results["slowest_alone"]["wall_seconds"], 2
    )
    if "suite_serial" in results:
        results["serial_vs_parallel"] = round(
            results["suite_serial"]["wall_seconds"] / parallel["wall_seconds"], 2
        )
    (REPORTS / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    return 0


def print_table(results: dict[str, Any]) -> None:
    parallel = results["suite_parallel"]
    print("\nscenario                                                          own s  inherent s")
    for title, s in sorted(parallel["scenarios"].items(), key=lambda kv: -kv[1]["seconds"]):
        wait = "" if s["inherent_wait"] is None else f"{s['inherent_wait']:.0f}"
        print(f"  {title[:62]:<62} {s['seconds']:6.1f}  {wait:>8}")
    alone = results["slowest_alone"]
    (title,) = alone["scenarios"]
    print(
        f"\nsuite wall, parallel ({parallel['stack_summary']['applied']} stacks): "
        f"{parallel['wall_seconds']} s = {results['parallel_vs_slowest_scenario']} x the "
        f"slowest scenario run alone ({title}: {alone['wall_seconds']} s, apply to destroy)"
    )
    if "suite_serial" in results:
        print(
            f"suite wall, serial: {results['suite_serial']['wall_seconds']} s "
            f"({results['serial_vs_parallel']} x parallel)"
        )
    o = results["overhead"]
    print(
        f"apply+destroy stacks/pipeline: harness {o['harness_median']} s vs bare CLI "
        f"{o['bare_cli_median']} s (median of {o['rounds']}): ratio {o['overhead_ratio']}"
    )
    t = results["throughput"]
    print(
        f"throughput: {t['messages']} messages end to end in {t['end_to_end_seconds']} s = "
        f"{t['messages_per_second']} msg/s, lost {t['lost']}, duplicates {t['duplicates']}"
    )
    print(
        f"MiniStack start: {results['emulator_start_seconds']} s\nreport: {REPORTS / 'bench.json'}"
    )


if __name__ == "__main__":
    sys.exit(main())
