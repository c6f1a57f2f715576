"""Migration 0005 grants the grade book's issue-5 permissions to the roles of schools that exist,
keeps a principal's own edits, and takes only its own grants back on downgrade."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from school_identity.bootstrap import MIGRATIONS_DIR
from school_identity.domain.roles import DEFAULT_ROLE_PERMISSIONS, Role
from schoolkit.db import make_engine, normalise_url
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration


def held(engine_url: str, role: str) -> set[str]:
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT permissions FROM role_permissions WHERE role = :r"), {"r": role}
            ).scalar_one()
    finally:
        engine.dispose()
    return set(json.loads(value) if isinstance(value, str) else value)


@pytest.mark.parametrize("kind", database_kinds())
def test_0005_grants_the_grade_book_permissions(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "identity_0005") as url:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
        command.upgrade(cfg, "0004")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO schools (id, code, name) VALUES ('s', 'TH', 'Trường')"))
                for role, perms in (("GVCN", ["grades:score:write", "x:own:edit"]), ("TTCM", []), ("KT", [])):
                    conn.execute(
                        text(
                            "INSERT INTO role_permissions (school_id, role, permissions, updated_at, updated_by)"
                            " VALUES ('s', :role, :perms, '2026-01-01 00:00:00+00', 'HT')"
                        ),
                        {"role": role, "perms": json.dumps(perms)},
                    )
        finally:
            engine.dispose()
        command.upgrade(cfg, "0005")
        assert held(url, "GVCN") == {"grades:score:write", "x:own:edit", "grades:result:write", "grades:record:print"}
        assert held(url, "TTCM") == {"grades:check:read"}
        assert held(url, "KT") == set()  # a role with nothing to gain is left alone
        command.downgrade(cfg, "0004")
        assert held(url, "GVCN") == {"grades:score:write", "x:own:edit"}
        assert held(url, "TTCM") == set()


def test_the_migration_grants_what_a_new_school_gets() -> None:
    """A school created after the upgrade and one upgraded by 0005 end with the same grade permissions."""
    from importlib import import_module

    grants = import_module("school_identity.migrations.versions.0005_grades_permissions").GRANTS
    for role_name, extra in grants.items():
        assert extra <= DEFAULT_ROLE_PERMISSIONS[Role(role_name)], role_name
    issue5 = {p for perms in DEFAULT_ROLE_PERMISSIONS.values() for p in perms if p.startswith("grades:")} - {
        "grades:roster:read",
        "grades:score:read",
        "grades:score:write",
        "grades:period:lock",
    }
    for role, perms in DEFAULT_ROLE_PERMISSIONS.items():
        assert perms & issue5 <= grants.get(role.value, frozenset()), role
