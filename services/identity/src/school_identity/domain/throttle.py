"""Sign-in throttling (NIST SP 800-63B §5.2.2): per-name lock-out with exponential back-off, per-address limit.

Failures are counted per normalised username whether or not an account has that name, so an
unknown name is throttled, and answered, exactly like a real one (no enumeration).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """Thresholds; the defaults lock after 5 consecutive failures for 1, 2, 4, … up to 60 minutes."""

    lock_after: int = 5
    first_lock: timedelta = timedelta(minutes=1)
    max_lock: timedelta = timedelta(minutes=60)
    # A failure this old no longer counts: occasional typos spread over months never lock anyone.
    forget_after: timedelta = timedelta(hours=24)
    ip_limit: int = 30
    ip_window: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        if self.lock_after < 1 or self.ip_limit < 1:
            raise ValueError("throttle thresholds must be at least 1")
        if not timedelta(0) < self.first_lock <= self.max_lock:
            raise ValueError("the first lock must be positive and not longer than the longest")


@dataclass(frozen=True)
class ThrottleState:
    """What is remembered about one username."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


def lock_duration(failures: int, policy: ThrottlePolicy = ThrottlePolicy()) -> timedelta | None:
    """How long the ``failures``-th consecutive failure locks for (None below the threshold).

    The threshold-th failure locks for ``first_lock``; each further failure doubles it, up to
    ``max_lock``.
    """
    if failures < policy.lock_after:
        return None
    doublings = failures - policy.lock_after
    if doublings >= 32:  # far past the cap; avoids building a huge number
        return policy.max_lock
    return min(policy.first_lock * (2**doublings), policy.max_lock)


def blocked_for(state: ThrottleState, now: datetime) -> timedelta | None:
    """Time left on a running lock, or None when attempts are allowed."""
    if state.locked_until is not None and state.locked_until > now:
        return state.locked_until - now
    return None


def register_failure(
    state: ThrottleState, now: datetime, policy: ThrottlePolicy = ThrottlePolicy()
) -> tuple[ThrottleState, bool]:
    """The state after one more failure, and whether it started a lock."""
    failures = state.failures
    if state.last_failure_at is not None and now - state.last_failure_at > policy.forget_after:
        failures = 0
    failures += 1
    duration = lock_duration(failures, policy)
    locked_until = now + duration if duration is not None else None
    return replace(state, failures=failures, last_failure_at=now, locked_until=locked_until), duration is not None


def ip_blocked_for(
    recent_failures: Sequence[datetime], now: datetime, policy: ThrottlePolicy = ThrottlePolicy()
) -> timedelta | None:
    """Time until an address may try again, given its failures inside the window (any order)."""
    window_start = now - policy.ip_window
    inside = sorted(t for t in recent_failures if t > window_start)
    if len(inside) < policy.ip_limit:
        return None
    # Once the oldest failure that keeps the count at the limit leaves the window, one more try fits.
    pivot = inside[len(inside) - policy.ip_limit]
    return max(pivot + policy.ip_window - now, timedelta(seconds=1))


def retry_after_seconds(wait: timedelta) -> int:
    """Whole seconds for a Retry-After answer, rounded up and at least 1."""
    return max(1, math.ceil(wait.total_seconds()))
