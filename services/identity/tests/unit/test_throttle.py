"""Lock-out with exponential back-off and the per-address limit (quality bar S5, NIST 800-63B)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from school_identity.domain.throttle import (
    ThrottlePolicy,
    ThrottleState,
    blocked_for,
    ip_blocked_for,
    lock_duration,
    register_failure,
    retry_after_seconds,
)

T0 = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(1, None), (4, None), (5, 1), (6, 2), (7, 4), (8, 8), (9, 16), (10, 32), (11, 60), (12, 60), (500, 60)],
)
def test_back_off_schedule(failures: int, minutes: int | None) -> None:
    expected = timedelta(minutes=minutes) if minutes is not None else None
    assert lock_duration(failures) == expected


def test_the_schedule_follows_the_configured_threshold_and_cap() -> None:
    policy = ThrottlePolicy(lock_after=3, max_lock=timedelta(minutes=10))
    assert lock_duration(2, policy) is None
    assert [lock_duration(n, policy) for n in (3, 4, 5, 6, 7)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10)]


def test_the_fifth_consecutive_failure_starts_a_one_minute_lock() -> None:
    state = ThrottleState()
    for n in range(1, 5):
        state, started = register_failure(state, T0 + timedelta(seconds=n))
        assert not started
        assert blocked_for(state, T0 + timedelta(seconds=n)) is None
    state, started = register_failure(state, T0 + timedelta(seconds=5))
    assert started
    assert state.failures == 5
    assert blocked_for(state, T0 + timedelta(seconds=5)) == timedelta(minutes=1)
    assert blocked_for(state, T0 + timedelta(seconds=64)) == timedelta(seconds=1)
    assert blocked_for(state, T0 + timedelta(seconds=65)) is None  # the lock ends by itself


def test_failures_after_a_lock_double_it() -> None:
    state = ThrottleState(failures=5, last_failure_at=T0, locked_until=T0 + timedelta(minutes=1))
    later = T0 + timedelta(minutes=2)
    state, started = register_failure(state, later)
    assert started
    assert state.locked_until == later + timedelta(minutes=2)


def test_old_failures_are_forgotten() -> None:
    state = ThrottleState(failures=4, last_failure_at=T0)
    state, started = register_failure(state, T0 + timedelta(hours=25))
    assert (state.failures, started) == (1, False)


def test_per_address_limit_counts_failures_in_the_window() -> None:
    policy = ThrottlePolicy(ip_limit=30, ip_window=timedelta(minutes=10))
    now = T0 + timedelta(minutes=10)
    times = [T0 + timedelta(seconds=20 * i + 1) for i in range(29)]
    assert ip_blocked_for(times, now, policy) is None
    times.append(now - timedelta(seconds=1))
    wait = ip_blocked_for(times, now, policy)
    # The oldest failure (T0 + 1 s) leaves the window one second from now.
    assert wait == timedelta(seconds=1)
    old = [T0 - timedelta(minutes=11)] * 100
    assert ip_blocked_for(old, now, policy) is None


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert retry_after_seconds(timedelta(seconds=59.2)) == 60
    assert retry_after_seconds(timedelta(milliseconds=1)) == 1
    assert retry_after_seconds(timedelta(minutes=2)) == 120


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThrottlePolicy(lock_after=0)
    with pytest.raises(ValueError, match="first lock"):
        ThrottlePolicy(first_lock=timedelta(minutes=5), max_lock=timedelta(minutes=1))
