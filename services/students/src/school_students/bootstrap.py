"""Composition root: builds the engine, unit of work, use cases and servicer from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from school_students.adapters.unit_of_work import unit_of_work_factory
from school_students.api.movements_servicer import MovementsServicer
from school_students.api.servicer import StudentsServicer
from school_students.app.movements import MovementsUseCases, RecordsUseCases, load_reasons, parse_holidays
from school_students.app.ports import Clock
from school_students.app.use_cases import StudentsUseCases
from school_students.config import Settings
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
    movements: MovementsServicer | None = None

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings, *, clock: Clock = utc_now) -> Container:
    engine = make_engine(settings.database_url)
    use_cases = StudentsUseCases(
        unit_of_work_factory(make_session_factory(engine)), clock, settings.class_max_size_default
    )
    movements = MovementsUseCases(
        unit_of_work_factory(make_session_factory(engine)),
        clock,
        reasons=load_reasons(settings.movement_reasons_file),
        handover_working_days=settings.transfer_handover_working_days,
        holidays=parse_holidays(settings.school_holidays),
    )
    return Container(
        settings=settings,
        engine=engine,
        use_cases=use_cases,
        servicer=StudentsServicer(use_cases),
        movements=MovementsServicer(
            movements, RecordsUseCases(unit_of_work_factory(make_session_factory(engine)), clock)
        ),
    )
