"""Initial students schema: school years, classes, students, enrolments, idempotency, outbox/inbox.

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
        "school_years",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("name", sa.String(9), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_school_years"),
        sa.UniqueConstraint("school_id", "name", name="uq_school_years_school_id_name"),
    )
    op.create_table(
        "classes",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("school_year_id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("grade_level", sa.SmallInteger(), nullable=False),
        sa.Column("max_size", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classes"),
        sa.ForeignKeyConstraint(["school_year_id"], ["school_years.id"], name="fk_classes_school_year_id_school_years"),
        sa.UniqueConstraint("school_id", "school_year_id", "name", name="uq_classes_school_id_school_year_id_name"),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("student_code", sa.String(20), nullable=False),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("full_name_search", sa.String(100), nullable=False),
        sa.Column(
            "name_sort_key", sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_students"),
        sa.UniqueConstraint("school_id", "student_code", name="uq_students_school_id_student_code"),
    )
    op.create_index("ix_students_school_id_full_name_search", "students", ["school_id", "full_name_search"])
    op.create_table(
        "enrolments",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("class_id", sa.String(ID), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enrolments"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_enrolments_student_id_students"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_enrolments_class_id_classes"),
    )
    op.create_index("ix_enrolments_class_id_left_on", "enrolments", ["class_id", "left_on"])
    op.create_index(
        "uq_enrolments_current_student",
        "enrolments",
        ["student_id"],
        unique=True,
        sqlite_where=sa.text("left_on IS NULL"),
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.create_table(
        "student_code_sequences",
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("school_id", name="pk_student_code_sequences"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "idempotency_key", name="pk_idempotency_keys"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_idempotency_keys_student_id_students"),
    )
    events = sa.MetaData()
    outbox_table(events)
    inbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    events = sa.MetaData()
    outbox_table(events)
    inbox_table(events)
    events.drop_all(op.get_bind())
    for table in ("idempotency_keys", "student_code_sequences", "enrolments", "students", "classes", "school_years"):
        op.drop_table(table)
