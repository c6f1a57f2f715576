"""Tables of the year results (issue 5, point 4): the result computed at CN with its explanation,
what followed it (supplementary assessments, the principal's decision) and the Tiêu biểu
nominations with the principal's approval. Migration 0005 creates them.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, Index, Integer, String, Table

from school_grades.adapters.tables import ID, SCHOOL_ID, metadata

# One row per pupil and school year. ``computed_result`` is what CN gave; ``result`` is what
# counts now (a successful supplementary assessment makes it HT): both kept (domain-vn §1.9).
year_results = Table(
    "year_results",
    metadata,
    Column("student_id", String(ID), primary_key=True),
    Column("school_year_id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("grade_level", Integer, nullable=False),
    Column("computed_result", String(10), nullable=False),
    # The "Không đạt ... vì: ..." lines of evaluation.year_end_result, as a JSON list of strings.
    Column("explanation", JSON, nullable=False),
    Column("result", String(10), nullable=False),
    Column("completes_grade", Boolean, nullable=False),
    Column("award", String(20), nullable=True),
    Column("decision", String(30), nullable=True),
    Column("decision_basis", String(30), nullable=True),
    # The principal's own decision (kept even while a supplementary assessment overrides it).
    Column("principal_decision", String(30), nullable=True),
    Column("decision_ref", String(100), nullable=False),
    Column("decided_on", Date, nullable=True),
    Column("decided_by", String(ID), nullable=True),
    Column("decided_by_name", String(100), nullable=True),
    Column("version", BigInteger, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("computed_by", String(ID), nullable=False),
    Column("computed_by_name", String(100), nullable=False),
    # period_locks.version of the class's CN when computed: a later unlock makes the result stale.
    Column("cn_lock_version", BigInteger, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "class_id", "school_year_id"),
)

# Đánh giá bổ sung of a CHT pupil, oldest first; the last one counts.
supplementary_assessments = Table(
    "supplementary_assessments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_id", String(ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("subjects", JSON, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("note", String(1000), nullable=False),
    Column("recorded_by", String(ID), nullable=False),
    Column("recorded_by_name", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_supplementary_assessments_pupil", "student_id", "school_year_id", "assessed_on"),
)

# The GVCN's nomination for "Học sinh Tiêu biểu" (never automatic) and the principal's approval.
tieu_bieu_nominations = Table(
    "tieu_bieu_nominations",
    metadata,
    Column("student_id", String(ID), primary_key=True),
    Column("school_year_id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("evidence", String(1000), nullable=False),
    Column("recognised_by_class", Boolean, nullable=False),
    Column("nominated_by", String(ID), nullable=False),
    Column("nominated_by_name", String(100), nullable=False),
    Column("nominated_at", DateTime(timezone=True), nullable=False),
    # NULL: waiting for the principal; True approved; False refused.
    Column("approved", Boolean, nullable=True),
    Column("approved_by", String(ID), nullable=True),
    Column("approved_by_name", String(100), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
)
