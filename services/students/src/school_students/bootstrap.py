"""Composition root: builds the engine, unit of work, use cases and servicer from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from school_students.adapters.unit_of_work import unit_of_work_factory
from school_students.api.servicer import StudentsServicer
from school_students.app.ports import Clock
from school_students.app.structure import StructureUseCases
from school_students.app.use_cases import StudentsUseCases
from school_students.config import Settings
from school_students.domain.structure import ClassLimits, SemesterDefaults
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

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings, *, clock: Clock = utc_now) -> Container:
    engine = make_engine(settings.database_url)
    uow = unit_of_work_factory(make_session_factory(engine))
    semester_defaults, class_limits = structure_settings(settings)
    use_cases = StudentsUseCases(
        uow,
        clock,
        settings.class_max_size_default,
        semester_defaults=semester_defaults,
        class_limits=class_limits,
    )
    structure = StructureUseCases(uow, semester_defaults, class_limits)
    return Container(
        settings=settings, engine=engine, use_cases=use_cases, servicer=StudentsServicer(use_cases, structure)
    )


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
