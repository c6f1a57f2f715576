"""The signed-in person as the gateway sees them (from identity), and how they become an internal token caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schoolkit.context import Caller


@dataclass(frozen=True)
class Principal:
    """Who a browser session stands for; rebuilt from identity's answer, never from the cookie."""

    user_id: str
    username: str
    full_name: str
    school_id: str
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_proto(cls, message: Any) -> Principal:
        return cls(
            user_id=message.user_id,
            username=message.username,
            full_name=message.full_name,
            school_id=message.school_id,
            roles=tuple(message.roles),
            permissions=frozenset(message.permissions),
        )

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def caller(self) -> Caller:
        """The caller an internal token carries for this person."""
        return Caller(
            subject=self.user_id,
            school_id=self.school_id,
            roles=self.roles,
            permissions=self.permissions,
            username=self.username,
            full_name=self.full_name,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "full_name": self.full_name,
            "school_id": self.school_id,
            "roles": list(self.roles),
            "permissions": sorted(self.permissions),
        }
