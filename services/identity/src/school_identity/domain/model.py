"""Identity's entities: schools, accounts, sessions, second factors, sign-in challenges, assignments,
school-year projections, departments, audit entries, and the principal they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class School:
    """A tenant: every account belongs to exactly one school."""

    id: str
    code: str
    name: str


@dataclass
class Account:
    """A person's sign-in account; ``roles`` are the account-level role codes ("HT", "QTHT", …)."""

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
    # Set for new staff accounts and after an administrator's reset: the next sign-in changes it.
    must_change_password: bool = False
    # A one-time code from an administrator stops working at this time.
    password_expires_at: datetime | None = None


@dataclass(frozen=True)
class Principal:
    """An authenticated person as the rest of the platform sees them (mirrors the proto)."""

    user_id: str
    username: str
    full_name: str
    school_id: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    scopes: frozenset[str] = frozenset()
    mfa_verified: bool = False
    stepped_up_until: datetime | None = None


@dataclass
class Session:
    """A sign-in session; ``key`` is the SHA-256 of the opaque id the browser holds."""

    key: str
    account_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    # Whether the sign-in passed a second factor, and until when a step-up counts.
    mfa_verified: bool = False
    stepped_up_until: datetime | None = None


@dataclass
class MfaFactor:
    """A person's TOTP factor; secrets are encrypted (the adapter never sees them in clear)."""

    account_id: str
    secret_encrypted: str | None = None
    pending_secret_encrypted: str | None = None
    enrolled_at: datetime | None = None
    # Step of the last accepted code: that code, and every earlier one, is refused from now on.
    last_used_step: int | None = None

    @property
    def enrolled(self) -> bool:
        return self.secret_encrypted is not None and self.enrolled_at is not None


class LoginStep(StrEnum):
    """What a pending sign-in still needs, in the order they are asked for."""

    PASSWORD_CHANGE = "password_change"  # noqa: S105 - a step name, not a password
    MFA_ENROL = "mfa_enrol"
    MFA = "mfa"


@dataclass
class LoginChallenge:
    """A sign-in that passed the password and still has steps; ``key`` is the SHA-256 of its id.

    What the finished steps produced (the new password's hash, a confirmed TOTP secret) waits
    here and reaches the account only when the last step succeeds, so a half-finished sign-in
    changes nothing.
    """

    key: str
    account_id: str
    steps: tuple[LoginStep, ...]
    created_at: datetime
    expires_at: datetime
    failures: int = 0
    closed_at: datetime | None = None
    new_password_hash: str | None = None
    pending_secret_encrypted: str | None = None
    enrolled_step: int | None = None
    mfa_verified: bool = False


@dataclass
class Assignment:
    """A role held by a person within a school year (or by the account) and a scope."""

    id: str
    school_id: str
    account_id: str
    role: str
    scope_kind: str
    starts_on: date
    granted_by: str
    granted_at: datetime
    school_year_id: str = ""
    department_id: str = ""
    class_id: str = ""
    subject_code: str = ""
    ends_on: date | None = None
    ended_at: datetime | None = None
    ended_by: str = ""

    def current(self, today: date) -> bool:
        """Running today: started, not past its last day, not ended early."""
        if self.ended_at is not None or self.starts_on > today:
            return False
        return self.ends_on is None or today <= self.ends_on


@dataclass(frozen=True)
class SchoolYear:
    """Identity's copy of a school year announced by the students service."""

    id: str
    school_id: str
    name: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class SchoolClass:
    """Identity's copy of a class announced by the students service."""

    id: str
    school_id: str
    school_year_id: str
    name: str
    grade_level: int


@dataclass(frozen=True)
class Department:
    """A tổ chuyên môn and the grade levels (khối) it covers, ascending."""

    id: str
    school_id: str
    name: str
    grade_levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    """One append-only audit record: who did what to whom, when (UTC), from where, with which outcome.

    ``detail`` never holds a password, a code, a secret, a session id, a hash or a citizen id.
    """

    at: datetime
    actor: str
    action: str
    outcome: str
    school_id: str | None = None
    ip: str = ""
    request_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    target: str = ""


@dataclass(frozen=True)
class AuditRecord:
    """A stored audit entry as read back (with its sequence number and the actor's username)."""

    id: int
    entry: AuditEntry
    actor_username: str = ""
