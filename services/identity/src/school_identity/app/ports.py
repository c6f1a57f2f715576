"""Ports the use cases depend on: repositories, the unit of work, the password hasher, the secret box,
the spreadsheet codec and the clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol

from school_identity.domain.events import DomainEvent
from school_identity.domain.model import (
    Account,
    Assignment,
    AuditEntry,
    AuditRecord,
    Department,
    LoginChallenge,
    MfaFactor,
    School,
    SchoolClass,
    SchoolYear,
    Session,
)
from school_identity.domain.staff import StaffRecord
from school_identity.domain.throttle import ThrottleState

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware in UTC (tests inject a controllable one)."""


class AccountRepository(Protocol):
    def add(self, account: Account) -> None:
        """Insert a new account; raises UsernameTakenError when the username exists."""
        ...

    def get(self, account_id: str) -> Account | None: ...

    def get_by_username(self, username: str) -> Account | None:
        """Look up by normalised username."""
        ...

    def update(self, account: Account) -> None:
        """Store the account's mutable fields."""
        ...

    def page(self, school_id: str, query: str, after_id: str | None, limit: int) -> list[Account]:
        """Accounts of a school by username; ``query`` (folded) filters username or name."""
        ...

    def all_for_school(self, school_id: str) -> list[Account]: ...

    def usernames(self, ids: Sequence[str]) -> dict[str, str]:
        """Username of each id that exists (for display next to audit rows)."""
        ...


class SessionRepository(Protocol):
    def add(self, session: Session) -> None: ...

    def get(self, key: str) -> Session | None: ...

    def touch(self, key: str, at: datetime) -> None:
        """Move the idle timer of a session that is not revoked."""
        ...

    def revoke(self, key: str, at: datetime) -> bool:
        """Revoke one session; True when it was live (not already revoked or unknown)."""
        ...

    def revoke_all_for(self, account_id: str, at: datetime, except_key: str | None = None) -> int:
        """Revoke every unrevoked session of an account (but ``except_key``); returns how many."""
        ...

    def step_up(self, key: str, until: datetime) -> None:
        """Mark a session as passed a second factor, stepped up until ``until``."""
        ...


class SchoolRepository(Protocol):
    def add(self, school: School) -> None: ...

    def get(self, school_id: str) -> School | None: ...


class MfaRepository(Protocol):
    def get(self, account_id: str) -> MfaFactor | None: ...

    def save(self, factor: MfaFactor) -> None:
        """Insert or replace the factor of ``factor.account_id``."""
        ...

    def delete(self, account_id: str) -> None: ...

    def claim_step(self, account_id: str, step: int) -> bool:
        """Record ``step`` as used unless it (or a later one) already was; False when it was.

        Atomic in the database, so two requests with the same code cannot both succeed.
        """
        ...

    def enrolled_accounts(self, account_ids: Sequence[str]) -> set[str]: ...


class RecoveryCodeRepository(Protocol):
    def replace(self, account_id: str, code_hashes: Sequence[str], at: datetime) -> None:
        """Drop every code of the account and store these instead."""
        ...

    def use(self, account_id: str, code_hash: str, at: datetime) -> bool:
        """Mark an unused code as used; False when there is no such unused code (atomic)."""
        ...

    def delete_all(self, account_id: str) -> None: ...


class ChallengeRepository(Protocol):
    def add(self, challenge: LoginChallenge) -> None: ...

    def get(self, key: str) -> LoginChallenge | None: ...

    def add_failure(self, key: str) -> int:
        """Count one wrong code; returns the new count."""
        ...

    def close(self, key: str, at: datetime) -> bool:
        """Close an open challenge; False when it was closed already (a concurrent use)."""
        ...

    def close_all_for(self, account_id: str, at: datetime) -> int:
        """Close every open challenge of an account (its password or state changed)."""
        ...


class ThrottleRepository(Protocol):
    def get(self, username: str) -> ThrottleState: ...

    def save(self, username: str, state: ThrottleState) -> None: ...

    def clear(self, username: str) -> None: ...

    def prune(self, before: datetime, now: datetime) -> None:
        """Forget names whose last failure is older than ``before`` and that are not locked."""
        ...


class RolePermissionRepository(Protocol):
    def for_school(self, school_id: str) -> dict[str, frozenset[str]]:
        """The school's stored sets (roles without a stored set use the defaults)."""
        ...

    def save(self, school_id: str, role: str, permissions: frozenset[str], at: datetime, by: str) -> None: ...


