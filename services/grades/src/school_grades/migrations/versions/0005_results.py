"""Year results (issue 5, point 4): results with explanations, supplementary assessments, the
principal's decisions and Tiêu biểu nominations.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = 36
SCHOOL_ID = 64


def upgrade() -> None:
    op.create_table(
        "year_results",
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("school_year_id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("class_id", sa.String(ID), nullable=False),
        sa.Column("grade_level", sa.Integer(), nullable=False),
        sa.Column("computed_result", sa.String(10), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("completes_grade", sa.Boolean(), nullable=False),
        sa.Column("award", sa.String(20), nullable=True),
        sa.Column("decision", sa.String(30), nullable=True),
        sa.Column("decision_basis", sa.String(30), nullable=True),
        sa.Column("principal_decision", sa.String(30), nullable=True),
        sa.Column("decision_ref", sa.String(100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(ID), nullable=True),
        sa.Column("decided_by_name", sa.String(100), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(ID), nullable=False),
        sa.Column("computed_by_name", sa.String(100), nullable=False),
        sa.Column("cn_lock_version", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "school_year_id", name="pk_year_results"),
    )
    op.create_index(
        "ix_year_results_school_id_class_id_school_year_id", "year_results", ["school_id", "class_id", "school_year_id"]
    )
    op.create_table(
        "supplementary_assessments",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("school_year_id", sa.String(ID), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("recorded_by", sa.String(ID), nullable=False),
        sa.Column("recorded_by_name", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supplementary_assessments"),
    )
    op.create_index(
        "ix_supplementary_assessments_pupil",
        "supplementary_assessments",
        ["student_id", "school_year_id", "assessed_on"],
    )
    op.create_table(
        "tieu_bieu_nominations",
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("school_year_id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("evidence", sa.String(1000), nullable=False),
        sa.Column("recognised_by_class", sa.Boolean(), nullable=False),
        sa.Column("nominated_by", sa.String(ID), nullable=False),
        sa.Column("nominated_by_name", sa.String(100), nullable=False),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=True),
        sa.Column("approved_by", sa.String(ID), nullable=True),
        sa.Column("approved_by_name", sa.String(100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("student_id", "school_year_id", name="pk_tieu_bieu_nominations"),
    )


def downgrade() -> None:
    op.drop_table("tieu_bieu_nominations")
    op.drop_index("ix_supplementary_assessments_pupil", table_name="supplementary_assessments")
    op.drop_table("supplementary_assessments")
    op.drop_index("ix_year_results_school_id_class_id_school_year_id", table_name="year_results")
    op.drop_table("year_results")
