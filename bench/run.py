"""`make bench`: the figures the README quotes, measured in one run on one machine.

1. `make test-local` as a user runs it, once per teardown mode (discard, the default on the
   embedded target, and destroy), whole-command wall time, and its JSON report.
2. The floor F = the pipeline stack's apply alone (an idle machine, a fresh emulator, nothing
   else running) + the longest inherent wait of any scenario (from the suite's report). The
   ratio wall / F says how close the suite comes to the time of the behaviour it proves.
3. Destroy through the provider: the pipeline stack alone, and every stack of the destroy run.
4. Apply under load (the suite's stacks applied at once) against the same stack alone.
5. The three-function demonstration as a one-test run: its total wall time against the time of
   its behaviour (the test body).
6. Throughput: 1,000 messages through the SQS -> Lambda mapping, with zero loss.

No ratio here divides by something that contains the provider waits being optimised: a suite
wall over "the slowest scenario run alone, apply to destroy" shrinks as destroys get slower.

Writes reports/bench.json and prints a table. A benchmark, not a test: it asserts nothing
beyond zero message loss, which would make every other figure meaningless.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from sqs_lambda_harness import probes, processes
from sqs_lambda_harness.log import say
from sqs_lambda_harness.targets import started as started_emulator
from sqs_lambda_harness.terraform import toolchain
from sqs_lambda_harness.terraform.stacks import Run, StackManager, new_run_id, utc_now

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO / "reports"
DEMO = "tests/e2e/test_long_poll.py::test_classic_three_function_demonstration"
# A whole `make test-local` takes minutes on 2 cores; only a hung one reaches this.
COMMAND_TIMEOUT = 2 * 3600.0


def timed(command: list[str], log: Path) -> tuple[float, int]:
    """Run a whole command as a user would; (wall seconds, exit code). Output goes to `log`."""
    say(f"timing: {' '.join(command)} (output: {log})")
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as output:
        code = processes.run(
            command, timeout=COMMAND_TIMEOUT, what=" ".join(command), log=output, cwd=REPO
        ).returncode
    return time.monotonic() - started, code


def suite(mode: str) -> dict[str, Any]:
    """`make test-local TEARDOWN=<mode>`: its wall time and what its report says."""
    reports = REPORTS / f"bench-{mode}"
    (reports / "e2e-report.json").unlink(missing_ok=True)  # never a figure from an older run
    wall, code = timed(
        ["make", "test-local", f"TEARDOWN={mode}", f"REPORTS={reports}"], reports / "output.log"
    )
    report = json.loads((reports / "e2e-report.json").read_text())
    pipelines = [s for s in report["stacks"] if s["stack"] == "stacks/pipeline"]
    return {
        "wall_seconds": round(wall, 1),
        "exit_code": code,
        "teardown": report["teardown"],
        "outcomes": _count(s["outcome"] for s in report["scenarios"]),
        "longest_inherent_wait": max(
            m["value"]
            for s in report["scenarios"]
            for m in s["measurements"]
            if m["name"] == "inherent wait"
        ),
        "stack_summary": report["stack_summary"],
        # (resources, seconds): compared with the stack alone where the configuration matches
        "pipeline_applies": [[s["resources"], s["apply_seconds"]] for s in pipelines],
        "stacks": [
            {
                "stack": s["stack"],
                "prefix": s["prefix"],
                "apply_seconds": s["apply_seconds"],
                "teardown_seconds": s["teardown_seconds"],
            }
            for s in report["stacks"]
        ],
    }


def demonstration() -> dict[str, Any]:
    """The three-function demonstration alone, as one pytest run in the default mode. Its
    behaviour is the test body less the apply of its stack (which the body starts)."""
    report = REPORTS / "bench-demo.json"
    report.unlink(missing_ok=True)  # never a figure from an older run
    wall, code = timed(
        [
            sys.executable,
            "-m",
            "pytest",
            DEMO,
            "-q",
            "-p",
            "no:xdist",
            f"--harness-report={report}",
        ],
        REPORTS / "bench-demo.log",
    )
    data = json.loads(report.read_text())
    (scenario,) = data["scenarios"]
    behaviour = scenario["seconds"] - sum(s["apply_seconds"] for s in data["stacks"])
    return {
        "total_seconds": round(wall, 1),
        "exit_code": code,
        "behaviour_seconds": round(behaviour, 2),
        "total_over_behaviour": round(wall / behaviour, 2),
    }


def alone(manager: StackManager, rounds: int) -> dict[str, Any]:
    """stacks/pipeline applied, then destroyed through the provider, with nothing else running."""
    applies, destroys, resources = [], [], 0
    for round_number in range(rounds):
        applied = manager.apply("stacks/pipeline", label=f"bench-alone-{round_number}")
        resources = applied.resources
        started = time.monotonic()
        manager.destroy(applied)
        applies.append(applied.apply_seconds)
        destroys.append(time.monotonic() - started)
        say(
            f"alone {round_number + 1}/{rounds}: "
            f"apply {applies[-1]:.1f}s, destroy {destroys[-1]:.1f}s"
        )
    return {
        "rounds": rounds,
        "resources": resources,
        "apply_seconds": [round(t, 2) for t in applies],
        "destroy_seconds": [round(t, 2) for t in destroys],
        "apply_median": round(median(applies), 2),
        "destroy_median": round(median(destroys), 2),
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
        manager.discard(applied)  # the emulator is stopped right after


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="pipeline apply/destroy alone")
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    REPORTS.mkdir(exist_ok=True)

    results: dict[str, Any] = {"machine": {"cores": os.cpu_count()}, "started_at": utc_now()}
    results["suite"] = {mode: suite(mode) for mode in ("discard", "destroy")}
    results["demonstration"] = demonstration()

    tools = toolchain.ensure(build_missing=False)
    results["cli"] = tools.cli_version
    with started_emulator("embedded", REPO / ".harness" / "bench") as ministack:
        run = Run(new_run_id(), utc_now(), REPO / ".harness" / "bench")
        manager = StackManager(tools, ministack.target, run, REPO / "terraform")
        results["pipeline_alone"] = alone(manager, args.rounds)
        results["throughput"] = throughput(manager, args.messages)

    wait = results["suite"]["discard"]["longest_inherent_wait"]
    floor = results["pipeline_alone"]["apply_median"] + wait
    results["floor_seconds"] = round(floor, 2)
    for figures in results["suite"].values():
        figures["wall_over_floor"] = round(figures["wall_seconds"] / floor, 2)
    (REPORTS / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    return 0


def print_table(results: dict[str, Any]) -> None:
    alone, suites = results["pipeline_alone"], results["suite"]
    wait = suites["discard"]["longest_inherent_wait"]
    print(
        f"\nfloor F = pipeline apply alone {alone['apply_median']} s (median of "
        f"{alone['rounds']}) + longest inherent wait {wait:g} s = {results['floor_seconds']} s"
    )
    for mode, s in suites.items():
        summary = s["stack_summary"]
        print(
            f"make test-local TEARDOWN={mode}: {s['wall_seconds']} s = {s['wall_over_floor']} x F "
            f"(exit {s['exit_code']}, {s['outcomes']}); {summary['applied']} stacks, apply median "
            f"{summary['apply_median_seconds']} s, destroy median "
            f"{summary['destroy_median_seconds']} s"
        )
    # The suite's pipelines of the same configuration (its default inputs, with the DLQ: the
    # same resource count); most of the suite's pipelines go without a DLQ, a shorter apply.
    same = [t for n, t in suites["discard"]["pipeline_applies"] if n == alone["resources"]]
    load = f"{median(same)} s (median of {len(same)})" if same else "none of that configuration"
    print(
        f"pipeline apply: {load} under load (suite, discard, slot wait included) vs "
        f"{alone['apply_median']} s alone"
    )
    print(f"pipeline destroy alone: {alone['destroy_median']} s (median of {alone['rounds']})")
    print("destroy per stack (destroy run):")
    for s in suites["destroy"]["stacks"]:
        print(f"  {s['prefix']:<34} {s['stack']:<18} {s['teardown_seconds']:6.1f} s")
    demo = results["demonstration"]
    print(
        f"three-function demonstration alone: {demo['total_seconds']} s total for "
        f"{demo['behaviour_seconds']} s of behaviour = {demo['total_over_behaviour']} x"
    )
    t = results["throughput"]
    print(
        f"throughput: {t['messages']} messages end to end in {t['end_to_end_seconds']} s = "
        f"{t['messages_per_second']} msg/s, lost {t['lost']}, duplicates {t['duplicates']}"
    )
    print(f"report: {REPORTS / 'bench.json'}")


def _count(outcomes: Any) -> dict[str, int]:
    counted: dict[str, int] = {}
    for outcome in outcomes:
        counted[outcome] = counted.get(outcome, 0) + 1
    return counted


if __name__ == "__main__":
    sys.exit(main())
