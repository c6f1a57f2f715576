"""Parents reach their own children (issue 4, records): the guardian links projected from the
students service, and students:student:read for the CMHS role of schools that already exist.

The grant is written out here rather than imported so this revision means the same thing
forever; a school whose principal edited the CMHS role keeps its edits (the name is only added).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS: dict[str, frozenset[str]] = {"CMHS": frozenset({"students:student:read"})}

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
    op.create_table(
        "guardian_children",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("student_id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("student_code", sa.String(30), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "student_id", name="pk_guardian_children"),
    )
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
            .values(permissions=sorted(held | extra), updated_at=now, updated_by="migration 0004")
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
    op.drop_table("guardian_children")
