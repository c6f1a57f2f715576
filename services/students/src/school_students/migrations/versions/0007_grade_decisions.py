"""Year results and promotion decisions from grades (issue 5), kept for the year-end roll-over.

The event inbox already exists (0001); this adds the projection the consumer fills.

Revision ID: 0007_grade_decisions
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_grade_decisions"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grade_outcomes",
        sa.Column("student_id", sa.String(36), nullable=False),
        sa.Column("school_year_id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("class_id", sa.String(36), nullable=False),
        sa.Column("grade_level", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(10), nullable=True),
        sa.Column("completes_grade", sa.Boolean(), nullable=True),
        sa.Column("result_version", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(30), nullable=True),
        sa.Column("basis", sa.String(30), nullable=False),
        sa.Column("decision_ref", sa.String(100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "school_year_id", name="pk_grade_outcomes"),
    )
    op.create_index("ix_grade_outcomes_school_id_school_year_id", "grade_outcomes", ["school_id", "school_year_id"])


def downgrade() -> None:
    op.drop_index("ix_grade_outcomes_school_id_school_year_id", table_name="grade_outcomes")
    op.drop_table("grade_outcomes")
