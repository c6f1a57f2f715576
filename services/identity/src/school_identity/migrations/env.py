"""Alembic environment for identity: the database URL comes from the option ``sqlalchemy.url``."""

from __future__ import annotations

from alembic import context

from school_identity.adapters.tables import metadata
from schoolkit.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError(
        "identity migrations need the Alembic option sqlalchemy.url (schoolkit.db.run_migrations sets it)"
    )


def run_offline(database_url: str) -> None:
    """Emit SQL instead of executing it (``alembic upgrade --sql``)."""
    context.configure(url=database_url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online(database_url: str) -> None:
    # schoolkit's engine: the SQLite file's directory is created and WAL is on from the start.
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline(url)
else:
    run_online(url)
