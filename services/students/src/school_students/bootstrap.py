"""Composition root: builds the engine, unit of work, use cases and servicer from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from school_students.adapters.unit_of_work import unit_of_work_factory
from school_students.api.attendance_servicer import AttendanceServicer
from school_students.api.servicer import StudentsServicer
from school_students.app.attendance import AttendanceUseCases
from school_students.app.ports import Clock, UnitOfWorkFactory
from school_students.app.use_cases import StudentsUseCases
from school_students.config import Settings
from school_students.domain.attendance import AlertThresholds, SchoolCalendar, parse_holidays, parse_weekdays
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping

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
    attendance_servicer: AttendanceServicer

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings, *, clock: Clock = utc_now) -> Container:
    engine = make_engine(settings.database_url)
    uow = unit_of_work_factory(make_session_factory(engine))
    use_cases = StudentsUseCases(uow, clock, settings.class_max_size_default)
    return Container(
        settings=settings,
        engine=engine,
        use_cases=use_cases,
        servicer=StudentsServicer(use_cases),
        attendance_servicer=AttendanceServicer(attendance_use_cases(settings, uow, clock)),
    )


def attendance_use_cases(settings: Settings, uow: UnitOfWorkFactory, clock: Clock) -> AttendanceUseCases:
    """Attendance with the configured school calendar and alert thresholds (issue 4)."""
    calendar = SchoolCalendar(
        non_school_weekdays=parse_weekdays(settings.attendance_non_school_weekdays),
        holidays=parse_holidays(settings.attendance_holidays),
    )
    thresholds = AlertThresholds(
        consecutive_days=settings.attendance_alert_consecutive_days,
        window_absences=settings.attendance_alert_window_absences,
        window_days=settings.attendance_alert_window_days,
    )
    return AttendanceUseCases(uow, clock, calendar, thresholds)
