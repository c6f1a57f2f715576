"""Domain events identity publishes (past tense); mapped to protobuf messages on the way out.

None of them carries a password, code, secret, citizen id or contact data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountCreated:
    user_id: str
    school_id: str
    username: str
    full_name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class UserLoggedIn:
    user_id: str
    school_id: str


@dataclass(frozen=True)
class AccountDisabled:
    user_id: str
    school_id: str


@dataclass(frozen=True)
class AccountEnabled:
    user_id: str
    school_id: str


@dataclass(frozen=True)
class AccountLocked:
    user_id: str
    school_id: str
    locked_until: str  # RFC 3339, UTC


@dataclass(frozen=True)
class AccountReminderSent:
    user_id: str
    school_id: str
    reason: str


@dataclass(frozen=True)
class StaffCreated:
    staff_id: str
    school_id: str
    full_name: str
    position: str
    department_id: str
    user_id: str


@dataclass(frozen=True)
class StaffUpdated:
    staff_id: str
    school_id: str
    full_name: str
    position: str
    department_id: str
    employment_status: str


@dataclass(frozen=True)
class RoleAssigned:
    assignment_id: str
    school_id: str
    user_id: str
    role: str
    school_year_id: str
    scope_kind: str
    department_id: str
    class_id: str
    subject_code: str
    starts_on: str
    ends_on: str


@dataclass(frozen=True)
class AssignmentEnded:
    assignment_id: str
    school_id: str
    user_id: str
    role: str
    ended_on: str


@dataclass(frozen=True)
class RolePermissionsChanged:
    school_id: str
    role: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class MfaEnrolled:
    user_id: str
    school_id: str


@dataclass(frozen=True)
class PasswordChanged:
    user_id: str
    school_id: str
    by_reset: bool


DomainEvent = (
    AccountCreated
    | UserLoggedIn
    | AccountDisabled
    | AccountEnabled
    | AccountLocked
    | AccountReminderSent
    | StaffCreated
    | StaffUpdated
    | RoleAssigned
    | AssignmentEnded
    | RolePermissionsChanged
    | MfaEnrolled
    | PasswordChanged
)
