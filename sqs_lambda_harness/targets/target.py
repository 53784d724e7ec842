"""Where stacks are applied: an emulator from the registry (MiniStack, LocalStack, moto, ...),
or AWS.

A target is resolved and checked before anything is applied: the endpoint answers, or the AWS
caller's account is on the explicit allow-list. Tests see one interface; what differs between
targets is declared as capabilities and timing tolerances, each with the measurement it rests
on, never hidden in a test: for an emulator in its registry spec, for `aws` here. An emulator
target without an endpoint runs on an emulator the harness starts itself
(`emulator.start_for`); with one, on what answers there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.targets import registry
from sqs_lambda_harness.targets.aws import AWS_TOLERANCES
from sqs_lambda_harness.targets.capabilities import SUPPORTED, Capability
from sqs_lambda_harness.targets.tolerances import Tolerances
from sqs_lambda_harness.usage import Meter

# How a run's stacks end: destroyed through the provider, or discarded with the emulator the
# harness started for the run (everything in it goes when the process stops).
TEARDOWN_MODES = ("destroy", "discard")
# What one run may create on `aws` unless told otherwise: a safety net against a runaway
# loop, set above the behaviour suite's own need (125 resources in 10 stacks on MiniStack,
# plus the DLQ move-back stack where it runs).
AWS_RESOURCE_CAP = 250
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def target_names() -> tuple[str, ...]:
    """Every target a run may choose: the registered emulators in order, then `aws`."""
    return (*registry.names(), registry.NOT_AN_EMULATOR)


@dataclass(frozen=True)
class Target:
    name: str
    region: str
    endpoint: str | None = None
    account_allowlist: tuple[str, ...] = ()
    capabilities: dict[str, Capability] = field(default_factory=dict)
    tolerances: Tolerances = field(default_factory=Tolerances)
    max_resources: int | None = None
    # What this run's clients request, counted (`usage`); copies of the target share it.
    meter: Meter = field(default_factory=Meter, compare=False, repr=False)

    @property
    def emulated(self) -> bool:
        return self.endpoint is not None and self.name != "aws"

    @property
    def started_by_harness(self) -> bool:
        """Whether the harness starts this target's emulator for the run (and stops it)."""
        return self.endpoint is None and registry.find(self.name) is not None

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
        """A boto3 client for this target, with timeouts longer than any 20 s long poll; its
        requests are counted in the run's usage."""
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
        return self.meter.watch(boto3.session.Session().client(service, **kwargs))


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
    stand_in: str | None = None,
) -> Target:
    """Validate the user's choice of target without contacting it (see `verify_target`).

    `stand_in` names the emulator answering for AWS at `endpoint` (the nightly job's dry run):
    the aws code path (allow-list, resource cap, destroy), that emulator's declared
    capabilities. Never without an endpoint: AWS itself is never stood in for."""
    name = (name or "embedded").lower()
    spec = registry.find(name)
    if spec is None and name != "aws":
        aliases = [f"{a} for {s.name}" for s in registry.specs() for a in s.aliases]
        raise HarnessError(
            f"Unknown target {name!r}.",
            fix=f"choose one of {', '.join(target_names())}"
            + (f" (or {', '.join(aliases)})" if aliases else "")
            + " with --harness-target or HARNESS_TARGET.",
        )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if endpoint and not re.match(r"^https?://[^/\s]+", endpoint):
        raise HarnessError(
            f"Endpoint {endpoint!r} is not an http(s) URL.",
            fix="pass an URL like http://localhost:4566 to --harness-endpoint-url or "
            "HARNESS_ENDPOINT_URL.",
        )
    if spec is None:  # aws
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
            capabilities=_stand_in_capabilities(stand_in, endpoint),
            tolerances=AWS_TOLERANCES,
            max_resources=max_resources or AWS_RESOURCE_CAP,
        )
    if stand_in:
        raise HarnessError(
            f"A stand-in ({stand_in}) answers only for the aws target, not for {name}.",
            fix="unset HARNESS_AWS_STAND_IN (or --harness-aws-stand-in), or choose the aws target.",
        )
    # An endpoint stays None until the harness starts the target's emulator.
    return Target(
        name=spec.name,
        region=region or "us-east-1",
        endpoint=endpoint,
        capabilities=spec.capabilities_for(started_by_harness=endpoint is None),
        tolerances=spec.tolerances,
        max_resources=max_resources,
    )


def _stand_in_capabilities(stand_in: str | None, endpoint: str | None) -> dict[str, Capability]:
    """The capabilities of the emulator standing in for AWS at `endpoint` ({} for AWS)."""
    if not stand_in:
        return {}
    spec = registry.find(stand_in)
    if spec is None:
        raise HarnessError(
            f"Unknown stand-in {stand_in!r} for the aws target.",
            fix=f"name an emulator of the registry ({', '.join(registry.names())}) with "
            "HARNESS_AWS_STAND_IN, or unset it.",
        )
    if not endpoint:
        raise HarnessError(
            f"Refusing a stand-in ({stand_in}) without an endpoint: it would declare AWS itself "
            "to diverge as that emulator does.",
            fix="give the stand-in's endpoint with HARNESS_ENDPOINT_URL (or "
            "--harness-endpoint-url), or unset HARNESS_AWS_STAND_IN.",
        )
    return spec.capabilities_for(started_by_harness=False)


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
        spec = registry.find(target.name)
        return spec.default_teardown if spec and target.started_by_harness else "destroy"
    if mode == "discard" and not target.started_by_harness:
        where = target.endpoint or f"AWS in {target.region}"
        raise HarnessError(
            f"Refusing teardown mode discard on the {target.name} target ({where}): it outlives "
            "the run, so discarding would leave every stack behind. Nothing was applied.",
            fix="use --harness-teardown=destroy (the default there), or a target without an "
            f"endpoint ({', '.join(registry.names())}), whose emulator the harness starts and "
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
    spec = registry.find(target.name)
    if spec is not None:
        return spec.unreachable_fix.format(endpoint=target.endpoint, name=target.name)
    return "check the AWS credentials (e.g. `aws sts get-caller-identity`) and AWS_REGION."
