"""Student record (hồ sơ học sinh): the national database's fields, guardians and their links.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = 36
SCHOOL_ID = 64


def upgrade() -> None:
    op.create_table(
        "student_records",
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("csdl_id", sa.String(30), nullable=True),
        sa.Column("citizen_id", sa.String(12), nullable=False),
        sa.Column("ethnicity", sa.String(10), nullable=False),
        sa.Column("religion", sa.String(50), nullable=False),
        sa.Column("nationality", sa.String(50), nullable=False),
        sa.Column("place_of_birth", sa.String(200), nullable=False),
        sa.Column("permanent_province", sa.String(10), nullable=False),
        sa.Column("permanent_commune", sa.String(200), nullable=False),
        sa.Column("permanent_detail", sa.String(200), nullable=False),
        sa.Column("current_province", sa.String(10), nullable=False),
        sa.Column("current_commune", sa.String(200), nullable=False),
        sa.Column("current_detail", sa.String(200), nullable=False),
        sa.Column("policy_categories", sa.String(400), nullable=False),
        sa.Column("disability_type", sa.String(30), nullable=False),
        sa.Column("has_iep", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_student_records_student_id_students"),
        sa.PrimaryKeyConstraint("student_id", name="pk_student_records"),
    )
    op.create_index("uq_student_records_school_id_csdl_id", "student_records", ["school_id", "csdl_id"], unique=True)
    # Not unique: an empty citizen id means "not yet known"; duplicates are refused by the use cases.
    op.create_index("ix_student_records_school_id_citizen_id", "student_records", ["school_id", "citizen_id"])
    op.create_table(
        "guardians",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("occupation", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("parent_account_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_guardians"),
    )
    op.create_index("ix_guardians_school_id_parent_account_id", "guardians", ["school_id", "parent_account_id"])
    op.create_table(
        "student_guardians",
        sa.Column("student_id", sa.String(ID), nullable=False),
        sa.Column("guardian_id", sa.String(ID), nullable=False),
        sa.Column("school_id", sa.String(SCHOOL_ID), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_student_guardians_student_id_students"),
        sa.ForeignKeyConstraint(["guardian_id"], ["guardians.id"], name="fk_student_guardians_guardian_id_guardians"),
        sa.PrimaryKeyConstraint("student_id", "guardian_id", name="pk_student_guardians"),
    )
    op.create_index("ix_student_guardians_guardian_id", "student_guardians", ["guardian_id"])


def downgrade() -> None:
    op.drop_index("ix_student_guardians_guardian_id", table_name="student_guardians")
    op.drop_table("student_guardians")
    op.drop_index("ix_guardians_school_id_parent_account_id", table_name="guardians")
    op.drop_table("guardians")
    op.drop_index("ix_student_records_school_id_citizen_id", table_name="student_records")
    op.drop_index("uq_student_records_school_id_csdl_id", table_name="student_records")
    op.drop_table("student_records")
