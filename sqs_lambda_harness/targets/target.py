"""Where stacks are applied: an emulator (MiniStack, LocalStack or moto), or AWS.

A target is resolved and checked before anything is applied: the endpoint answers, or the AWS
caller's account is on the explicit allow-list. Tests see one interface; what differs between
targets is declared here as capabilities and timing tolerances, each with the measurement it
rests on, never hidden in a test. `embedded`, `localstack` and `moto` without an endpoint run on
an emulator the harness starts itself (`emulator.start_for`); with one, on what answers there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from sqs_lambda_harness.errors import HarnessError

TARGET_NAMES = ("embedded", "localstack", "moto", "aws")
# The targets whose emulator the harness starts as a host process when no endpoint is given.
HARNESS_STARTED = ("embedded", "localstack", "moto")
# How a run's stacks end: destroyed through the provider, or discarded with the emulator the
# harness started for the run (everything in it goes when the process stops).
TEARDOWN_MODES = ("destroy", "discard")
# What one run may create on `aws` unless told otherwise: a safety net against a runaway
# loop, set above the behaviour suite's own need (125 resources in 10 stacks on MiniStack,
# plus the DLQ move-back stack where it runs).
AWS_RESOURCE_CAP = 250
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@dataclass(frozen=True)
class Capability:
    """Whether a target does what AWS does. `supported` false: the test is skipped with
    `reason`. `diverges`: the test runs its real assertion and is expected to fail (strict
    xfail), so the difference is observed and reported on every run, never papered over.
    The expected failure is the AWS behaviour never showing up (a `ConditionTimeout`); any
    other error, such as a failed apply or precondition, still fails the test."""

    supported: bool = True
    diverges: bool = False
    reason: str = ""


SUPPORTED = Capability()
MINISTACK_CAPABILITIES = {
    "dlq_message_move": Capability(
        supported=False,
        reason="MiniStack does not implement StartMessageMoveTask (DLQ redrive back to source)",
    ),
    "batch_response_validation": Capability(
        diverges=True,
        reason="MiniStack treats a batchItemFailures entry with an empty or unknown "
        "itemIdentifier as success and deletes the batch; AWS fails the whole batch",
    ),
    "function_info_logs": Capability(
        diverges=True,
        reason="MiniStack's Python runtime installs no Lambda log handler, so `logging` lines "
        "below WARNING never reach the log group (measured: logger.info dropped, "
        "logger.warning kept); AWS's runtime writes them at the function's log level",
    ),
}


# LocalStack (localstack-core 2026.3.0), measured 2026-11-24.
LOCALSTACK_CAPABILITIES = {
    "redrive_allow_policy": Capability(
        supported=False,
        reason='LocalStack answers RedriveAllowPolicy "" once it is removed, where AWS omits '
        "it, so destroying a DLQ's aws_sqs_queue_redrive_allow_policy waits forever (over 14 "
        "min measured): DLQs are applied without one (stacks/queues restrict_dlq_sources = false)",
    ),
}
# ... as a host process (no Docker), which is what the harness starts without an endpoint.
LOCALSTACK_HOST_CAPABILITIES = {
    **LOCALSTACK_CAPABILITIES,
    "lambda_execution": Capability(
        supported=False,
        reason="LocalStack without Docker cannot run a function: its only Lambda executor is "
        "Docker, so CreateFunction leaves the function in state Failed and a mapping never "
        "invokes it",
    ),
    "lambda_functions": Capability(
        supported=False,
        reason="LocalStack without Docker cannot delete the function it left in state Failed "
        "(DeleteFunction: InternalError 'Unable to find version manager'), so a stack with a "
        "function could not be torn down there",
    ),
}
# moto 5.2.5 server, measured 2026-11-24; the same whether the harness starts it or not.
MOTO_CAPABILITIES = {
    "lambda_execution": Capability(
        supported=False,
        reason="moto runs a handler only in Docker; without it Invoke is a stub that never "
        "runs the handler, and a mapping delivers nothing",
    ),
    "dlq_message_move": Capability(
        supported=False,
        reason="moto 5.2.5 does not implement StartMessageMoveTask (HTTP 500 NotImplemented)",
    ),
    "redrive_allow_policy": Capability(
        supported=False,
        reason="moto 5.2.5 accepts a DLQ's RedriveAllowPolicy but never returns it, so the "
        "provider waits for it forever: DLQs are applied without one (stacks/queues "
        "restrict_dlq_sources = false)",
    ),
    "dlq_source_arn": Capability(
        diverges=True,
        reason="moto 5.2.5 redrives the message to the DLQ without the DeadLetterQueueSourceArn "
        "attribute AWS adds",
    ),
    "fifo_duplicate_message_id": Capability(
        diverges=True,
        reason="moto 5.2.5 drops a FIFO duplicate but answers its SendMessage with a new "
        "MessageId; AWS returns the original message's id",
    ),
}


# Every capability a test may name in `needs(...)`: one no target declares is a typo, refused
# at start-up rather than silently "supported" everywhere.
KNOWN_CAPABILITIES = frozenset(
    {*MINISTACK_CAPABILITIES, *LOCALSTACK_HOST_CAPABILITIES, *MOTO_CAPABILITIES}
)


@dataclass(frozen=True)
class Tolerances:
    """Stated bounds for timing assertions, and `why` these: the figures they rest on. AWS
    needs wider ones (network, cold starts)."""

    long_poll_low: float = 19.5
    long_poll_high: float = 21.5
    delivery_timeout: float = 30.0
    visibility_slack: float = 2.0
    why: str = "defaults"


MINISTACK_TOLERANCES = Tolerances(
    delivery_timeout=15.0,
    why="MiniStack on the loopback: over ten runs of the suite the slowest delivery through a "
    "mapping took 3.6 s and a whole-batch redelivery came at most 1.3 s after its visibility "
    "timeout, so 15 s (four times the slowest seen) bounds a delivery; a known divergence is "
    "declared after that long without the AWS behaviour, not after 30 s",
)
LOCALSTACK_TOLERANCES = Tolerances(
    long_poll_high=22.5,
    delivery_timeout=60.0,
    why="LocalStack re-queues messages whose visibility timeout ended on a 1 s timer (as a "
    "host process a 4 s timeout ended after 4.27-4.57 s, a 5 s delay after 5.30-5.92 s, over "
    "four runs), inside the 2 s slack; in Docker its Lambdas start in containers, hence 60 s "
    "for a delivery",
)
MOTO_TOLERANCES = Tolerances(
    why="moto keeps SQS timers in real time (three runs: empty poll 20.01 s, a 4 s visibility "
    "timeout ended after 4.02-4.03 s, a 5 s delay after 5.02 s): the default bounds hold",
)
AWS_TOLERANCES = Tolerances(
    long_poll_low=19.0,
    long_poll_high=23.0,
    delivery_timeout=120.0,
    why="a real region: network round trips and Lambda cold starts",
)


@dataclass(frozen=True)
class Target:
    name: str
    region: str
    endpoint: str | None = None
    account_allowlist: tuple[str, ...] = ()
    capabilities: dict[str, Capability] = field(default_factory=dict)
    tolerances: Tolerances = Tolerances()
    max_resources: int | None = None

    @property
    def emulated(self) -> bool:
        return self.endpoint is not None and self.name != "aws"

    @property
    def started_by_harness(self) -> bool:
        """Whether the harness starts this target's emulator for the run (and stops it)."""
        return self.name in HARNESS_STARTED and self.endpoint is None

    def capability(self, name: str) -> Capability:
        return self.capabilities.get(name, SUPPORTED)

    def env(self) -> dict[str, str]:
        """Environment for the Terraform CLI and anything else that speaks to the target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        if self.emulated:
            env.update(EMULATOR_CREDENTIALS)
        return env

    def client(self, service: str) -> Any:
        """A boto3 client for this target, with timeouts longer than any 20 s long poll."""
        config = Config(
            region_name=self.region,
            read_timeout=70,
            connect_timeout=10,
            retries={"max_attempts": 5, "mode": "standard"},
        )
        kwargs: dict[str, Any] = {"config": config}
        if self.endpoint:
            kwargs["endpoint_url"] = self.endpoint
        if self.emulated:
            kwargs["aws_access_key_id"] = EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"]
            kwargs["aws_secret_access_key"] = EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
        return boto3.session.Session().client(service, **kwargs)


def parse_allowlist(raw: str | None) -> tuple[str, ...]:
    """`"111122223333, 444455556666"` -> a tuple of 12-digit account ids; anything else fails."""
    ids = tuple(part.strip() for part in (raw or "").split(",") if part.strip())
    bad = [account for account in ids if not re.fullmatch(r"\d{12}", account)]
    if bad:
        raise HarnessError(
            f"Account allow-list entries must be 12-digit AWS account ids: {', '.join(bad)}.",
            fix="set HARNESS_AWS_ACCOUNT_ALLOWLIST (or --harness-aws-account-allowlist) to "
            "comma-separated 12-digit ids.",
        )
    return ids


def resolve_target(
    name: str,
    endpoint: str | None = None,
    region: str | None = None,
    allowlist: str | None = None,
    max_resources: int | None = None,
) -> Target:
    """Validate the user's choice of target without contacting it (see `verify_target`)."""
    name = (name or "embedded").lower()
    if name not in TARGET_NAMES:
        raise HarnessError(
            f"Unknown target {name!r}.",
            fix=f"choose one of {', '.join(TARGET_NAMES)} with --harness-target or HARNESS_TARGET.",
        )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if endpoint and not re.match(r"^https?://[^/\s]+", endpoint):
        raise HarnessError(
            f"Endpoint {endpoint!r} is not an http(s) URL.",
            fix="pass an URL like http://localhost:4566 to --harness-endpoint-url or "
            "HARNESS_ENDPOINT_URL.",
        )
    if name == "aws":
        if not region:
            raise HarnessError(
                "The aws target needs an explicit region; none is set.",
                fix="set AWS_REGION (or --harness-aws-region) to the region the account allows.",
            )
        ids = parse_allowlist(allowlist)
        if not ids:
            raise HarnessError(
                "Refusing the aws target: no account allow-list is set, and nothing is ever "
                "applied to an account that was not explicitly allowed.",
                fix="set HARNESS_AWS_ACCOUNT_ALLOWLIST (or --harness-aws-account-allowlist) to the "
                "12-digit id of the test account.",
            )
        return Target(
            name="aws",
            region=region,
            endpoint=endpoint,
            account_allowlist=ids,
            tolerances=AWS_TOLERANCES,
            max_resources=max_resources or AWS_RESOURCE_CAP,
        )
    region = region or "us-east-1"
    # An endpoint stays None until the plugin starts the target's emulator.
    if name == "localstack":
        # Given an endpoint, LocalStack runs elsewhere (docker compose), with its Lambdas in
        # containers; without one the harness runs it as a host process, where Lambda cannot run.
        return Target(
            name="localstack",
            region=region,
            endpoint=endpoint,
            capabilities=LOCALSTACK_CAPABILITIES if endpoint else LOCALSTACK_HOST_CAPABILITIES,
            tolerances=LOCALSTACK_TOLERANCES,
            max_resources=max_resources,
        )
    if name == "moto":
        return Target(
            name="moto",
            region=region,
            endpoint=endpoint,
            capabilities=MOTO_CAPABILITIES,
            tolerances=MOTO_TOLERANCES,
            max_resources=max_resources,
        )
    return Target(
        name="embedded",
        region=region,
        endpoint=endpoint,
        capabilities=MINISTACK_CAPABILITIES,
        tolerances=MINISTACK_TOLERANCES,
        max_resources=max_resources,
    )