class AssignmentRepository(Protocol):
    def add(self, assignment: Assignment) -> None: ...

    def get(self, assignment_id: str) -> Assignment | None: ...

    def end(self, assignment_id: str, at: datetime, ends_on: date, by: str) -> None: ...

    def for_account(self, account_id: str) -> list[Assignment]: ...

    def for_school(self, school_id: str) -> list[Assignment]: ...


class SchoolYearRepository(Protocol):
    def get(self, school_year_id: str) -> SchoolYear | None: ...

    def upsert(self, year: SchoolYear) -> None: ...


class ClassRepository(Protocol):
    def get(self, class_id: str) -> SchoolClass | None: ...

    def upsert(self, school_class: SchoolClass) -> None: ...


class DepartmentRepository(Protocol):
    def add(self, department: Department, name_key: str) -> None:
        """Insert; raises AlreadyExistsError when the school has a department of that name."""
        ...

    def get(self, department_id: str) -> Department | None: ...

    def for_school(self, school_id: str) -> list[Department]: ...

    def set_grade_levels(self, department_id: str, grade_levels: tuple[int, ...]) -> None:
        """Replace the grade levels the department covers."""


class StaffRepository(Protocol):
    def add(self, record: StaffRecord) -> None: ...

    def get(self, staff_id: str) -> StaffRecord | None: ...

    def get_by_user(self, user_id: str) -> StaffRecord | None: ...

    def for_school(self, school_id: str) -> list[StaffRecord]: ...

    def update(self, record: StaffRecord, expected_version: int) -> bool:
        """Store ``record`` (its version already raised) if the stored version is still
        ``expected_version``; False when someone else changed it first."""
        ...

    def staff_ids_by_user(self, user_ids: Sequence[str]) -> dict[str, str]: ...


class ReminderRepository(Protocol):
    def record(self, account_id: str, kind: str, at: datetime) -> None: ...

    def for_accounts(self, account_ids: Sequence[str]) -> dict[tuple[str, str], datetime]: ...


class AuditLog(Protocol):
    """Append-only: there is deliberately no update or delete."""

    def append(self, entry: AuditEntry) -> None: ...

    def failures_from(self, ip: str, since: datetime, outcomes: Sequence[str]) -> list[datetime]:
        """Times of sign-in failures with these outcomes from one address since ``since``."""
        ...

    def search(
        self,
        school_id: str,
        *,
        people: Sequence[str],
        action_prefix: str,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[AuditRecord]:
        """Newest first; ``people`` (account ids) match the actor or the target."""
        ...


class ChildrenRepository(Protocol):
    """Guardian links projected from the students service (issue 4, records)."""

    def for_account(self, account_id: str, school_id: str) -> list[str]:
        """Ids of the students of ``school_id`` the parent account is a guardian of."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; events recorded in it reach the outbox in the same commit.

    Leaving the ``with`` block without ``commit()`` rolls everything back.
    """

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def schools(self) -> SchoolRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def mfa(self) -> MfaRepository: ...

    @property
    def recovery_codes(self) -> RecoveryCodeRepository: ...

    @property
    def challenges(self) -> ChallengeRepository: ...

    @property
    def throttle(self) -> ThrottleRepository: ...

    @property
    def role_permissions(self) -> RolePermissionRepository: ...

    @property
    def assignments(self) -> AssignmentRepository: ...

    @property
    def children(self) -> ChildrenRepository: ...

    @property
    def school_years(self) -> SchoolYearRepository: ...

    @property
    def classes(self) -> ClassRepository: ...

    @property
    def departments(self) -> DepartmentRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def reminders(self) -> ReminderRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def record(self, event: DomainEvent) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; ``read_only`` ones never take the write lock (SQLite)."""
        ...


class PasswordHasher(Protocol):
    @property
    def dummy_hash(self) -> str:
        """A hash of a random secret with the current parameters, verified when the user is unknown
        so that unknown usernames cost the same time as wrong passwords."""
        ...

    def hash(self, password: str) -> str: ...

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a mismatch or an unreadable hash."""
        ...

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with weaker parameters than the current ones."""
        ...


class SecretBox(Protocol):
    """Authenticated encryption of small secrets at rest (TOTP secrets)."""

    def encrypt(self, plain: str) -> str: ...

    def decrypt(self, token: str) -> str: ...


class Spreadsheets(Protocol):
    """Reads and writes .xlsx workbooks as rows of cell values."""

    def read(self, data: bytes, sheet: str) -> list[list[Any]]:
        """Rows of the named sheet (header first); raises ValueError for an unreadable file or
        a missing sheet."""
        ...

    def write(
        self, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], text_columns: Mapping[int, bool]
    ) -> bytes: ...
