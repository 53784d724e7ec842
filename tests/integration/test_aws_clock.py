"""AWS's clock, rehearsed (docs/aws-clock.md): the suite's lifecycle, applied through the real
provider, on MiniStack behind the rehearsal proxy, which delays every AWS call, throttles some
and fails some with a 5xx, keeps the new mapping Creating and the deleted one Deleting, refuses
the new roles until "IAM" has propagated them and starts the producer cold. The run must still
pass, within the nightly job's limit for its test step, show its retries in the report, and
leave nothing behind.

The windows are AWS's (targets/aws.py AWS_CLOCK) scaled by TIME_SCALE = 1/6, so that the test
stays near two and a half minutes on 2 cores: Creating 60 s is rehearsed as 10 s, Deleting
10 s as 1.7 s, a cold start 1 s as 0.17 s. IAM propagation keeps AWS's 10 s: the producer's
function waits for it while the queues' own provider waits (~25 s) go on, so it costs the apply
nothing. The per-call delay (20-150 ms) and the rates (5 % throttled, 2 % 5xx) are not scaled.

Each client meets its own seeded stream of faults (`rehearsal.fates`). The child's own boto3
calls are few (a dozen), so SEED is one whose boto3 stream faults within its first three calls
(the target check, the mapping read, the producer's Invoke) and whose Terraform stream throttles
and fails with a 5xx within its first 150 of the ~220 calls an apply and destroy make:
`test_the_seed_meets_every_fault` checks that, so a changed seed says why it fails.
"""

from __future__ import annotations

import json
import time
from itertools import islice
from pathlib import Path

import pytest
import yaml

from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.rehearsal import KINDS, Rehearsal, RehearsalProxy, fates
from sqs_lambda_harness.targets.aws import AWS_CLOCK
from tests.integration.conftest import REPO, processes_of_run

pytestmark = pytest.mark.emulator
TIME_SCALE = 1 / 6  # AWS's 60 s Creating rehearsed as 10 s
SEED = 20261156  # boto3: 3rd call throttled; Terraform: 9 throttles, 2 5xx in its first 150
REHEARSAL = Rehearsal.of(
    time_scale=TIME_SCALE, seed=SEED, iam_propagation_s=AWS_CLOCK.iam_propagation_s
)
NIGHTLY = REPO / ".github" / "workflows" / "nightly.yml"
CHILD_TIMEOUT = 600.0  # the test fails long before the nightly limit if something hangs


def nightly_test_step_limit(workflow: Path = NIGHTLY) -> float:
    """Seconds the nightly job gives its `make test-aws` step (`timeout-minutes`)."""
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    for job in jobs.values():
        for step in job.get("steps", []):
            if "make test-aws" in step.get("run", "") and "timeout-minutes" in step:
                return float(step["timeout-minutes"]) * 60
    raise AssertionError(f"{workflow} has no make test-aws step with a timeout-minutes")


def test_the_seed_meets_every_fault() -> None:
    boto3_calls = [fault for _, fault, _ in islice(fates(REHEARSAL, "boto3"), 3)]
    terraform_calls = [fault for _, fault, _ in islice(fates(REHEARSAL, "terraform"), 150)]
    assert any(boto3_calls), boto3_calls
    assert {"throttle", "server_error"} <= set(terraform_calls)


def test_the_lifecycle_passes_on_aws_s_clock_and_its_retries_show(
    child_run, harness_target, tmp_path: Path, record_property
) -> None:
    report_path, counts_path = tmp_path / "child-report.json", tmp_path / "rehearsal.json"
    with RehearsalProxy(harness_target.endpoint or "", REHEARSAL) as proxy:
        started = time.monotonic()
        # own_emulator: no endpoint of the parent's is passed; the child gets the proxy's, so
        # the harness treats it as a target that outlives the run and destroys what it applied.
        child = child_run(
            "aws-clock",
            "--harness-endpoint-url",
            proxy.url,
            "--harness-report",
            str(report_path),
            own_emulator=True,
        )
        exit_code = child.wait(timeout=CHILD_TIMEOUT)
        wall = time.monotonic() - started
    proxy.counts.write(counts_path)
    counts = proxy.counts.to_json()
    injected = {kind: sum(counts["injected"][kind].values()) for kind in KINDS}
    record_property("child wall seconds", round(wall, 1))
    record_property("rehearsal", json.dumps(counts))
    print(f"\naws-clock: child {wall:.1f} s, injected {injected}, requests {counts['requests']}")

    assert exit_code == 0, child.output()[-5000:]
    assert "1 passed" in child.output(), child.output()[-3000:]
    assert wall <= nightly_test_step_limit(), f"{wall:.0f} s is over the nightly test step"
    # Every part of AWS's clock was met, and the lifecycle still went through.
    for kind in ("throttle", "server_error", "mapping_creating", "mapping_deleting"):
        assert injected[kind] > 0, (kind, counts)
    assert injected["iam_propagation"] > 0, counts  # the provider's CreateFunction retried
    assert injected["cold_start"] >= 1, counts  # the producer's first Invoke
    assert counts["injected"]["throttle"]["terraform"] > 0, counts
    assert counts["injected"]["throttle"]["boto3"] + counts["injected"]["server_error"]["boto3"]

    report = json.loads(report_path.read_text())
    [stack] = report["stacks"]
    assert (stack["stack"], stack["apply_ok"]) == ("stacks/pipeline", True), stack
    assert (stack["teardown"], stack["ok"]) == ("destroy", True), stack
    assert report["stack_summary"]["destroyed"] == 1
    [scenario] = [s for s in report["scenarios"] if "on_aws_s_clock" in s["nodeid"]]
    assert scenario["outcome"] == "passed", scenario

    # The retries show in the report: botocore's RetryAttempts, summed by the harness, are the
    # proxy's count of retried boto3 calls, and every throttle or 5xx it gave boto3 was retried.
    assert "usage" in report and "retries" in report["usage"], (
        "the run report has no usage.retries (the lead's usage counting)"
    )
    retried = report["usage"]["retries"]
    seen = counts["retries"]["boto3"]
    assert sum(retried.values()) == sum(seen.values()), (retried, seen)
    assert retried == seen, (retried, seen)
    assert sum(counts["faults"]["boto3"].values()) == sum(seen.values()), counts
    assert sum(seen.values()) > 0

    # Nothing leaks: no leftovers reported, nothing of the run on the emulator, no process.
    assert report["leftovers"] == []
    assert sweeper.find(harness_target, child.run_id) == []
    assert processes_of_run(child.work) == []
