"""Tables of the student record (issue 4, records): the record fields, guardians and their links.

They share ``metadata`` with adapters/tables.py; migration 0004 creates them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Table
from sqlalchemy import SmallInteger as Small

from school_students.adapters.tables import ID, SCHOOL_ID, metadata

# One row per student whose record has been filled in; no row means every field is empty.
student_records = Table(
    "student_records",
    metadata,
    Column("student_id", String(ID), ForeignKey("students.id"), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    # NULL when unknown, so the unique constraint allows many students without one.
    Column("csdl_id", String(30), nullable=True),
    Column("citizen_id", String(12), nullable=False),
    Column("ethnicity", String(10), nullable=False),
    Column("religion", String(50), nullable=False),
    Column("nationality", String(50), nullable=False),
    Column("place_of_birth", String(200), nullable=False),
    Column("permanent_province", String(10), nullable=False),
    Column("permanent_commune", String(200), nullable=False),
    Column("permanent_detail", String(200), nullable=False),
    Column("current_province", String(10), nullable=False),
    Column("current_commune", String(200), nullable=False),
    Column("current_detail", String(200), nullable=False),
    # Policy-category codes joined by "," (a short list of codes from the reference file).
    Column("policy_categories", String(400), nullable=False),
    Column("disability_type", String(30), nullable=False),
    Column("has_iep", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("uq_student_records_school_id_csdl_id", "school_id", "csdl_id", unique=True),
    Index("ix_student_records_school_id_citizen_id", "school_id", "citizen_id"),
)

guardians = Table(
    "guardians",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("full_name", String(100), nullable=False),
    Column("phone", String(11), nullable=False),
    Column("birth_year", Small, nullable=False),
    Column("occupation", String(100), nullable=False),
    Column("email", String(254), nullable=False),
    Column("address", String(200), nullable=False),
    # The parent account in identity this guardian signs in with (students:guardian:link).
    Column("parent_account_id", String(64), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_guardians_school_id_parent_account_id", "school_id", "parent_account_id"),
)

# Which guardian looks after which student, and as what (cha, mẹ, ...): many to many.
student_guardians = Table(
    "student_guardians",
    metadata,
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("guardian_id", String(ID), ForeignKey("guardians.id"), nullable=False),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("relation", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("student_id", "guardian_id"),
    Index("ix_student_guardians_guardian_id", "guardian_id"),
)
