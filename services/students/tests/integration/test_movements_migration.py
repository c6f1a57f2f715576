"""Migration 0005 (movements): upgrade, downgrade and upgrade again on every database kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from school_students.bootstrap import MIGRATIONS_DIR
from schoolkit.db import make_engine, migrations_current, normalise_url, run_migrations
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration

MOVEMENT_TABLES = {
    "student_statuses",
    "student_movements",
    "enrolment_movements",
    "repeat_marks",
    "student_record_audit",
}


@pytest.mark.parametrize("kind", database_kinds())
def test_round_trip(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "students_mv_mig") as url:
        engine = make_engine(url)
        try:
            run_migrations(MIGRATIONS_DIR, url)
            assert set(inspect(engine).get_table_names()) >= MOVEMENT_TABLES
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
            command.downgrade(cfg, "0002")
            engine.dispose()
            tables = set(inspect(engine).get_table_names())
            assert not MOVEMENT_TABLES & tables
            assert {"students", "enrolments", "classes"} <= tables
            run_migrations(MIGRATIONS_DIR, url)
            engine.dispose()
            assert set(inspect(engine).get_table_names()) >= MOVEMENT_TABLES
            assert migrations_current(MIGRATIONS_DIR, engine)
        finally:
            engine.dispose()
