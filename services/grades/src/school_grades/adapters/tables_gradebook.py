"""The grade book's tables (issue 5): the years and classes grades learns from students' events,
the programme and entry windows per year, the cells teachers fill, their history, and the locks.

Migration 0003_gradebook creates the same tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from school_grades.adapters.tables import ID, SCHOOL_ID, metadata

# A growing log needs a 64-bit key on PostgreSQL; SQLite only auto-increments an INTEGER key.
LOG_ID = BigInteger().with_variant(Integer(), "sqlite")
PERIOD = 3  # GK1, CK1, GK2, CN
ITEM_CODE = 30  # a subject code (TOAN) or a quality/competency code (PC_YEU_NUOC)
NAME = 100

# School years as students publishes them: the name picks the programme, the dates the windows.
grade_years = Table(
    "grade_years",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("name", String(9), nullable=False),  # "2025-2026"
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("hk1_ends_on", Date, nullable=True),  # NULL for a year stored before semesters existed
    # students' version of the year: an older event arriving late does not overwrite a newer one.
    Column("version", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "starts_on"),
)

# Classes as students publishes them: the grade level decides subjects and tests.
grade_classes = Table(
    "grade_classes",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("name", String(20), nullable=False),
    Column("grade_level", SmallInteger, nullable=False),
    Column("version", BigInteger, nullable=False),  # students' version of the class
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "school_year_id", "grade_level", "name"),
)

# A school's own programme for a year (JSON as in data/programme_<year>.json); no row → the shipped file.
programmes = Table(
    "programmes",
    metadata,
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("body", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(ID), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("school_id", "school_year_id"),
)

# Entry windows (thời hạn nhập) per period; no row → the configured default (GRADEBOOK_WINDOWS).
period_windows = Table(
    "period_windows",
    metadata,
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("opens_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
    Column("updated_by", String(ID), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("school_id", "school_year_id", "period"),
)

# One cell of the grade book: a pupil's level, score and comment for one subject/activity (kind
# SUBJECT) or one quality/competency (kind ITEM) in one period. Keyed by the pupil and the year,
# not the class, so a pupil who changes class keeps their history; class_id is where it was entered.
cells = Table(
    "cells",
    metadata,
    Column("id", LOG_ID, primary_key=True, autoincrement=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("student_id", String(ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("item_code", String(ITEM_CODE), nullable=False),
    Column("kind", String(7), nullable=False),  # SUBJECT | ITEM
    Column("level", String(1), nullable=True),  # T/H/C (subjects), T/Đ/C (items); NULL until set
    Column("score", SmallInteger, nullable=True),  # the official score that counts (the last attempt)
    Column("comment", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False),  # 1 on insert, +1 on every change
    Column("updated_by", String(ID), nullable=False),
    Column("updated_by_name", String(NAME), nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("student_id", "school_year_id", "period", "item_code"),
    Index(None, "school_id", "class_id", "period", "item_code"),
)

# Every periodic-test attempt; the cell's score is the last one (a retest replaces, history stays).
score_attempts = Table(
    "score_attempts",
    metadata,
    Column("id", LOG_ID, primary_key=True, autoincrement=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_id", String(ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("item_code", String(ITEM_CODE), nullable=False),
    Column("attempt_no", SmallInteger, nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("raw_total", String(8), nullable=True),  # the paper's total (e.g. "8.75") when entered
    Column("is_retest", Boolean, nullable=False),
    Column("reason", String(500), nullable=False, default=""),
    Column("recorded_by", String(ID), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # Named here: the generated name would pass PostgreSQL's 63-character limit.
    UniqueConstraint(
        "student_id", "school_year_id", "period", "item_code", "attempt_no", name="uq_score_attempts_cell_attempt"
    ),
)

# Append-only history of every change of every cell: who, when, old → new, and after an unlock why.
cell_changes = Table(
    "cell_changes",
    metadata,
    Column("id", LOG_ID, primary_key=True, autoincrement=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("student_id", String(ID), nullable=False),
    Column("school_year_id", String(ID), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("item_code", String(ITEM_CODE), nullable=False),
    Column("field", String(10), nullable=False),  # level | score | comment
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Column("changed_by", String(ID), nullable=False),
    Column("changed_by_name", String(NAME), nullable=False, default=""),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("request_id", String(64), nullable=True),
    Index(None, "student_id", "school_year_id", "period", "item_code", "id"),
    Index(None, "school_id", "class_id", "period", "changed_by"),
)

# Whether a class's period is locked (HT/PHT after the checks); absent = never locked.
period_locks = Table(
    "period_locks",
    metadata,
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("locked_at", DateTime(timezone=True), nullable=True),
    Column("locked_by", String(ID), nullable=True),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("class_id", "period"),
)

# Every lock and unlock, with the unlock's reason.
lock_log = Table(
    "lock_log",
    metadata,
    Column("id", LOG_ID, primary_key=True, autoincrement=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("class_id", String(ID), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("action", String(6), nullable=False),  # LOCK | UNLOCK
    Column("actor", String(ID), nullable=False),
    Column("actor_name", String(NAME), nullable=False, default=""),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", String(500), nullable=True),
    Index(None, "class_id", "period", "id"),
)

# Reusable comments (ngân hàng nhận xét): a teacher's own (owner_id) or the school's ('').
comment_bank = Table(
    "comment_bank",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("owner_id", String(ID), nullable=False),
    Column("item_code", String(ITEM_CODE), nullable=False),  # '' = any subject or item
    Column("text", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "school_id", "owner_id", "item_code"),
)

# One row per carried history, so a redelivered or replayed event carries nothing twice.
carried_histories = Table(
    "carried_histories",
    metadata,
    Column("id", LOG_ID, primary_key=True, autoincrement=True),
    Column("from_student_id", String(ID), nullable=False),
    Column("from_school_id", String(SCHOOL_ID), nullable=False),
    Column("to_student_id", String(ID), nullable=False),
    Column("to_school_id", String(SCHOOL_ID), nullable=False),
    Column("school_year_name", String(9), nullable=False),
    Column("cells_carried", Integer, nullable=False),
    Column("carried_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("from_student_id", "to_student_id"),
    Index(None, "to_student_id"),
)
