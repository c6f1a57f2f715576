"""Revision 0006 (attendance): upgrade → downgrade → upgrade on every database kind, and the
tables it creates match adapters/tables_attendance.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from school_students.adapters.tables_attendance import (
    absence_alerts,
    attendance_corrections,
    attendance_days,
    attendance_marks,
)
from school_students.bootstrap import MIGRATIONS_DIR
from schoolkit.db import make_engine, migrations_current, normalise_url, run_migrations
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration

TABLES = (attendance_days, attendance_marks, attendance_corrections, absence_alerts)


@pytest.mark.parametrize("kind", database_kinds())
def test_attendance_revision_round_trip(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "students_att_mig") as url:
        engine = make_engine(url)
        try:
            run_migrations(MIGRATIONS_DIR, url)
            assert migrations_current(MIGRATIONS_DIR, engine)
            inspector = inspect(engine)
            for table in TABLES:
                assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}
            assert any(ix["unique"] for ix in inspector.get_indexes("attendance_days"))

            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
            command.downgrade(cfg, "0002")
            engine.dispose()
            names = set(inspect(engine).get_table_names())
            assert not names & {t.name for t in TABLES}
            assert "students" in names

            run_migrations(MIGRATIONS_DIR, url)
            engine.dispose()
            assert {t.name for t in TABLES} <= set(inspect(engine).get_table_names())
            assert migrations_current(MIGRATIONS_DIR, engine)
        finally:
            engine.dispose()
