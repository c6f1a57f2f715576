"""Tables of student movements (biến động): current status, the movement log, how stays began and ended.

They share the ``metadata`` of adapters/tables.py; migration 0005 creates them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table

from school_students.adapters.tables import ID, SCHOOL_ID, metadata

# One row per student who ever moved; a student without a row is DANG_HOC (or not enrolled).
student_statuses = Table(
    "student_statuses",
    metadata,
    Column("student_id", String(ID), ForeignKey("students.id"), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("status", String(30), nullable=False),
    Column("since", Date, nullable=False),
    # The "chuyển đến" marker on DANG_HOC: the student came from another school.
    Column("transferred_in", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The audit trail of movements: who recorded what, when, with which reason and documents.
student_movements = Table(
    "student_movements",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("reason_code", String(40), nullable=False),
    Column("note", String(500), nullable=False),
    Column("status_before", String(30), nullable=True),
    Column("status_after", String(30), nullable=False),
    Column("from_class_id", String(ID), nullable=True),
    Column("to_class_id", String(ID), nullable=True),
    # Kind-specific facts: other school (name, code), documents, dated steps, earlier results.
    Column("details", JSON, nullable=False),
    Column("recorded_by", String(ID), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("seq", Integer, nullable=False),
    Index(None, "school_id", "student_id", "seq"),
    Index(None, "school_id", "effective_date"),
)

# How an enrolment (a stay in a class) began and ended, for the movement report; an enrolment
# without a row began as a first enrolment and, if it ended, by something else than a movement.
enrolment_movements = Table(
    "enrolment_movements",
    metadata,
    Column("enrolment_id", String(ID), ForeignKey("enrolments.id"), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("joined_by", String(20), nullable=True),
    Column("left_by", String(20), nullable=True),
)

# "Ở lại lớp": pupils marked to repeat their grade at the roll-over of a school year.
repeat_marks = Table(
    "repeat_marks",
    metadata,
    Column("student_id", String(ID), ForeignKey("students.id"), primary_key=True),
    Column("school_year_id", String(ID), ForeignKey("school_years.id"), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("note", String(500), nullable=False),
    Column("recorded_by", String(ID), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Audit trail of record deletions and merges (the student rows themselves are gone afterwards).
student_record_audit = Table(
    "student_record_audit",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("action", String(10), nullable=False),  # DELETE or MERGE
    Column("student_id", String(ID), nullable=False),
    Column("student_code", String(20), nullable=False),
    Column("full_name", String(100), nullable=False),
    # MERGE: the surviving record.
    Column("surviving_student_id", String(ID), nullable=True),
    Column("reason", String(500), nullable=False),
    Column("recorded_by", String(ID), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "student_id"),
)
