"""Composition root: builds the engine, unit of work, hasher and use-case dependencies from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from school_identity.adapters.passwords import Argon2PasswordHasher
from school_identity.adapters.unit_of_work import SqlAlchemyUnitOfWorkFactory
from school_identity.app.deps import Deps, utc_now
from school_identity.app.ports import Clock, PasswordHasher
from school_identity.config import Settings
from school_identity.domain.sessions import SessionPolicy
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class Container:
    """What a process of the service needs: the engine (for health and shutdown) and the deps."""

    engine: Engine
    deps: Deps

    def readiness(self) -> Callable[[], bool]:
        """Serving only while the database answers and its schema is at the newest migration."""
        engine = self.engine

        def ready() -> bool:
            return ping(engine) and migrations_current(MIGRATIONS_DIR, engine)

        return ready


def make_hasher(settings: Settings) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )


def build(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    hasher: PasswordHasher | None = None,
    engine: Engine | None = None,
) -> Container:
    engine = engine or make_engine(settings.database_url)
    deps = Deps(
        uow=SqlAlchemyUnitOfWorkFactory(make_session_factory(engine)),
        hasher=hasher or make_hasher(settings),
        policy=SessionPolicy(idle=settings.session_idle, absolute=settings.session_absolute),
        clock=clock,
    )
    return Container(engine=engine, deps=deps)
