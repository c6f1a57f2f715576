"""Session policy: when a sign-in session expires, and when its idle timer is worth refreshing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

MAX_IDLE = timedelta(minutes=30)
MAX_ABSOLUTE = timedelta(hours=12)
DEFAULT_TOUCH_INTERVAL = timedelta(seconds=30)


class SessionState(StrEnum):
    LIVE = "live"
    REVOKED = "revoked"
    IDLE_EXPIRED = "idle_expired"
    EXPIRED = "expired"


def session_key(raw_session_id: str) -> str:
    """What the database stores for a session: its SHA-256, so a leaked table opens no session.

    The raw id carries 256 random bits, so a fast unsalted hash is enough (nothing to brute-force).
    """
    return hashlib.sha256(raw_session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    """Staff limits (quality bar S7): idle ≤ 30 min, absolute lifetime ≤ 12 h."""

    idle: timedelta = MAX_IDLE
    absolute: timedelta = MAX_ABSOLUTE
    touch_interval: timedelta = DEFAULT_TOUCH_INTERVAL

    def __post_init__(self) -> None:
        if not timedelta(0) < self.idle <= MAX_IDLE:
            raise ValueError(f"idle timeout must be within (0, {MAX_IDLE}]")
        if not timedelta(0) < self.absolute <= MAX_ABSOLUTE:
            raise ValueError(f"absolute lifetime must be within (0, {MAX_ABSOLUTE}]")
        if self.touch_interval < timedelta(0):
            raise ValueError("touch interval cannot be negative")

    def expires_at(self, created_at: datetime) -> datetime:
        return created_at + self.absolute

    def state(
        self, *, last_seen_at: datetime, expires_at: datetime, revoked_at: datetime | None, now: datetime
    ) -> SessionState:
        """The session's state at ``now``.

        A session idle for exactly ``idle`` is still live; one more instant and it is not. The
        absolute lifetime ends at ``expires_at`` itself. Because ``last_seen_at`` is refreshed at
        most every ``touch_interval``, the measured idle time can exceed the real one by that much:
        the session then ends slightly early, never late.
        """
        if revoked_at is not None:
            return SessionState.REVOKED
        if now >= expires_at:
            return SessionState.EXPIRED
        if now - last_seen_at > self.idle:
            return SessionState.IDLE_EXPIRED
        return SessionState.LIVE

    def needs_touch(self, last_seen_at: datetime, now: datetime) -> bool:
        """Refresh the idle timer only when it is ``touch_interval`` old, to keep writes down."""
        return now - last_seen_at >= self.touch_interval
