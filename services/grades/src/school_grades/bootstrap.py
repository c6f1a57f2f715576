"""Composition root: builds the engine, roster reader, queries and servicer from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from school_grades.adapters.repositories import SqlAlchemyRosterReader
from school_grades.api.servicer import GradesServicer
from school_grades.app.queries import RosterQueries
from school_grades.config import Settings
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass
class Container:
    """The wired service; processes (serve, consume) take what they need from it."""

    settings: Settings
    engine: Engine
    queries: RosterQueries
    servicer: GradesServicer

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings) -> Container:
    engine = make_engine(settings.database_url)
    queries = RosterQueries(SqlAlchemyRosterReader(make_session_factory(engine)))
    return Container(settings=settings, engine=engine, queries=queries, servicer=GradesServicer(queries))
