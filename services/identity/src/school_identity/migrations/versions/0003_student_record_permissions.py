"""Grant the permissions introduced with the full student record (issue 4) to schools that already exist.

New schools get them from DEFAULT_ROLE_PERMISSIONS when they are created; a school created before
this release keeps the role table its principal may have edited, so only the new names are added
(never removed) and only to the roles that hold them by default. The grants are written out here
rather than imported so this revision means the same thing forever.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SENSITIVE = "students:student:read_sensitive"
_IMPORT = "students:student:import"
_EXPORT = "students:student:export"
_DELETE = "students:student:delete"
_LINK = "students:guardian:link"
_MOVE_READ = "students:movement:read"
_MOVE_WRITE = "students:movement:write"
_ATT_READ = "students:attendance:read"
_ATT_WRITE = "students:attendance:write"

GRANTS: dict[str, frozenset[str]] = {
    "HT": frozenset({_SENSITIVE, _IMPORT, _EXPORT, _DELETE, _LINK, _MOVE_READ, _MOVE_WRITE, _ATT_READ, _ATT_WRITE}),
    "PHT": frozenset({_MOVE_READ, _ATT_READ}),
    "TTCM": frozenset({_MOVE_READ, _ATT_READ}),
    "GVCN": frozenset({_SENSITIVE, _EXPORT, _MOVE_READ, _ATT_READ, _ATT_WRITE}),
    "VP": frozenset({_SENSITIVE, _IMPORT, _EXPORT, _LINK, _MOVE_READ, _MOVE_WRITE, _ATT_READ}),
}

_table = sa.table(
    "role_permissions",
    sa.column("school_id", sa.String),
    sa.column("role", sa.String),
    sa.column("permissions", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("updated_by", sa.String),
)


def _as_list(value: object) -> list[str]:
    # SQLite hands JSON back as text through a lightweight table; PostgreSQL as a list.
    loaded = json.loads(value) if isinstance(value, str) else value
    return [str(p) for p in loaded] if isinstance(loaded, list) else []


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = conn.execute(sa.select(_table.c.school_id, _table.c.role, _table.c.permissions)).all()
    for school_id, role, permissions in rows:
        extra = GRANTS.get(role)
        if not extra:
            continue
        held = set(_as_list(permissions))
        if extra <= held:
            continue
        conn.execute(
            _table.update()
            .where(_table.c.school_id == school_id, _table.c.role == role)
            .values(permissions=sorted(held | extra), updated_at=now, updated_by="migration 0003")
        )


def downgrade() -> None:
    conn = op.get_bind()
    every = frozenset().union(*GRANTS.values())
    for school_id, role, permissions in conn.execute(
        sa.select(_table.c.school_id, _table.c.role, _table.c.permissions)
    ).all():
        held = _as_list(permissions)
        kept = [p for p in held if p not in every]
        if kept != held:
            conn.execute(
                _table.update().where(_table.c.school_id == school_id, _table.c.role == role).values(permissions=kept)
            )
