"""The nightly AWS job, dry run: its steps in order, read from .github/workflows/nightly.yml,
against MiniStack enforcing IAM (AUTH=true, TLS) standing in for the AWS test account, behind
the rehearsal proxy replaying AWS's clock (sqs_lambda_harness.rehearsal: every call delayed,
5 % throttled, 2 % failed with a 5xx; docs/aws-clock.md). So a
change that breaks the nightly job (a step, an expression, the role's policy, the allow-list,
the run id, the sweeps, the summary) breaks `make test` first.

What stands in for what: the role is the ci-role module's policy (as MiniStack can enforce it:
tests/iam/proof.for_ministack) on a role the account trusts, assumed through STS where GitHub's
OIDC would be; the account is MiniStack's (000000000000), the only one allow-listed; the
emulator's declared capabilities apply (HARNESS_AWS_STAND_IN). The suite runs without the
scenarios that need Lambda to run functions (`-k "not needs_lambda_execution"`): MiniStack runs
functions as their execution roles and authorises SQS batch calls under their own names
(`sqs:SendMessageBatch`), where AWS authorises them as `sqs:SendMessage`, so the stacks' own
least-privilege functions are refused there (measured: the producer's SendMessageBatch answered
AccessDenied "… not authorized to perform: sqs:SendMessageBatch"). The role's rights over those
stacks are proven by `make test-iam`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.rehearsal import Rehearsal, RehearsalProxy
from sqs_lambda_harness.terraform import toolchain
from tests.iam import proof
from tests.iam.emulator import enforcing_ministack
from tests.nightly.workflow import Job, StepResult, load

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "nightly.yml"
JOB = "aws"
ACCOUNT = proof.ACCOUNT
ROLE = "hx-nightly-dry-run"
WITHOUT_LAMBDA = '-k "not needs_lambda_execution"'
# AWS's clock unscaled (targets/aws.py); its rates of throttles and 5xx (Rehearsal's own).
REHEARSAL = Rehearsal(seed=29)
# Every step's outcome, seconds and output tail, and what the proxy injected.
REPORT = REPO / "reports" / "nightly-dry-run.json"


def checkout(job: Job, inputs: dict[str, str]) -> dict[str, str]:
    """The workspace is this clone, as actions/checkout leaves it (HEAD checked out)."""
    subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, check=True, capture_output=True)
    return {}


def setup_python(job: Job, inputs: dict[str, str]) -> dict[str, str]:
    """This machine's python3 must be the version the workflow asks for, or newer."""
    wanted = tuple(int(p) for p in inputs["python-version"].split(".")[:2])
    found = subprocess.run(
        ["python3", "-c", "import sys; print(*sys.version_info[:2])"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert tuple(int(p) for p in found) >= wanted, f"python3 {found} < {wanted}"
    return {}


def provided(job: Job, inputs: dict[str, str]) -> dict[str, str]:
    """Go, caches: this machine has them (the harness builds its tools once, cached)."""
    return {}


def upload_artifact(job: Job, inputs: dict[str, str]) -> dict[str, str]:
    """The files the workflow uploads must be there (it only warns when they are not)."""
    patterns = [p.strip() for p in inputs["path"].splitlines() if p.strip()]
    found = [
        f for p in patterns for f in REPO.glob(p.rstrip("/") + ("/*" if p.endswith("/") else ""))
    ]
    assert found, f"nothing to upload at {patterns}"
    return {}


def configure_credentials(job: Job, inputs: dict[str, str]) -> dict[str, str]:
    """OIDC's stand-in: the role assumed through STS with the account's keys."""
    admin = job.dry_run["admin"]  # type: ignore[attr-defined]
    duration = int(inputs.get("role-duration-seconds", "3600"))
    assert duration <= 3600, "above every role's default MaxSessionDuration"
    answer = admin.client("sts").assume_role(
        RoleArn=inputs["role-to-assume"],
        RoleSessionName=inputs["role-session-name"],
        DurationSeconds=duration,
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": answer["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": answer["SecretAccessKey"],
        "AWS_SESSION_TOKEN": answer["SessionToken"],
        "AWS_REGION": inputs["aws-region"],
        "AWS_DEFAULT_REGION": inputs["aws-region"],
    }


STAND_INS = {
    "actions/checkout": checkout,
    "actions/setup-python": setup_python,
    "actions/setup-go": provided,
    "actions/cache": provided,
    "aws-actions/configure-aws-credentials": configure_credentials,
    "actions/upload-artifact": upload_artifact,
}


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The job run once: {"results": [StepResult], "job": Job, "run_id", "remaining",
    "rehearsed": what the proxy injected}."""
    try:
        tools = toolchain.ensure(build_missing=False)
    except HarnessError as error:
        pytest.skip(f"no usable Terraform toolchain: {error.problem}")
    base = tmp_path_factory.mktemp("nightly")
    with (
        enforcing_ministack(base / "emulator") as emulator,
        RehearsalProxy(
            emulator.endpoint,
            REHEARSAL,
            certificate=(emulator.ca_bundle, emulator.key),
            ca_bundle=emulator.ca_bundle,
        ) as proxy,
    ):
        admin = proof.admin(emulator.endpoint, str(emulator.ca_bundle))
        module = proof.apply_ci_role(admin, tools, proof_module(), base / "ci-role")
        role = role_for_the_job(admin, json.loads(module["policy_json"]))
        workflow, job_data = load(WORKFLOW, JOB)
        variables = {"AWS_TEST_ROLE_ARN": role, "AWS_TEST_ACCOUNT_IDS": ACCOUNT}
        github = {"run_id": "4242", "run_attempt": "1", "workspace": str(REPO)}
        job = Job(job_data["steps"], {}, variables, github, base, STAND_INS)
        job.dry_run = {"admin": admin}  # type: ignore[attr-defined]
        job.env = {k: str(job.substitute(str(v), {})) for k, v in workflow["env"].items()}
        job.env.update(
            {
                # where the AWS test account is, here: the stand-in, behind AWS's clock
                "HARNESS_ENDPOINT_URL": proxy.url,
                "AWS_CA_BUNDLE": str(emulator.ca_bundle),
                "HARNESS_AWS_STAND_IN": "embedded",
                "E2E_ARGS": WITHOUT_LAMBDA,
                "HARNESS_WORK_DIR": str(base / "work"),
            }
        )
        saved = {k: os.environ.pop(k) for k in CREDENTIAL_VARIABLES if k in os.environ}
        try:
            results = job.run()
        finally:
            os.environ.update(saved)
        run_id = job.exported.get("HARNESS_RUN_ID", "")
        remaining = [leftover.describe() for leftover in sweeper.find(admin)]
        rehearsed = proxy.counts.to_json()
        steps = [{**dataclasses.asdict(r), "output": r.output[-2000:]} for r in results]
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps({"steps": steps, "rehearsed": rehearsed}, indent=2) + "\n")
        yield {
            "results": results,
            "job": job,
            "run_id": run_id,
            "remaining": remaining,
            "rehearsed": rehearsed,
        }
        module["runner"].destroy()


CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                        "AWS_PROFILE", "HARNESS_ENDPOINT_URL", "HARNESS_RUN_ID")  # fmt: skip


def proof_module() -> Path:
    return REPO / "terraform" / "modules" / "ci-role"


def role_for_the_job(admin: proof.AsRole, policy: dict[str, Any]) -> str:
    """The role the workflow assumes: the module's policy, trusted by the account."""
    return proof.create_role(admin, ROLE, proof.for_ministack(policy))


def by_name(results: list[StepResult]) -> dict[str, StepResult]:
    return {r.name: r for r in results}


def test_every_step_of_the_nightly_job_succeeds_in_order(dry_run) -> None:
    failed = [
        f"{r.name}:\n{r.output[-3000:]}" for r in dry_run["results"] if r.outcome != "success"
    ]
    assert failed == [], "\n\n".join(failed)
    _, job = load(WORKFLOW, JOB)
    assert [r.name for r in dry_run["results"]] == [
        s.get("name", s.get("uses")) for s in job["steps"]
    ]


def test_the_suite_ran_as_the_role_within_its_limit_and_reported_its_cost(dry_run) -> None:
    tests = by_name(dry_run["results"])["make test-aws"]
    _, job = load(WORKFLOW, JOB)
    limit = next(s for s in job["steps"] if s.get("id") == "tests")["timeout-minutes"] * 60
    assert tests.seconds < limit
    assert "target aws (" in tests.output and "teardown destroy" in tests.output
    assert " passed" in tests.output and " failed" not in tests.output
    assert "cost: this run's cost $" in tests.output
    report = json.loads((REPO / "reports" / "e2e-report.json").read_text())
    assert report["run_id"] == dry_run["run_id"]
    assert report["usage"]["requests"].get("sqs:SendMessage", 0) > 0
    assert report["cost"]["usd"] > 0
    summary = (dry_run["job"].workdir / "step-summary.md").read_text()
    assert f"Nightly AWS run `{dry_run['run_id']}`" in summary
    assert "cost of this run: $" in summary


def test_the_sweeps_ran_as_the_role_and_nothing_is_left(dry_run) -> None:
    steps = by_name(dry_run["results"])
    for name in ("Sweep what this run left", "Sweep leftovers of older runs"):
        assert steps[name].outcome == "success", steps[name].output[-2000:]
    assert dry_run["remaining"] == []


def test_the_job_passed_on_aws_clock_with_its_retries_in_the_report(dry_run) -> None:
    """Throttles and 5xx met Terraform and boto3 alike; each was retried, and the harness's own
    retries are in the run's report (the rest were the sweeps', in processes of their own)."""
    injected = dry_run["rehearsed"]["injected"]
    for client in ("terraform", "boto3"):
        assert injected["throttle"][client] + injected["server_error"][client] > 0, injected
    retried_by_boto3 = sum(dry_run["rehearsed"]["retries"]["boto3"].values())
    report = json.loads((REPO / "reports" / "e2e-report.json").read_text())
    in_report = sum(report["usage"]["retries"].values())
    assert 0 < in_report <= retried_by_boto3, (in_report, dry_run["rehearsed"])
