"""Initial grades schema: the roster projection, its change log, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from schoolkit.events.tables import inbox_table, outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 36
SCHOOL_ID = 64


def upgrade() -> None:
    op.create_table(
        "roster",
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("class_id", sa.String(ID), nullable=True),
        sa.Column("class_name", sa.String(20), nullable=True),
        sa.Column("student_code", sa.String(20), nullable=False),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column(
            "name_sort_key", sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("last_event_seq", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", name="pk_roster"),
    )
    op.create_index(
        "ix_roster_school_id_class_id_name_sort_key_student_id",
        "roster",
        ["school_id", "class_id", "name_sort_key", "student_id"],
    )
    op.create_table(
        "roster_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(ID), nullable=False),
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roster_changes"),
        sa.UniqueConstraint("event_id", name="uq_roster_changes_event_id"),
    )
    op.create_index("ix_roster_changes_student_id_id", "roster_changes", ["student_id", "id"])
    events = sa.MetaData()
    outbox_table(events)
    inbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    events = sa.MetaData()
    outbox_table(events)
    inbox_table(events)
    events.drop_all(op.get_bind())
    op.drop_table("roster_changes")
    op.drop_table("roster")
