"""A pupil's history carried across a transfer between two schools of the deployment: which
record's cells went to which, so a replayed event carries nothing twice; and the roster index
that finds the same pupil by code and birth date.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carried_histories",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("from_student_id", sa.String(length=36), nullable=False),
        sa.Column("from_school_id", sa.String(length=64), nullable=False),
        sa.Column("to_student_id", sa.String(length=36), nullable=False),
        sa.Column("to_school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_name", sa.String(length=9), nullable=False),
        sa.Column("cells_carried", sa.Integer(), nullable=False),
        sa.Column("carried_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carried_histories")),
        sa.UniqueConstraint(
            "from_student_id", "to_student_id", name=op.f("uq_carried_histories_from_student_id_to_student_id")
        ),
    )
    with op.batch_alter_table("carried_histories") as batch_op:
        batch_op.create_index(batch_op.f("ix_carried_histories_to_student_id"), ["to_student_id"], unique=False)
    with op.batch_alter_table("roster") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_student_code_date_of_birth"), ["student_code", "date_of_birth"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("roster") as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_student_code_date_of_birth"))
    op.drop_table("carried_histories")
