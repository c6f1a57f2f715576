"""Attendance tables (revision 0006), on the shared ``metadata`` of adapters/tables.py."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Table

from school_students.adapters.tables import ID, SCHOOL_ID, metadata

# One row per class and school day once recorded; the version guards against a second device.
attendance_days = Table(
    "attendance_days",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), ForeignKey("classes.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("enrolled", Integer, nullable=False),
    Column("present", Integer, nullable=False),
    Column("excused", Integer, nullable=False),
    Column("unexcused", Integer, nullable=False),
    Column("late", Integer, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_by_name", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_by_name", String(100), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("uq_attendance_days_class_day", "school_id", "class_id", "day", unique=True),
)

# Every pupil in the class that day has a mark (present included), so the sheet is complete.
attendance_marks = Table(
    "attendance_marks",
    metadata,
    Column("day_id", String(ID), ForeignKey("attendance_days.id"), nullable=False),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("day", Date, nullable=False),
    Column("mark", String(12), nullable=False),
    Column("note", String(200), nullable=False),
    PrimaryKeyConstraint("day_id", "student_id"),
    Index(None, "school_id", "student_id", "day"),
)

# Changes of recorded marks: who, when, old → new, why. Never updated or deleted.
attendance_corrections = Table(
    "attendance_corrections",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("day_id", String(ID), ForeignKey("attendance_days.id"), nullable=False),
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("old_mark", String(12), nullable=False),
    Column("new_mark", String(12), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("corrected_by", String(100), nullable=False),
    Column("corrected_by_name", String(100), nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False),
    Index(None, "day_id"),
)

# Repeated-absence alerts: open while resolved_on is NULL.
absence_alerts = Table(
    "absence_alerts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("class_id", String(ID), ForeignKey("classes.id"), nullable=False),
    Column("rule", String(20), nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("count", Integer, nullable=False),
    Column("resolved_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "class_id", "resolved_on"),
    Index(None, "school_id", "student_id", "resolved_on"),
)
