"""Grades migration 0002 (roster movements): upgrade, downgrade and upgrade again on every database kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from school_grades.bootstrap import MIGRATIONS_DIR
from schoolkit.db import make_engine, migrations_current, normalise_url, run_migrations
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration


def _columns(engine: object) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("roster")}  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", database_kinds())
def test_round_trip(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "grades_mv_mig") as url:
        engine = make_engine(url)
        try:
            run_migrations(MIGRATIONS_DIR, url)
            assert {"left_on", "left_status"} <= _columns(engine)
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
            command.downgrade(cfg, "0001")
            engine.dispose()
            assert not {"left_on", "left_status"} & _columns(engine)
            run_migrations(MIGRATIONS_DIR, url)
            engine.dispose()
            assert {"left_on", "left_status"} <= _columns(engine)
            assert migrations_current(MIGRATIONS_DIR, engine)
        finally:
            engine.dispose()
