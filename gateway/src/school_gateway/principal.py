"""The signed-in person as the gateway sees them (from identity), and how they become an internal token caller."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from schoolkit.context import Caller


def timestamp_seconds(message: Any, name: str) -> int:
    """Unix seconds of an optional google.protobuf.Timestamp field (0 when unset)."""
    if not message.HasField(name):
        return 0
    return int(getattr(message, name).seconds)


@dataclass(frozen=True)
class Principal:
    """Who a browser session stands for; rebuilt from identity's answer, never from the cookie."""

    user_id: str
    username: str
    full_name: str
    school_id: str
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)
    # Object scopes of the person's current assignments ("school", "class:<id>", …); services use
    # them for object checks, the gateway only forwards them.
    scopes: frozenset[str] = field(default_factory=frozenset)
    mfa_verified: bool = False
    # Unix seconds until which the session counts as stepped up (0: not stepped up).
    stepped_up_until: int = 0

    @classmethod
    def from_proto(cls, message: Any) -> Principal:
        return cls(
            user_id=message.user_id,
            username=message.username,
            full_name=message.full_name,
            school_id=message.school_id,
            roles=tuple(message.roles),
            permissions=frozenset(message.permissions),
            scopes=frozenset(message.scopes),
            mfa_verified=bool(message.mfa_verified),
            stepped_up_until=timestamp_seconds(message, "stepped_up_until"),
        )

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def stepped_up(self, now: float | None = None) -> bool:
        """Whether the session passed a fresh second-factor check (required before bulk exports)."""
        return self.stepped_up_until > (time.time() if now is None else now)

    def caller(self) -> Caller:
        """The caller an internal token carries for this person."""
        return Caller(
            subject=self.user_id,
            school_id=self.school_id,
            roles=self.roles,
            permissions=self.permissions,
            username=self.username,
            full_name=self.full_name,
            scopes=self.scopes,
            stepped_up_until=self.stepped_up_until,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "full_name": self.full_name,
            "school_id": self.school_id,
            "roles": list(self.roles),
            "permissions": sorted(self.permissions),
            "scopes": sorted(self.scopes),
            "mfa_verified": self.mfa_verified,
            "stepped_up_until": self.stepped_up_until or None,
        }
