"""Find and delete what killed or failed runs left behind on a target.

Only resources that carry BOTH the harness name prefix (`hx-`) AND the harness tags are ever
touched; a run id or an age narrows that further. Listing (dry run) and deleting use the same
selection, so what a dry run shows is exactly what a real sweep removes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from sqs_lambda_harness.cleanup.tags import (
    MANAGED_BY,
    NAME_ROOT,
    TAG_MANAGED_BY,
    TAG_RUN_ID,
    TAG_STARTED_AT,
)
from sqs_lambda_harness.targets import Target

PREFIX = f"{NAME_ROOT}-"


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    run_id: str
    started_at: str
    delete: Callable[[], None] = field(compare=False, repr=False)

    def describe(self) -> str:
        return f"{self.kind:<22} {self.name}  (run {self.run_id}, started {self.started_at})"


def find(
    target: Target, run_id: str | None = None, older_than_seconds: float | None = None
) -> list[Leftover]:
    """Every harness-tagged, harness-named resource on the target that matches the filters."""
    now = datetime.now(timezone.utc)
    selected = []
    for leftover in _candidates(target):
        if run_id and leftover.run_id != run_id:
            continue
        if older_than_seconds is not None and _age_seconds(leftover.started_at, now) < (
            older_than_seconds
        ):
            continue
        selected.append(leftover)
    return selected


def sweep(
    target: Target,
    run_id: str | None = None,
    older_than_seconds: float | None = None,
    dry_run: bool = True,
) -> tuple[list[Leftover], list[str]]:
    """Delete (unless `dry_run`) what `find` selects; returns (selected, failures)."""
    selected = find(target, run_id, older_than_seconds)
    failures = []
    if not dry_run:
        for leftover in selected:
            try:
                leftover.delete()
            except Exception as error:  # keep going: one stuck resource must not block the rest
                failures.append(f"{leftover.kind} {leftover.name}: {error}")
    return selected, failures


def _is_ours(tags: dict[str, str]) -> bool:
    return tags.get(TAG_MANAGED_BY) == MANAGED_BY and bool(tags.get(TAG_RUN_ID))


def _age_seconds(started_at: str, now: datetime) -> float:
    try:
        started = datetime.strptime(started_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return float("inf")  # an unreadable start time is treated as old, never as new
    return (now - started).total_seconds()


# What AWS answers for a resource that is gone (per service).
VANISHED = {
    "NoSuchEntity",
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}


def _tags(read: Callable[[], dict[str, str]]) -> dict[str, str]:
    """A listed resource's tags; none if it went between the listing and this read (a destroy
    or another sweep finished it), so it is not taken for a leftover."""
    try:
        return read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in VANISHED:
            return {}
        raise


def _pairs(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def _leftover(kind: str, name: str, tags: dict[str, str], delete: Callable[[], None]) -> Leftover:
    return Leftover(kind, name, tags.get(TAG_RUN_ID, ""), tags.get(TAG_STARTED_AT, ""), delete)


def _candidates(target: Target) -> Iterator[Leftover]:
    """In dependency order: mappings, functions, log groups, roles, policies, queues."""
    yield from _lambda_functions(target)
    yield from _log_groups(target)
    yield from _roles(target)
    yield from _policies(target)
    yield from _queues(target)


def _lambda_functions(target: Target) -> Iterator[Leftover]:
    client = target.client("lambda")
    for page in client.get_paginator("list_functions").paginate():
        for function in page.get("Functions", []):
            name = function["FunctionName"]
            if not name.startswith(PREFIX):
                continue
            tags = _tags(
                lambda a=function["FunctionArn"]: client.list_tags(Resource=a).get("Tags", {})
            )
            if _is_ours(tags):
                yield _leftover(
                    "lambda function", name, tags, lambda n=name: _delete_function(client, n)
                )


def _delete_function(client: Any, name: str) -> None:
    """Mappings first: a mapping left without its function keeps polling on AWS."""
    mappings = client.list_event_source_mappings(FunctionName=name).get("EventSourceMappings", [])
    for mapping in mappings:
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_event_source_mapping(UUID=mapping["UUID"])
    client.delete_function(FunctionName=name)


def _log_groups(target: Target) -> Iterator[Leftover]:
    client = target.client("logs")
    paginator = client.get_paginator("describe_log_groups")
    for page in paginator.paginate(logGroupNamePrefix=f"/aws/lambda/{PREFIX}"):
        for group in page.get("logGroups", []):
            name = group["logGroupName"]
            tags = _tags(lambda n=name: client.list_tags_log_group(logGroupName=n).get("tags", {}))
            if _is_ours(tags):
                yield _leftover(
                    "log group", name, tags, lambda n=name: client.delete_log_group(logGroupName=n)
                )


def _roles(target: Target) -> Iterator[Leftover]:
    client = target.client("iam")
    for page in client.get_paginator("list_roles").paginate():
        for role in page.get("Roles", []):
            name = role["RoleName"]
            if not name.startswith(PREFIX):
                continue
            tags = _tags(lambda n=name: _pairs(client.list_role_tags(RoleName=n)["Tags"]))
            if _is_ours(tags):
                yield _leftover("iam role", name, tags, lambda n=name: _delete_role(client, n))


def _delete_role(client: Any, name: str) -> None:
    for policy in client.list_role_policies(RoleName=name).get("PolicyNames", []):
        client.delete_role_policy(RoleName=name, PolicyName=policy)
    attached = client.list_attached_role_policies(RoleName=name).get("AttachedPolicies", [])
    for policy in attached:
        client.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    client.delete_role(RoleName=name)


def _policies(target: Target) -> Iterator[Leftover]:
    client = target.client("iam")
    for page in client.get_paginator("list_policies").paginate(Scope="Local"):
        for policy in page.get("Policies", []):
            if not policy["PolicyName"].startswith(PREFIX):
                continue
            arn = policy["Arn"]
            tags = _tags(lambda a=arn: _pairs(client.list_policy_tags(PolicyArn=a)["Tags"]))
            if _is_ours(tags):
                yield _leftover(
                    "iam policy",
                    policy["PolicyName"],
                    tags,
                    lambda a=arn: _delete_policy(client, a),
                )


def _delete_policy(client: Any, arn: str) -> None:
    for entity in client.list_entities_for_policy(PolicyArn=arn).get("PolicyRoles", []):
        client.detach_role_policy(RoleName=entity["RoleName"], PolicyArn=arn)
    for version in client.list_policy_versions(PolicyArn=arn).get("Versions", []):
        if not version["IsDefaultVersion"]:
            client.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    client.delete_policy(PolicyArn=arn)


def _queues(target: Target) -> Iterator[Leftover]:
    client = target.client("sqs")
    for page in client.get_paginator("list_queues").paginate(QueueNamePrefix=PREFIX):
        for url in page.get("QueueUrls", []):
            tags = _tags(lambda u=url: client.list_queue_tags(QueueUrl=u).get("Tags", {}))
            if _is_ours(tags):
                name = url.rsplit("/", 1)[-1]
                yield _leftover(
                    "sqs queue", name, tags, lambda u=url: client.delete_queue(QueueUrl=u)
                )
