"""SQLAlchemy unit of work: business rows and their outbox events commit in one transaction."""

from __future__ import annotations

from contextlib import ExitStack
from types import TracebackType

from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from school_identity import SERVICE_NAME
from school_identity.adapters.children import SqlAlchemyChildrenRepository
from school_identity.adapters.repositories import (
    SqlAlchemyAccountRepository,
    SqlAlchemyAssignmentRepository,
    SqlAlchemyAuditLog,
    SqlAlchemyChallengeRepository,
    SqlAlchemyClassRepository,
    SqlAlchemyDepartmentRepository,
    SqlAlchemyMfaRepository,
    SqlAlchemyRecoveryCodeRepository,
    SqlAlchemyReminderRepository,
    SqlAlchemyRolePermissionRepository,
    SqlAlchemySchoolRepository,
    SqlAlchemySchoolYearRepository,
    SqlAlchemySessionRepository,
    SqlAlchemyStaffRepository,
    SqlAlchemyThrottleRepository,
)
from school_identity.adapters.tables import outbox
from school_identity.domain.events import DomainEvent
from school_identity.events.outbound import to_outbound
from schoolkit.db import read_only, transaction
from schoolkit.events.outbox import record_event


class SqlAlchemyUnitOfWork:
    """Open with ``with``; ``commit()`` writes the recorded events to the outbox, then commits.

    Leaving the block without committing rolls back, so a use case that fails half-way leaves
    neither business rows nor events behind.
    """

    def __init__(self, factory: sessionmaker[DbSession], *, read_only: bool = False) -> None:
        self._factory = factory
        self._read_only = read_only
        self._events: list[DomainEvent] = []
        self._stack: ExitStack | None = None
        self._db: DbSession | None = None
        self._committed = False

    @property
    def db(self) -> DbSession:
        if self._db is None:
            raise RuntimeError("unit of work used outside its with-block")
        return self._db

    @property
    def accounts(self) -> SqlAlchemyAccountRepository:
        return SqlAlchemyAccountRepository(self.db)

    @property
    def sessions(self) -> SqlAlchemySessionRepository:
        return SqlAlchemySessionRepository(self.db)

    @property
    def schools(self) -> SqlAlchemySchoolRepository:
        return SqlAlchemySchoolRepository(self.db)

    @property
    def audit(self) -> SqlAlchemyAuditLog:
        return SqlAlchemyAuditLog(self.db)

    @property
    def mfa(self) -> SqlAlchemyMfaRepository:
        return SqlAlchemyMfaRepository(self.db)

    @property
    def recovery_codes(self) -> SqlAlchemyRecoveryCodeRepository:
        return SqlAlchemyRecoveryCodeRepository(self.db)

    @property
    def challenges(self) -> SqlAlchemyChallengeRepository:
        return SqlAlchemyChallengeRepository(self.db)

    @property
    def throttle(self) -> SqlAlchemyThrottleRepository:
        return SqlAlchemyThrottleRepository(self.db)

    @property
    def role_permissions(self) -> SqlAlchemyRolePermissionRepository:
        return SqlAlchemyRolePermissionRepository(self.db)

    @property
    def assignments(self) -> SqlAlchemyAssignmentRepository:
        return SqlAlchemyAssignmentRepository(self.db)

    @property
    def children(self) -> SqlAlchemyChildrenRepository:
        return SqlAlchemyChildrenRepository(self.db)

    @property
    def school_years(self) -> SqlAlchemySchoolYearRepository:
        return SqlAlchemySchoolYearRepository(self.db)

    @property
    def classes(self) -> SqlAlchemyClassRepository:
        return SqlAlchemyClassRepository(self.db)

    @property
    def departments(self) -> SqlAlchemyDepartmentRepository:
        return SqlAlchemyDepartmentRepository(self.db)

    @property
    def staff(self) -> SqlAlchemyStaffRepository:
        return SqlAlchemyStaffRepository(self.db)

    @property
    def reminders(self) -> SqlAlchemyReminderRepository:
        return SqlAlchemyReminderRepository(self.db)

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self._stack = ExitStack()
        opener = read_only if self._read_only else transaction
        self._db = self._stack.enter_context(opener(self._factory))
        self._events = []
        self._committed = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stack is None:
            return
        try:
            if not self._committed and self._db is not None and self._db.in_transaction():
                self._db.rollback()
        finally:
            stack, self._stack, self._db = self._stack, None, None
            stack.__exit__(exc_type, exc, tb)

    def record(self, event: DomainEvent) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot record events")
        self._events.append(event)

    def commit(self) -> None:
        db = self.db
        for event in self._events:
            out = to_outbound(event)
            record_event(
                db,
                outbox,
                topic=out.topic,
                key=out.key,
                message=out.message,
                service=SERVICE_NAME,
                school_id=out.school_id,
            )
        self._events = []
        db.commit()
        self._committed = True

    def rollback(self) -> None:
        self._events = []
        self.db.rollback()


class SqlAlchemyUnitOfWorkFactory:
    """Hands a fresh unit of work to each use case call."""

    def __init__(self, factory: sessionmaker[DbSession]) -> None:
        self._factory = factory

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._factory, read_only=read_only)
