"""The grade book's permissions (issue 5) for schools that already exist: the programme and entry
windows, the checks, year results, decisions and the học bạ, granted to the roles that hold them
by default.

The grant is written out here rather than imported so this revision means the same thing
forever; a school whose principal edited a role keeps its edits (the names are only added).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS: dict[str, frozenset[str]] = {
    "HT": frozenset(
        {
            "grades:programme:write",
            "grades:check:read",
            "grades:result:write",
            "grades:decision:write",
            "grades:record:print",
            "grades:record:sign",
        }
    ),
    "PHT": frozenset({"grades:check:read", "grades:record:print"}),
    "TTCM": frozenset({"grades:check:read"}),
    "GVCN": frozenset({"grades:result:write", "grades:record:print"}),
    "VP": frozenset({"grades:record:print"}),
}

_roles = sa.table(
    "role_permissions",
    sa.column("school_id", sa.String),
    sa.column("role", sa.String),
    sa.column("permissions", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("updated_by", sa.String),
)


def _as_list(value: object) -> list[str]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return [str(p) for p in loaded] if isinstance(loaded, list) else []


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for school_id, role, permissions in conn.execute(
        sa.select(_roles.c.school_id, _roles.c.role, _roles.c.permissions)
    ).all():
        extra = GRANTS.get(role)
        held = set(_as_list(permissions))
        if not extra or extra <= held:
            continue
        conn.execute(
            _roles.update()
            .where(_roles.c.school_id == school_id, _roles.c.role == role)
            .values(permissions=sorted(held | extra), updated_at=now, updated_by="migration 0005")
        )


def downgrade() -> None:
    conn = op.get_bind()
    for school_id, role, permissions in conn.execute(
        sa.select(_roles.c.school_id, _roles.c.role, _roles.c.permissions)
    ).all():
        extra = GRANTS.get(role, frozenset())
        held = _as_list(permissions)
        kept = [p for p in held if p not in extra]
        if kept != held:
            conn.execute(
                _roles.update().where(_roles.c.school_id == school_id, _roles.c.role == role).values(permissions=kept)
            )
