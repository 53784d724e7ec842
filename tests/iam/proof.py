"""The machinery of the CI role's proof: a target that speaks as a role, the role's policy as
MiniStack can enforce it, and the steps a statement governs (apply, destroy, sweep).

Every run applies through the harness's own `StackManager` (the same working copies, runner,
provider mirror and tags as the suite) and sweeps with the harness's own sweeper, only with the
role's credentials instead of the emulator's root keys.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from sqs_lambda_harness import probes, waits
from sqs_lambda_harness.cleanup import sweeper
from sqs_lambda_harness.targets import Target
from sqs_lambda_harness.terraform.naming import Run, utc_now
from sqs_lambda_harness.terraform.runner import Runner
from sqs_lambda_harness.terraform.stacks import ApplySlots, StackManager
from sqs_lambda_harness.terraform.toolchain import Toolchain

ACCOUNT = "000000000000"  # MiniStack's
ROOT_KEYS = ("test", "test", "")

# Where MiniStack's IAM differs from AWS, the policy it is given differs, each change named:
# conditions on keys MiniStack does not model are dropped (it evaluates them absent, so the
# statement would never apply); CreateFunction is granted on "*" as well, because MiniStack
# authorizes it on "*" rather than on the function's ARN; SQS's batch calls are granted under
# their own names too, because MiniStack authorizes SendMessageBatch as sqs:SendMessageBatch
# where AWS authorizes it as sqs:SendMessage (likewise Delete and ChangeMessageVisibility;
# measured: "not authorized to perform: sqs:DeleteMessageBatch"). A companion statement goes
# with its statement when that one is removed. What these changes leave unproven here is
# proven by the static check (test_ci_role_policy.py, REQUESTS).
UNMODELLED_CONDITION_KEYS = ("lambda:functionarn", "iam:passedtoservice", "iam:policyarn")
BATCH_NAMES = {
    f"sqs:{single.lower()}": f"sqs:{single}Batch"
    for single in ("SendMessage", "DeleteMessage", "ChangeMessageVisibility")
}
COMPANIONS = {
    "HarnessFunctions": {
        "Sid": "HarnessFunctionsCreateOnMiniStack",
        "Effect": "Allow",
        "Action": ["lambda:CreateFunction"],
        "Resource": ["*"],
    }
}


def for_ministack(policy: dict[str, Any], without: str | None = None) -> dict[str, Any]:
    """The policy as MiniStack can enforce it, without the statement `without` (and its
    companion)."""
    statements = []
    for original in policy["Statement"]:
        if original["Sid"] == without:
            continue
        statement = copy.deepcopy(original)
        for operator, keys in list(statement.get("Condition", {}).items()):
            for key in [k for k in keys if k.lower() in UNMODELLED_CONDITION_KEYS]:
                del keys[key]
            if not keys:
                del statement["Condition"][operator]
        if "Condition" in statement and not statement["Condition"]:
            del statement["Condition"]
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = actions + [
            BATCH_NAMES[a.lower()] for a in actions if a.lower() in BATCH_NAMES
        ]
        statements.append(statement)
        if statement["Sid"] in COMPANIONS:
            statements.append(COMPANIONS[statement["Sid"]])
    return {"Version": policy["Version"], "Statement": statements}


@dataclass(frozen=True)
class AsRole(Target):
    """A target reached with given credentials (a role's session, or the root keys) over TLS
    with a certificate of our own: for the Terraform CLI (env) and boto3 (client) alike."""

    keys: tuple[str, str, str] = ROOT_KEYS
    ca_bundle: str = ""

    def env(self) -> dict[str, str]:
        access, secret, token = self.keys
        return {
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint or "",
            "AWS_CA_BUNDLE": self.ca_bundle,
            "AWS_ACCESS_KEY_ID": access,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": token,
            "AWS_PROFILE": "",
        }

    def client(self, service: str) -> Any:
        access, secret, token = self.keys
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            verify=self.ca_bundle,
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            aws_session_token=token or None,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=30),
        )


def admin(endpoint: str, ca_bundle: str) -> AsRole:
    return AsRole(name="embedded", region="us-east-1", endpoint=endpoint, ca_bundle=ca_bundle)


def role_target(root: AsRole, name: str, policy: dict[str, Any]) -> AsRole:
    """Create role `name` with `policy` inline (trusting the account, for sts:AssumeRole) and
    return the target that speaks as its session."""
    role_arn = create_role(root, name, policy)
    credentials = root.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=name)
    c = credentials["Credentials"]
    return dataclasses.replace(
        root, keys=(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    )


def create_role(root: AsRole, name: str, policy: dict[str, Any]) -> str:
    """Role `name` with `policy` inline, trusting the account (for sts:AssumeRole): its ARN."""
    iam = root.client("iam")
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    iam.put_role_policy(RoleName=name, PolicyName="ci", PolicyDocument=json.dumps(policy))
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


ADMIN_CLEANUP = "by the admin, after the role could not"
DENIED = re.compile(r"not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)")


def denied_actions(text: str) -> list[str]:
    return DENIED.findall(text)


@dataclass
class Outcome:
    """What one run did: its steps, the first error (text), the actions refused, and what was
    left once it ended (found by the sweeper as admin, then removed)."""

    name: str
    removed: str | None
    steps: list[str] = field(default_factory=list)
    error: str = ""
    denied: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    cleanup: str = ""  # how its resources went: "as the role", or ADMIN_CLEANUP
    seconds: float = 0.0


@dataclass
class Proof:
    """One emulator, many roles: each run applies, destroys or sweeps as its role."""

    root: AsRole
    toolchain: Toolchain
    terraform_root: Path
    directory: Path
    slots: ApplySlots
    policy: dict[str, Any]

    def run(self, name: str, removed: str | None, steps: list[str]) -> Outcome:
        started = time.monotonic()
        outcome = Outcome(name, removed, steps)
        target = role_target(
            self.root, f"ci-{name}-{uuid.uuid4().hex[:4]}", for_ministack(self.policy, removed)
        )
        run = Run(id=uuid.uuid4().hex[:6], started_at=utc_now(), directory=self.directory / name)
        manager = StackManager(
            self.toolchain, target, run, self.terraform_root, teardown="destroy",
            ephemeral=True, timeout=300, slots=self.slots,
        )  # fmt: skip
        live = []
        try:
            for step in steps:
                STEPS[step](self, manager, target, run, live, outcome)
        except Exception as error:  # the expected refusal, or a failure to report
            outcome.error = _explain(error)
            outcome.denied = denied_actions(outcome.error)
        finally:
            self._clean_up(manager, run, live, outcome)
            outcome.seconds = time.monotonic() - started
        return outcome

    def _clean_up(self, manager: StackManager, run: Run, live: list, outcome: Outcome) -> None:
        """What the run created goes: by the role where it still can, else by the admin; the
        sweeper as admin must then find nothing of the run."""
        outcome.cleanup = "as the role"
        for applied in [*live, *manager.live]:
            if applied.destroyed:
                continue
            try:
                manager.destroy(applied)
            except Exception:
                self._destroy_as_admin(applied.workdir, outcome)
        for record in manager.history:  # a failed apply the role could not destroy
            if not record.ok:
                workdir = run.directory / "stacks" / record.prefix / "terraform" / record.stack
                self._destroy_as_admin(workdir, outcome)
        if sweeper.find(self.root, run_id=run.id):
            outcome.cleanup = ADMIN_CLEANUP
            sweeper.sweep(self.root, run_id=run.id, dry_run=False)
        found = sweeper.find(self.root, run_id=run.id)
        outcome.leftovers = [leftover.describe() for leftover in found]

    def _destroy_as_admin(self, workdir: Path, outcome: Outcome) -> None:
        outcome.cleanup = ADMIN_CLEANUP
        env = {**self.root.env(), **self.toolchain.env()}
        Runner(self.toolchain.cli, workdir, env, workdir / "admin-destroy.log", 300).destroy()


def _explain(error: BaseException) -> str:
    parts = []
    while error is not None and len(parts) < 5:
        parts.append(f"{type(error).__name__}: {error}")
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return "\n".join(parts)


# --- steps ------------------------------------------------------------------------------------


def _apply(stack: str) -> Callable[..., None]:
    def step(proof, manager, target, run, live, outcome) -> None:
        applied = manager.apply(stack, label=Path(stack).name)
        live.append(applied)

    return step


def _destroy(proof, manager, target, run, live, outcome) -> None:
    for applied in list(live):
        manager.destroy(applied)


def _sweep(proof, manager, target, run, live, outcome) -> None:
    """The sweeper as the role, on this run's resources: it must find them and delete all."""
    selected, failures = sweeper.sweep(target, run_id=run.id, dry_run=False)
    if failures:
        raise AssertionError("the sweeper could not delete:\n" + "\n".join(failures))
    if not selected:
        raise AssertionError(f"the sweeper found nothing of run {run.id}")
    for applied in live:
        manager.discard(applied)  # swept: only its state is left, and it goes


def _seed(proof, manager, target, run, live, outcome) -> None:
    """Leftovers made as admin, as a killed run of another repository's stacks could leave
    them: an hx- role with an inline policy and an hx- managed policy attached, a queue, a log
    group; each named and tagged like the harness's."""
    iam, tags = proof.root.client("iam"), run.tags("seeded")
    name = f"hx-{run.id}-seeded"
    iam_tags = [{"Key": k, "Value": v} for k, v in tags.items()]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Tags=iam_tags)
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), Tags=iam_tags)
    iam.attach_role_policy(RoleName=name, PolicyArn=arn["Policy"]["Arn"])
    proof.root.client("sqs").create_queue(QueueName=name, tags=tags)
    proof.root.client("logs").create_log_group(logGroupName=f"/aws/lambda/{name}", tags=tags)


