"""Session expiry and idle-timer refresh, decided at exact boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from school_identity.domain.sessions import SessionPolicy, SessionState, session_key

T0 = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def state(
    policy: SessionPolicy, *, last_seen: datetime, now: datetime, revoked: datetime | None = None
) -> SessionState:
    return policy.state(last_seen_at=last_seen, expires_at=policy.expires_at(T0), revoked_at=revoked, now=now)


def test_defaults_are_the_staff_limits() -> None:
    policy = SessionPolicy()
    assert policy.idle == timedelta(minutes=30)
    assert policy.absolute == timedelta(hours=12)
    assert policy.expires_at(T0) == T0 + timedelta(hours=12)


def test_idle_boundary() -> None:
    policy = SessionPolicy()
    assert state(policy, last_seen=T0, now=T0 + timedelta(minutes=30)) is SessionState.LIVE
    assert state(policy, last_seen=T0, now=T0 + timedelta(minutes=30) + TICK) is SessionState.IDLE_EXPIRED


def test_absolute_boundary_even_when_active() -> None:
    policy = SessionPolicy()
    end = T0 + timedelta(hours=12)
    assert state(policy, last_seen=end - TICK, now=end - TICK) is SessionState.LIVE
    assert state(policy, last_seen=end - TICK, now=end) is SessionState.EXPIRED


def test_revoked_wins() -> None:
    assert state(SessionPolicy(), last_seen=T0, now=T0, revoked=T0) is SessionState.REVOKED


def test_shorter_configured_limits() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=5), absolute=timedelta(hours=1))
    assert state(policy, last_seen=T0, now=T0 + timedelta(minutes=5) + TICK) is SessionState.IDLE_EXPIRED
    assert state(policy, last_seen=T0 + timedelta(hours=1), now=T0 + timedelta(hours=1)) is SessionState.EXPIRED


@pytest.mark.parametrize(
    ("idle", "absolute"),
    [
        (timedelta(minutes=31), timedelta(hours=12)),
        (timedelta(minutes=30), timedelta(hours=12, seconds=1)),
        (timedelta(0), timedelta(hours=1)),
        (timedelta(minutes=1), timedelta(0)),
    ],
)
def test_limits_beyond_the_bar_are_refused(idle: timedelta, absolute: timedelta) -> None:
    with pytest.raises(ValueError, match="must be within"):
        SessionPolicy(idle=idle, absolute=absolute)


def test_touch_at_most_every_30_seconds() -> None:
    policy = SessionPolicy()
    assert not policy.needs_touch(T0, T0 + timedelta(seconds=30) - TICK)
    assert policy.needs_touch(T0, T0 + timedelta(seconds=30))


def test_session_key_is_sha256_hex_and_not_the_raw_id() -> None:
    key = session_key("abc")
    assert key == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert key != "abc"
