"""The grade book (issue 5): the years and classes grades learns from students' events, the programme
and entry windows per year, the cells, every test attempt, the history of every change, period
locks and their log, and the comment bank.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cell_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("student_id", sa.String(length=36), nullable=False),
        sa.Column("school_year_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=3), nullable=False),
        sa.Column("item_code", sa.String(length=30), nullable=False),
        sa.Column("field", sa.String(length=10), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=36), nullable=False),
        sa.Column("changed_by_name", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_changes")),
    )
    with op.batch_alter_table("cell_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cell_changes_school_id_class_id_period_changed_by"),
            ["school_id", "class_id", "period", "changed_by"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cell_changes_student_id_school_year_id_period_item_code_id"),
            ["student_id", "school_year_id", "period", "item_code", "id"],
            unique=False,
        )

    op.create_table(
        "cells",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("student_id", sa.String(length=36), nullable=False),
        sa.Column("school_year_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=3), nullable=False),
        sa.Column("item_code", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=7), nullable=False),
        sa.Column("level", sa.String(length=1), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by_name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cells")),
        sa.UniqueConstraint(
            "student_id",
            "school_year_id",
            "period",
            "item_code",
            name=op.f("uq_cells_student_id_school_year_id_period_item_code"),
        ),
    )
    with op.batch_alter_table("cells", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cells_school_id_class_id_period_item_code"),
            ["school_id", "class_id", "period", "item_code"],
            unique=False,
        )

    op.create_table(
        "comment_bank",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("item_code", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_bank")),
    )
    with op.batch_alter_table("comment_bank", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_bank_school_id_owner_id_item_code"),
            ["school_id", "owner_id", "item_code"],
            unique=False,
        )

    op.create_table(
        "grade_classes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("grade_level", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_classes")),
    )
    with op.batch_alter_table("grade_classes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grade_classes_school_id_school_year_id_grade_level_name"),
            ["school_id", "school_year_id", "grade_level", "name"],
            unique=False,
        )

    op.create_table(
        "grade_years",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=9), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hk1_ends_on", sa.Date(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_years")),
    )
    with op.batch_alter_table("grade_years", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grade_years_school_id_starts_on"), ["school_id", "starts_on"], unique=False
        )

    op.create_table(
        "lock_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=3), nullable=False),
        sa.Column("action", sa.String(length=6), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lock_log")),
    )
    with op.batch_alter_table("lock_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lock_log_class_id_period_id"), ["class_id", "period", "id"], unique=False)

    op.create_table(
        "period_locks",
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=3), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "period", name=op.f("pk_period_locks")),
    )
    op.create_table(
        "period_windows",
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=3), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "school_year_id", "period", name=op.f("pk_period_windows")),
    )
    op.create_table(
        "programmes",
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("school_year_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "school_year_id", name=op.f("pk_programmes")),
    )
    op.create_table(
        "score_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=36), nullable=False),
        sa.Column("school_year_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=3), nullable=False),
        sa.Column("item_code", sa.String(length=30), nullable=False),
        sa.Column("attempt_no", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("raw_total", sa.String(length=8), nullable=True),
        sa.Column("is_retest", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_attempts")),
        sa.UniqueConstraint(
            "student_id", "school_year_id", "period", "item_code", "attempt_no", name="uq_score_attempts_cell_attempt"
        ),
    )


def downgrade() -> None:
    op.drop_table("score_attempts")
    op.drop_table("programmes")
    op.drop_table("period_windows")
    op.drop_table("period_locks")
    with op.batch_alter_table("lock_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lock_log_class_id_period_id"))

    op.drop_table("lock_log")
    with op.batch_alter_table("grade_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_years_school_id_starts_on"))

    op.drop_table("grade_years")
    with op.batch_alter_table("grade_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_classes_school_id_school_year_id_grade_level_name"))

    op.drop_table("grade_classes")
    with op.batch_alter_table("comment_bank", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_bank_school_id_owner_id_item_code"))

    op.drop_table("comment_bank")
    with op.batch_alter_table("cells", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cells_school_id_class_id_period_item_code"))

    op.drop_table("cells")
    with op.batch_alter_table("cell_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cell_changes_student_id_school_year_id_period_item_code_id"))
        batch_op.drop_index(batch_op.f("ix_cell_changes_school_id_class_id_period_changed_by"))

    op.drop_table("cell_changes")
