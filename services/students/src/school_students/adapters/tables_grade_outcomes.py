"""What grades published about each pupil's year (issue 5): the year result and the principal's
decision, kept for the year-end roll-over. Filled by the consumer of school.grades.v1 only.

No foreign key to students: an event may arrive for a record deleted or merged meanwhile, and a
projection row must never make the consumer fail.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, String, Table

from school_students.adapters.tables import ID, SCHOOL_ID, metadata

grade_outcomes = Table(
    "grade_outcomes",
    metadata,
    Column("student_id", String(ID), primary_key=True),
    Column("school_year_id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("grade_level", Integer, nullable=False),
    # YearResultComputed: HTXS/HTT/HT/CHT and whether it completes the grade (NULL: none yet).
    Column("result", String(10), nullable=True),
    Column("completes_grade", Boolean, nullable=True),
    Column("result_version", BigInteger, nullable=False),
    # PromotionDecided: LEN_LOP/O_LAI_LOP/HOAN_THANH_CT_TIEU_HOC (NULL: not decided or withdrawn).
    Column("decision", String(30), nullable=True),
    Column("basis", String(30), nullable=False),
    Column("decision_ref", String(100), nullable=False),
    Column("decided_on", Date, nullable=True),
    Column("decision_version", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "school_year_id"),
)
