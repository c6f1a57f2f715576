"""School-structure tables (revision 0003): the two semesters (học kỳ) of each school year."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, PrimaryKeyConstraint, SmallInteger, String, Table

from school_students.adapters.tables import ID, metadata

semesters = Table(
    "semesters",
    metadata,
    Column("school_year_id", String(ID), ForeignKey("school_years.id"), nullable=False),
    Column("term", SmallInteger, nullable=False),  # 1 = HK I, 2 = HK II
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("teaching_weeks", SmallInteger, nullable=False),
    PrimaryKeyConstraint("school_year_id", "term"),
)
