"""Where stacks are applied: the embedded emulator, a LocalStack-compatible endpoint, or AWS.

A target is resolved and checked before anything is applied: the endpoint answers, or the AWS
caller's account is on the explicit allow-list. Tests see one interface; what differs between
targets is declared here as capabilities and timing tolerances, never hidden in a test.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from sqs_lambda_harness.errors import HarnessError

TARGET_NAMES = ("embedded", "localstack", "aws")
# How a run's stacks end: destroyed through the provider, or discarded with the emulator the
# harness started for the run (everything in it goes when the process stops).
TEARDOWN_MODES = ("destroy", "discard")
LOCALSTACK_DEFAULT_ENDPOINT = "http://localhost:4566"
# What one run may create on `aws` unless told otherwise: a safety net against a runaway
# loop, set above the behaviour suite's own need (162 resources in 13 stacks).
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
}


@dataclass(frozen=True)
class Tolerances:
    """Stated bounds for timing assertions. AWS needs wider ones (network, cold starts)."""

    long_poll_low: float = 19.5
    long_poll_high: float = 21.5
    delivery_timeout: float = 30.0
    visibility_slack: float = 2.0


# MiniStack on the loopback: over ten runs of the suite the slowest delivery through a mapping
# took 3.6 s and a whole-batch redelivery came at most 1.3 s after its visibility timeout, so
# 15 s (four times the slowest seen) bounds a delivery; a known divergence is declared after
# that long without the AWS behaviour, not after 30 s.
MINISTACK_TOLERANCES = Tolerances(delivery_timeout=15.0)


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
        return self.name == "embedded" and self.endpoint is None

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
            fix="set HARNESS_AWS_ACCOUNT_ALLOWLIST (or --aws-account-allowlist) to "
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
            fix=f"choose one of {', '.join(TARGET_NAMES)} with --target or HARNESS_TARGET.",
        )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if endpoint and not re.match(r"^https?://[^/\s]+", endpoint):
        raise HarnessError(
            f"Endpoint {endpoint!r} is not an http(s) URL.",
            fix="pass an URL like http://localhost:4566 to --endpoint-url/HARNESS_ENDPOINT_URL.",
        )
    if name == "aws":
        if not region:
            raise HarnessError(
                "The aws target needs an explicit region; none is set.",
                fix="set AWS_REGION (or --aws-region) to the region the account allows.",
            )
        ids = parse_allowlist(allowlist)
        if not ids:
            raise HarnessError(
                "Refusing the aws target: no account allow-list is set, and nothing is ever "
                "applied to an account that was not explicitly allowed.",
                fix="set HARNESS_AWS_ACCOUNT_ALLOWLIST (or --aws-account-allowlist) to the "
                "12-digit id of the test account.",
            )
        return Target(
            name="aws",
            region=region,
            endpoint=endpoint,
            account_allowlist=ids,
            tolerances=Tolerances(long_poll_low=19.0, long_poll_high=23.0, delivery_timeout=120),
            max_resources=max_resources or AWS_RESOURCE_CAP,
        )
    region = region or "us-east-1"
    if name == "localstack":
        return Target(
            name="localstack",
            region=region,
            endpoint=endpoint or LOCALSTACK_DEFAULT_ENDPOINT,
            tolerances=Tolerances(long_poll_high=22.5, delivery_timeout=60),
            max_resources=max_resources,
        )
    return Target(
        name="embedded",
        region=region,
        endpoint=endpoint,  # None until the plugin starts MiniStack
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
            fix="use --harness-teardown=destroy (the default there), or the embedded target "
            "without an endpoint, whose emulator the harness starts and throws away.",
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
    if target.name == "localstack":
        return (
            "start it (`make test-local TARGET=localstack`, or `scripts/compose-run.sh "
            "localstack -- <command>`; needs Docker and LOCALSTACK_AUTH_TOKEN) or point "
            "--endpoint-url/HARNESS_ENDPOINT_URL at a running emulator."
        )
    if target.name == "aws":
        return "check the AWS credentials (e.g. `aws sts get-caller-identity`) and AWS_REGION."
    return "check that the emulator at HARNESS_ENDPOINT_URL is running, or unset it."
