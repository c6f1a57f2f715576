"""Ports the use cases depend on: repositories, the unit of work, the password hasher, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol

from school_identity.domain.events import DomainEvent
from school_identity.domain.model import Account, AuditEntry, School, Session

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
        """Store the account's mutable fields (hash, active flag, last login)."""
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

    def revoke_all_for(self, account_id: str, at: datetime) -> int:
        """Revoke every unrevoked session of an account; returns how many."""
        ...


class SchoolRepository(Protocol):
    def add(self, school: School) -> None: ...

    def get(self, school_id: str) -> School | None: ...


class AuditLog(Protocol):
    """Append-only: there is deliberately no update or delete."""

    def append(self, entry: AuditEntry) -> None: ...


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