def _use_queue(proof, manager, target, run, live, outcome) -> None:
    """As the scenarios' probes do: send, receive, hide longer, delete."""
    sqs = target.client("sqs")
    url = next(a for a in live if "queue_url" in a.outputs)["queue_url"]
    sqs.send_message(QueueUrl=url, MessageBody="proof")
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    if not received:
        raise AssertionError("the message sent was not received")
    handle = received[0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)


def _invoke_and_read_logs(proof, manager, target, run, live, outcome) -> None:
    """As the scenarios do: invoke a function, then read its REPORT line from its logs."""
    function = next(a for a in live if "client_function_name" in a.outputs)["client_function_name"]
    since = time.time() - 1
    answer = target.client("lambda").invoke(
        FunctionName=function, Payload=b'{"op": "receive", "max": 1, "wait_seconds": 0}'
    )
    if answer.get("FunctionError"):
        raise AssertionError(f"the function failed: {answer['Payload'].read()!r}")
    waits.until(
        lambda: probes.log_lines(target.client("logs"), function, since, "REPORT RequestId"),
        timeout=30, interval=0.5, what=f"a REPORT line of {function}",
    )  # fmt: skip


STEPS: dict[str, Callable[..., None]] = {
    "apply pipeline": _apply("stacks/pipeline"),
    "apply poller": _apply("stacks/poller"),
    "apply queue": _apply("stacks/queue"),
    "use queue": _use_queue,
    "invoke and read logs": _invoke_and_read_logs,
    "destroy": _destroy,
    "seed leftovers": _seed,
    "sweep": _sweep,
}


CI_ROLE_ROOT = """
module "ci_role" {
  source               = "./ci-role"
  github_repository    = "example-org/sqs-lambda-harness"
  create_oidc_provider = true
}

output "policy_json" {
  value = module.ci_role.policy_json
}

output "statement_ids" {
  value = module.ci_role.statement_ids
}

output "role_arn" {
  value = module.ci_role.role_arn
}

output "trust_policy_json" {
  value = module.ci_role.trust_policy_json
}
"""

PROVIDER = """
provider "aws" {
  region = "us-east-1"
}
"""


def apply_ci_role(root: AsRole, tools: Toolchain, module: Path, directory: Path) -> dict:
    """Apply the ci-role module as admin (the role and GitHub's OIDC provider); its outputs."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(module, directory / "ci-role", dirs_exist_ok=True)
    (directory / "main.tf").write_text(CI_ROLE_ROOT + PROVIDER)
    runner = Runner(tools.cli, directory, {**root.env(), **tools.env()}, directory / "cli.log", 300)
    runner.init()
    outputs = runner.apply().outputs() or runner.outputs()
    return {**outputs, "runner": runner}
