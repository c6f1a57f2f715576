"""Composition root: builds the engine, unit of work, use cases and servicer from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from school_students.adapters.unit_of_work import unit_of_work_factory
from school_students.api.lists_servicer import StudentListsServicer
from school_students.api.records_servicer import StudentRecordsServicer
from school_students.api.servicer import StudentsServicer
from school_students.app.ports import Clock
from school_students.app.records import StudentRecordsUseCases
from school_students.app.student_lists import StudentListsUseCases
from school_students.app.use_cases import StudentsUseCases
from school_students.config import Settings
from school_students.domain.reference import load_reference
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping
from schoolkit.spreadsheets import OpenpyxlSpreadsheets

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """The wired service; processes (serve, relay) take what they need from it."""

    settings: Settings
    engine: Engine
    use_cases: StudentsUseCases
    servicer: StudentsServicer
    lists: StudentListsServicer
    records_servicer: StudentRecordsServicer

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings, *, clock: Clock = utc_now) -> Container:
    engine = make_engine(settings.database_url)
    uow = unit_of_work_factory(make_session_factory(engine))
    use_cases = StudentsUseCases(uow, clock, settings.class_max_size_default)
    reference = load_reference()
    lists = StudentListsUseCases(uow, clock, reference, OpenpyxlSpreadsheets())
    records = StudentRecordsUseCases(uow, clock, reference, settings.required_fields)
    return Container(
        settings=settings,
        engine=engine,
        use_cases=use_cases,
        servicer=StudentsServicer(use_cases),
        lists=StudentListsServicer(lists),
        records_servicer=StudentRecordsServicer(records),
    )
