"""Migrations: upgrade, downgrade and upgrade again on every database kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from school_identity.bootstrap import MIGRATIONS_DIR
from schoolkit.db import make_engine, migrations_current, normalise_url, run_migrations
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration

TABLES = {
    "schools",
    "accounts",
    "sessions",
    "audit_log",
    "event_outbox",
    "event_inbox",
    "alembic_version",
    "mfa_factors",
    "recovery_codes",
    "login_challenges",
    "login_throttle",
    "role_permissions",
    "school_years",
    "classes",
    "departments",
    "assignments",
    "staff",
    "account_reminders",
    "guardian_children",
}


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
    assert (MIGRATIONS_DIR / "versions" / "0002_identity_and_permissions.py").is_file()
    assert MIGRATIONS_DIR.parent.name == "school_identity"


@pytest.mark.parametrize("kind", database_kinds())
def test_upgrading_a_0001_database_keeps_its_data_and_the_append_only_triggers(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "identity_up") as url:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
        command.upgrade(cfg, "0001")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO schools (id, code, name) VALUES ('s', 'TH', 'Trường')"))
                conn.execute(
                    text(
                        "INSERT INTO accounts (id, school_id, username, full_name, password_hash, roles, is_active,"
                        " created_at, password_changed_at) VALUES ('a', 's', 'hieutruong', 'Nguyễn Thị Thu Hà', 'h',"
                        " '[\"HT\"]', true, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, action, outcome, ip, request_id, detail)"
                        " VALUES ('2026-01-01 00:00:00+00', 'a', 'login.success', 'ok', '', '', '{}')"
                    )
                )
            run_migrations(MIGRATIONS_DIR, url)
            with engine.connect() as conn:
                row = conn.execute(text("SELECT search_text, must_change_password FROM accounts")).one()
                assert row[0] == "hieutruong nguyen thi thu ha"
                assert not row[1]
                assert conn.execute(text("SELECT target FROM audit_log")).scalar_one() == ""
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text("UPDATE audit_log SET outcome = 'x'"))
            command.downgrade(cfg, "0001")
            engine.dispose()
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
        finally:
            engine.dispose()


@pytest.mark.parametrize("kind", database_kinds())
def test_0003_adds_the_student_record_permissions_to_existing_schools_and_keeps_edits(
    kind: str, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path, "identity_0003") as url:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
        command.upgrade(cfg, "0002")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO schools (id, code, name) VALUES ('s', 'TH', 'Trường')"))
                for role, perms in (
                    # The principal had taken students:class:read away from GVCN: it must stay away.
                    ("GVCN", '["identity:me:read", "students:student:read"]'),
                    ("KT", '["identity:me:read"]'),
                ):
                    conn.execute(
                        text(
                            "INSERT INTO role_permissions (school_id, role, permissions, updated_at, updated_by)"
                            " VALUES ('s', :role, :perms, '2026-01-01 00:00:00+00', 'HT')"
                        ),
                        {"role": role, "perms": perms},
                    )
            command.upgrade(cfg, "0003")
            with engine.connect() as conn:
                got = {
                    role: set(json.loads(p) if isinstance(p, str) else p)
                    for role, p in conn.execute(text("SELECT role, permissions FROM role_permissions")).all()
                }
            assert "students:attendance:write" in got["GVCN"]
            assert "students:student:read_sensitive" in got["GVCN"]
            assert "students:class:read" not in got["GVCN"]
            assert "students:movement:write" not in got["GVCN"]
            assert got["KT"] == {"identity:me:read"}
            command.downgrade(cfg, "0002")
            with engine.connect() as conn:
                perms = conn.execute(text("SELECT permissions FROM role_permissions WHERE role = 'GVCN'")).scalar_one()
            assert set(json.loads(perms) if isinstance(perms, str) else perms) == {
                "identity:me:read",
                "students:student:read",
            }
        finally:
            engine.dispose()


def test_0003_grants_exactly_the_new_default_permissions() -> None:
    """The migration spells its grants out; they must match what a new school gets by default."""
    import importlib.util

    from school_identity.domain.roles import DEFAULT_ROLE_PERMISSIONS, Role

    spec = importlib.util.spec_from_file_location(
        "m0003", MIGRATIONS_DIR / "versions" / "0003_student_record_permissions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    new = frozenset().union(*module.GRANTS.values())
    for role in Role:
        assert module.GRANTS.get(role.value, frozenset()) == DEFAULT_ROLE_PERMISSIONS[role] & new, role
