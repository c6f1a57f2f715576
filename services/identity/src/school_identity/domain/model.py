"""Identity's entities: schools, accounts, sessions, audit entries and the principal they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from school_identity.domain.roles import permissions_for


@dataclass(frozen=True)
class School:
    """A tenant: every account belongs to exactly one school."""

    id: str
    code: str
    name: str


@dataclass
class Account:
    """A person's sign-in account; roles are codes such as "HT" or "GVCN"."""

    id: str
    school_id: str
    username: str
    full_name: str
    password_hash: str
    roles: tuple[str, ...]
    is_active: bool
    created_at: datetime
    password_changed_at: datetime
    last_login_at: datetime | None = None

    def principal(self) -> Principal:
        return Principal(
            user_id=self.id,
            username=self.username,
            full_name=self.full_name,
            school_id=self.school_id,
            roles=self.roles,
            permissions=permissions_for(self.roles),
        )


@dataclass(frozen=True)
class Principal:
    """An authenticated person as the rest of the platform sees them (mirrors the proto)."""

    user_id: str
    username: str
    full_name: str
    school_id: str
    roles: tuple[str, ...]
    permissions: frozenset[str]


@dataclass
class Session:
    """A sign-in session; ``key`` is the SHA-256 of the opaque id the browser holds."""

    key: str
    account_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One append-only audit record: who did what, when (UTC), from where, with which outcome.

    ``detail`` never holds a password, a session id or a hash.
    """

    at: datetime
    actor: str
    action: str
    outcome: str
    school_id: str | None = None
    ip: str = ""
    request_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
