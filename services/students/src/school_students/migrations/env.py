"""Alembic environment: the database URL comes from the ``sqlalchemy.url`` option that
schoolkit.db.run_migrations sets, never from a file, so one code path serves every deployment."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
if not url:
    raise RuntimeError("sqlalchemy.url is not set; run migrations with `python -m school_students migrate`")


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``), e.g. for a DBA review."""
    context.configure(url=url, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode lets later revisions alter SQLite tables (SQLite has no ALTER COLUMN).
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
