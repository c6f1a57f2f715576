"""Database plumbing: engines (SQLite WAL by default, PostgreSQL by URL), sessions, migrations."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# SQLite transactions start as writers (BEGIN IMMEDIATE) unless a caller said it only reads:
# a deferred transaction that later writes can fail at once with "database is locked" in WAL mode.
_sqlite_writes: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_writes", default=True)


class Base(DeclarativeBase):
    """Declarative base for a service's tables; each service defines its own subclass of this."""


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """Create an engine; for SQLite turn on WAL, a busy timeout and foreign keys.

    Several processes of one service (server, relay, consumer) share one SQLite file, so WAL and
    a busy timeout are what keep them from failing with "database is locked".
    """
    url = normalise_url(url)
    parsed = make_url(url)
    # hide_parameters: a database error never logs bound values (comments, scores, results).
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when a transaction starts (BEGIN IMMEDIATE
            # below), so readers never upgrade to writers mid-transaction and deadlock.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_writes.get() else "BEGIN")

        return engine
    kwargs.update(pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)
    return create_engine(url, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for queries only; on SQLite it does not take the write lock."""
    token = _sqlite_writes.set(False)
    try:
        with factory() as session, session.begin():
            yield session
    finally:
        _sqlite_writes.reset(token)


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query (used by the health service)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for health purposes
        return False


def run_migrations(migrations_dir: Path, url: str) -> None:
    """Upgrade the database at ``url`` to the newest Alembic revision in ``migrations_dir``."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    command.upgrade(cfg, "head")


@functools.lru_cache(maxsize=8)
def _script_heads(migrations_dir: Path) -> frozenset[str]:
    """The newest revisions shipped with the code; they cannot change while the process runs."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def migrations_current(migrations_dir: Path, engine: Engine) -> bool:
    """True when the database is at the newest revision (health reports NOT_SERVING otherwise).

    Called every second by the readiness loop: the script directory is parsed once, only the
    database's revision is read each time.
    """
    from alembic.runtime.migration import MigrationContext

    heads = _script_heads(migrations_dir)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception:  # noqa: BLE001 - unreachable database counts as not current
        return False
    return current == heads
