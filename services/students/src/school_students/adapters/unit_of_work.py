"""The SQLAlchemy unit of work: one transaction holding the change and its outbox events."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from school_students.adapters.attendance_repository import SqlAlchemyAttendanceRepository
from school_students.adapters.repositories import (
    SqlAlchemyClassRepository,
    SqlAlchemyIdempotencyRepository,
    SqlAlchemySchoolYearRepository,
    SqlAlchemyStudentRepository,
)
from school_students.adapters.repositories_movements import SqlAlchemyMovementRepository
from school_students.adapters.repositories_records import SqlAlchemyGuardianRepository, SqlAlchemyRecordRepository
from school_students.adapters.tables import outbox
from school_students.app.ports import DuplicateKeyError
from school_students.domain.events import DomainEvent
from school_students.events.outbound import SERVICE, TOPIC, to_message
from schoolkit.db import read_only, transaction
from schoolkit.events.outbox import record_event


class SqlAlchemyUnitOfWork:
    """Commits on a clean exit, rolls back otherwise; a unique violation surfaces as DuplicateKeyError."""

    def __init__(self, factory: sessionmaker[Session], *, readonly: bool = False) -> None:
        self._factory = factory
        self._readonly = readonly
        self._cm: AbstractContextManager[Session] | None = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self._cm = read_only(self._factory) if self._readonly else transaction(self._factory)
        self.session = self._cm.__enter__()
        self.school_years = SqlAlchemySchoolYearRepository(self.session)
        self.classes = SqlAlchemyClassRepository(self.session)
        self.students = SqlAlchemyStudentRepository(self.session)
        self.idempotency = SqlAlchemyIdempotencyRepository(self.session)
        self.records = SqlAlchemyRecordRepository(self.session)
        self.guardians = SqlAlchemyGuardianRepository(self.session)
        self.attendance = SqlAlchemyAttendanceRepository(self.session)
        self.movements = SqlAlchemyMovementRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._cm is not None, "unit of work exited before it was entered"
        cm, self._cm = self._cm, None
        try:
            cm.__exit__(exc_type, exc, tb)
        except IntegrityError as err:  # raised by the commit itself
            raise DuplicateKeyError(str(err.orig)) from err
        if isinstance(exc, IntegrityError):
            raise DuplicateKeyError(str(exc.orig)) from exc

    def emit(self, school_id: str, event: DomainEvent) -> None:
        key, message = to_message(school_id, event)
        record_event(self.session, outbox, topic=TOPIC, key=key, message=message, service=SERVICE, school_id=school_id)


def unit_of_work_factory(factory: sessionmaker[Session]) -> Callable[[bool], SqlAlchemyUnitOfWork]:
    """Adapt a session factory to the app's ``UnitOfWorkFactory`` port."""

    def make(readonly: bool) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, readonly=readonly)

    return make
