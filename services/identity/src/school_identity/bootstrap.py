"""Composition root: builds the engine, unit of work, hasher, secret box and use-case dependencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from school_identity.adapters.passwords import Argon2PasswordHasher
from school_identity.adapters.secret_box import FernetSecretBox
from school_identity.adapters.unit_of_work import SqlAlchemyUnitOfWorkFactory
from school_identity.app.deps import Deps, utc_now
from school_identity.app.ports import Clock, PasswordHasher
from school_identity.config import Settings
from school_identity.domain.sessions import SessionPolicy
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping
from schoolkit.spreadsheets import OpenpyxlSpreadsheets

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class Container:
    """What a process of the service needs: the engine (for health and shutdown) and the deps."""

    engine: Engine
    deps: Deps
    secret_box: FernetSecretBox

    def readiness(self) -> Callable[[], bool]:
        """Serving only while the database answers, its schema is at the newest migration, and the
        MFA key can be read."""
        engine, box = self.engine, self.secret_box

        def ready() -> bool:
            return ping(engine) and migrations_current(MIGRATIONS_DIR, engine) and box.available()

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
    box = FernetSecretBox(settings.mfa_key_file)
    deps = Deps(
        uow=SqlAlchemyUnitOfWorkFactory(make_session_factory(engine)),
        hasher=hasher or make_hasher(settings),
        secrets=box,
        sheets=OpenpyxlSpreadsheets(),
        policy=SessionPolicy(idle=settings.session_idle, absolute=settings.session_absolute),
        rules=settings.rules,
        clock=clock,
    )
    return Container(engine=engine, deps=deps, secret_box=box)
