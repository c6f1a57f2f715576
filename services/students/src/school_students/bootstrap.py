"""Composition root: builds the engine, unit of work, use cases and servicers from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import grpc
from sqlalchemy import Engine

from school_students.adapters.unit_of_work import unit_of_work_factory
from school_students.api.attendance_servicer import AttendanceServicer
from school_students.api.lists_servicer import StudentListsServicer
from school_students.api.movements_servicer import MovementsServicer
from school_students.api.records_servicer import StudentRecordsServicer
from school_students.api.servicer import StudentsServicer
from school_students.app.attendance import AttendanceUseCases
from school_students.app.movements import MovementsUseCases, RecordsUseCases, load_reasons
from school_students.app.ports import Clock, UnitOfWorkFactory
from school_students.app.records import StudentRecordsUseCases
from school_students.app.structure import StructureUseCases
from school_students.app.student_lists import StudentListsUseCases
from school_students.app.use_cases import StudentsUseCases
from school_students.config import Settings
from school_students.domain.attendance import AlertThresholds, SchoolCalendar, parse_holidays, parse_weekdays
from school_students.domain.reference import load_reference
from school_students.domain.structure import ClassLimits, SemesterDefaults
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping
from schoolkit.spreadsheets import OpenpyxlSpreadsheets

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Servicer(Protocol):
    def register(self, server: grpc.Server) -> str:
        """Add the servicer to ``server``; return its full service name (for health)."""
        ...


@dataclass
class Container:
    """The wired service; processes (serve, relay) take what they need from it."""

    settings: Settings
    engine: Engine
    use_cases: StudentsUseCases
    servicer: StudentsServicer
    # Every other gRPC service of the process (records, lists, ...), each added with one line in build().
    more_servicers: list[Servicer] = field(default_factory=list)

    @property
    def registrations(self) -> list[Callable[[grpc.Server], str]]:
        """What start_server registers: StudentsService first, then the others."""
        return [self.servicer.register, *(s.register for s in self.more_servicers)]

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings, *, clock: Clock = utc_now) -> Container:
    engine = make_engine(settings.database_url)
    uow = unit_of_work_factory(make_session_factory(engine))
    semester_defaults, class_limits = structure_settings(settings)
    reference = load_reference()
    use_cases = StudentsUseCases(
        uow,
        clock,
        settings.class_max_size_default,
        semester_defaults=semester_defaults,
        class_limits=class_limits,
    )
    structure = StructureUseCases(uow, semester_defaults, class_limits)
    container = Container(
        settings=settings, engine=engine, use_cases=use_cases, servicer=StudentsServicer(use_cases, structure)
    )
    container.more_servicers.append(
        StudentRecordsServicer(StudentRecordsUseCases(uow, clock, reference, settings.required_fields))
    )
    container.more_servicers.append(
        StudentListsServicer(StudentListsUseCases(uow, clock, reference, OpenpyxlSpreadsheets()))
    )
    container.more_servicers.append(AttendanceServicer(attendance_use_cases(settings, uow, clock)))
    movements = MovementsUseCases(
        uow,
        clock,
        reasons=load_reasons(settings.movement_reasons_file),
        handover_working_days=settings.transfer_handover_working_days,
        holidays=parse_holidays(settings.school_holidays),
    )
    container.more_servicers.append(MovementsServicer(movements, RecordsUseCases(uow, clock)))
    return container


def structure_settings(settings: Settings) -> tuple[SemesterDefaults, ClassLimits]:
    """The configured framework defaults and class-size bounds (config.py)."""
    day, month = (int(part) for part in settings.semester1_end.split("/"))
    defaults = SemesterDefaults(
        hk1_end_day=day,
        hk1_end_month=month,
        hk1_weeks=settings.semester1_teaching_weeks,
        hk2_weeks=settings.semester2_teaching_weeks,
    )
    return defaults, ClassLimits(settings.class_max_size_default, settings.class_max_size_limit)


def attendance_use_cases(settings: Settings, uow: UnitOfWorkFactory, clock: Clock) -> AttendanceUseCases:
    """Attendance with the configured school calendar and alert thresholds (issue 4)."""
    calendar = SchoolCalendar(
        non_school_weekdays=parse_weekdays(settings.attendance_non_school_weekdays),
        holidays=parse_holidays(settings.school_holidays),
    )
    thresholds = AlertThresholds(
        consecutive_days=settings.attendance_alert_consecutive_days,
        window_absences=settings.attendance_alert_window_absences,
        window_days=settings.attendance_alert_window_days,
    )
    return AttendanceUseCases(uow, clock, calendar, thresholds)
