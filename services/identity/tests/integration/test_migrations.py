"""Migrations: upgrade, downgrade and upgrade again on every database kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from school_identity.bootstrap import MIGRATIONS_DIR
from schoolkit.db import make_engine, migrations_current, normalise_url, run_migrations
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration

TABLES = {"schools", "accounts", "sessions", "audit_log", "event_outbox", "alembic_version"}


@pytest.mark.parametrize("kind", database_kinds())
def test_round_trip(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "identity_mig") as url:
        engine = make_engine(url)
        try:
            assert not migrations_current(MIGRATIONS_DIR, engine)
            run_migrations(MIGRATIONS_DIR, url)
            assert migrations_current(MIGRATIONS_DIR, engine)
            assert set(inspect(engine).get_table_names()) == TABLES

            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
            command.downgrade(cfg, "base")
            engine.dispose()
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

            run_migrations(MIGRATIONS_DIR, url)
            assert migrations_current(MIGRATIONS_DIR, engine)
        finally:
            engine.dispose()


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert MIGRATIONS_DIR.parent.name == "school_identity"