def resolve_teardown(requested: str | None, target: Target) -> str:
    """`discard` by default where the run's own emulator is thrown away at the end (destroying
    through the provider there proves nothing a dedicated lifecycle test does not); `destroy`
    wherever the target outlives the run. Asking to discard on such a target is refused: its
    stacks would be left behind."""
    mode = (requested or "").strip().lower()
    if mode and mode not in TEARDOWN_MODES:
        raise HarnessError(
            f"Unknown teardown mode {requested!r}.",
            fix=f"choose one of {', '.join(TEARDOWN_MODES)} with --harness-teardown or "
            "HARNESS_TEARDOWN (or leave it unset for the target's default).",
        )
    if not mode:
        return "discard" if target.started_by_harness else "destroy"
    if mode == "discard" and not target.started_by_harness:
        where = target.endpoint or f"AWS in {target.region}"
        raise HarnessError(
            f"Refusing teardown mode discard on the {target.name} target ({where}): it outlives "
            "the run, so discarding would leave every stack behind. Nothing was applied.",
            fix="use --harness-teardown=destroy (the default there), or a target without an "
            f"endpoint ({', '.join(HARNESS_STARTED)}), whose emulator the harness starts and "
            "throws away.",
        )
    return mode


def verify_target(target: Target) -> str:
    """Contact the target and refuse it unless it is usable; returns the account id.

    For `aws` this is the allow-list check: the caller's account (from STS) must be listed.
    """
    try:
        identity = target.client("sts").get_caller_identity()
    except Exception as error:  # botocore raises many unrelated types for "cannot reach"
        where = target.endpoint or f"AWS STS in {target.region}"
        raise HarnessError(
            f"Cannot reach the {target.name} target at {where}: {error}",
            fix=_unreachable_fix(target),
        ) from error
    account = str(identity.get("Account", ""))
    if target.name == "aws" and account not in target.account_allowlist:
        raise HarnessError(
            f"Refusing the aws target: the credentials belong to account {account}, which is "
            f"not on the allow-list ({', '.join(target.account_allowlist)}). Nothing was applied.",
            fix="use credentials for an allow-listed test account, or add this account to "
            "HARNESS_AWS_ACCOUNT_ALLOWLIST if it really is a disposable test account.",
        )
    return account


def _unreachable_fix(target: Target) -> str:
    if target.name in ("localstack", "moto"):
        return (
            f"check that the emulator at {target.endpoint} runs, or leave "
            "HARNESS_ENDPOINT_URL unset: the harness then starts one itself "
            f"(`make test-local TARGET={target.name}`)."
        )
    if target.name == "aws":
        return "check the AWS credentials (e.g. `aws sts get-caller-identity`) and AWS_REGION."
    return "check that the emulator at HARNESS_ENDPOINT_URL is running, or unset it."
