"""Timing bounds a target's tests assert within, each with the measurement it rests on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    """Stated bounds for timing assertions, and `why` these: the figures they rest on. AWS
    needs wider ones (network, cold starts)."""

    long_poll_low: float = 19.5
    long_poll_high: float = 21.5
    delivery_timeout: float = 30.0
    visibility_slack: float = 2.0
    # How late after its visibility timeout a message comes back *through a mapping*: the
    # queue's re-queue, the poller's next receive and the invocation, on top of the timeout.
    redelivery_slack: float = 2.0
    why: str = "defaults"
