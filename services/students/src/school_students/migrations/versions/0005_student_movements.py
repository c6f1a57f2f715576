"""Student movements: current status, the movement log (audit trail) and how stays began and ended.

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


def upgrade() -> None:
    op.create_table(
        "student_statuses",
        sa.Column(
            "student_id",
            sa.String(36),
            sa.ForeignKey("students.id", name="fk_student_statuses_student_id_students"),
            nullable=False,
        ),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("transferred_in", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", name="pk_student_statuses"),
    )
    op.create_table(
        "student_movements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column(
            "student_id",
            sa.String(36),
            sa.ForeignKey("students.id", name="fk_student_movements_student_id_students"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("status_before", sa.String(30), nullable=True),
        sa.Column("status_after", sa.String(30), nullable=False),
        sa.Column("from_class_id", sa.String(36), nullable=True),
        sa.Column("to_class_id", sa.String(36), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_student_movements"),
    )
    op.create_index(
        "ix_student_movements_school_id_student_id_seq", "student_movements", ["school_id", "student_id", "seq"]
    )
    op.create_index(
        "ix_student_movements_school_id_effective_date", "student_movements", ["school_id", "effective_date"]
    )
    op.create_table(
        "enrolment_movements",
        sa.Column(
            "enrolment_id",
            sa.String(36),
            sa.ForeignKey("enrolments.id", name="fk_enrolment_movements_enrolment_id_enrolments"),
            nullable=False,
        ),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("joined_by", sa.String(20), nullable=True),
        sa.Column("left_by", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("enrolment_id", name="pk_enrolment_movements"),
    )
    op.create_table(
        "repeat_marks",
        sa.Column(
            "student_id",
            sa.String(36),
            sa.ForeignKey("students.id", name="fk_repeat_marks_student_id_students"),
            nullable=False,
        ),
        sa.Column(
            "school_year_id",
            sa.String(36),
            sa.ForeignKey("school_years.id", name="fk_repeat_marks_school_year_id_school_years"),
            nullable=False,
        ),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "school_year_id", name="pk_repeat_marks"),
    )
    op.create_table(
        "student_record_audit",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("student_id", sa.String(36), nullable=False),
        sa.Column("student_code", sa.String(20), nullable=False),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("surviving_student_id", sa.String(36), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_student_record_audit"),
    )
    op.create_index("ix_student_record_audit_school_id_student_id", "student_record_audit", ["school_id", "student_id"])


def downgrade() -> None:
    op.drop_index("ix_student_record_audit_school_id_student_id", table_name="student_record_audit")
    op.drop_table("student_record_audit")
    op.drop_table("repeat_marks")
    op.drop_table("enrolment_movements")
    op.drop_index("ix_student_movements_school_id_effective_date", table_name="student_movements")
    op.drop_index("ix_student_movements_school_id_student_id_seq", table_name="student_movements")
    op.drop_table("student_movements")
    op.drop_table("student_statuses")
