"""Attendance (điểm danh): recorded days per class, a mark per pupil, corrections, absence alerts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = 36
_SCHOOL = 64


def upgrade() -> None:
    op.create_table(
        "attendance_days",
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("school_id", sa.String(_SCHOOL), nullable=False),
        sa.Column("class_id", sa.String(_ID), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("excused", sa.Integer(), nullable=False),
        sa.Column("unexcused", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_by_name", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_by_name", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_attendance_days_class_id_classes"),
        sa.PrimaryKeyConstraint("id", name="pk_attendance_days"),
    )
    op.create_index("uq_attendance_days_class_day", "attendance_days", ["school_id", "class_id", "day"], unique=True)
    op.create_table(
        "attendance_marks",
        sa.Column("day_id", sa.String(_ID), nullable=False),
        sa.Column("school_id", sa.String(_SCHOOL), nullable=False),
        sa.Column("student_id", sa.String(_ID), nullable=False),
        sa.Column("class_id", sa.String(_ID), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mark", sa.String(12), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["day_id"], ["attendance_days.id"], name="fk_attendance_marks_day_id_attendance_days"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_attendance_marks_student_id_students"),
        sa.PrimaryKeyConstraint("day_id", "student_id", name="pk_attendance_marks"),
    )
    op.create_index(
        "ix_attendance_marks_school_id_student_id_day", "attendance_marks", ["school_id", "student_id", "day"]
    )
    op.create_table(
        "attendance_corrections",
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("school_id", sa.String(_SCHOOL), nullable=False),
        sa.Column("day_id", sa.String(_ID), nullable=False),
        sa.Column("student_id", sa.String(_ID), nullable=False),
        sa.Column("old_mark", sa.String(12), nullable=False),
        sa.Column("new_mark", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("corrected_by", sa.String(100), nullable=False),
        sa.Column("corrected_by_name", sa.String(100), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["day_id"], ["attendance_days.id"], name="fk_attendance_corrections_day_id_attendance_days"
        ),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_attendance_corrections_student_id_students"),
        sa.PrimaryKeyConstraint("id", name="pk_attendance_corrections"),
    )
    op.create_index("ix_attendance_corrections_day_id", "attendance_corrections", ["day_id"])
    op.create_table(
        "absence_alerts",
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("school_id", sa.String(_SCHOOL), nullable=False),
        sa.Column("student_id", sa.String(_ID), nullable=False),
        sa.Column("class_id", sa.String(_ID), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_absence_alerts_student_id_students"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_absence_alerts_class_id_classes"),
        sa.PrimaryKeyConstraint("id", name="pk_absence_alerts"),
    )
    op.create_index(
        "ix_absence_alerts_school_id_class_id_resolved_on", "absence_alerts", ["school_id", "class_id", "resolved_on"]
    )
    op.create_index(
        "ix_absence_alerts_school_id_student_id_resolved_on",
        "absence_alerts",
        ["school_id", "student_id", "resolved_on"],
    )


def downgrade() -> None:
    op.drop_table("absence_alerts")
    op.drop_table("attendance_corrections")
    op.drop_table("attendance_marks")
    op.drop_table("attendance_days")
