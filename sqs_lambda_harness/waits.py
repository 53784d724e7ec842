"""The one deadline loop for infrastructure code (an emulator's health, a lock, a slot): poll a
condition until it holds or its deadline passes. Tests wait through `probes.wait_until`, which
raises the `ConditionTimeout` a declared divergence expects; this one raises `WaitTimeout`, a
`HarnessError` that says what was awaited and how to fix it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.log import format_seconds

T = TypeVar("T")


class WaitTimeout(HarnessError):
    """A condition the harness needed did not hold within its deadline."""


def until(
    condition: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str,
    fix: str = "",
) -> T:
    """Call `condition` until it returns something truthy, and return that; after `timeout`
    seconds raise `WaitTimeout` naming `what` was awaited. An exception from `condition` ends
    the wait at once (it is the caller's way to give up early)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(f"{what}: not within {format_seconds(timeout)}.", fix=fix)
        time.sleep(min(interval, remaining))
