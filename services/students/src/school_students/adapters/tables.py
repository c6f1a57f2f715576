"""The students database schema (SQLAlchemy Core); migrations/versions creates the same tables."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeEngine

from schoolkit.events.tables import inbox_table, outbox_table

ID = 36  # UUID text
SCHOOL_ID = 64  # tenant ids come from identity; kept opaque

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def sort_key_type() -> TypeEngine[str]:
    """A byte-wise ordered string: the same class-list order on SQLite and any PostgreSQL locale."""
    return String(400).with_variant(String(400, collation="C"), "postgresql")


school_years = Table(
    "school_years",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("name", String(9), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Optimistic concurrency of UpdateSchoolYear (revision 0003).
    Column("version", Integer, nullable=False, server_default=text("1")),
    UniqueConstraint("school_id", "name"),
)

classes = Table(
    "classes",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("school_year_id", String(ID), ForeignKey("school_years.id"), nullable=False),
    Column("name", String(20), nullable=False),
    Column("grade_level", SmallInteger, nullable=False),
    Column("max_size", SmallInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Room (phòng học) and the version of UpdateClass (revision 0003).
    Column("room", String(30), nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default=text("1")),
    UniqueConstraint("school_id", "school_year_id", "name"),
)

students = Table(
    "students",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_code", String(20), nullable=False),
    Column("full_name", String(100), nullable=False),
    # Lower case without diacritics ("nguyen van an"): what staff type when searching.
    Column("full_name_search", String(100), nullable=False),
    Column("name_sort_key", sort_key_type(), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("gender", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("school_id", "student_code"),
    Index(None, "school_id", "full_name_search"),
    # Search results and class lists in Vietnamese name order (revision 0002).
    Index(None, "school_id", "name_sort_key"),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("class_id", String(ID), ForeignKey("classes.id"), nullable=False),
    Column("enrolled_on", Date, nullable=False),
    # NULL while the student is in the class; set when they leave (transfer, drop-out, roll-over).
    Column("left_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "class_id", "left_on"),
    # A student is in at most one class at a time.
    Index(
        "uq_enrolments_current_student",
        "student_id",
        unique=True,
        sqlite_where=text("left_on IS NULL"),
        postgresql_where=text("left_on IS NULL"),
    ),
)

student_code_sequences = Table(
    "student_code_sequences",
    metadata,
    Column("school_id", String(SCHOOL_ID), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("school_id", String(SCHOOL_ID), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("student_id", String(ID), ForeignKey("students.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("school_id", "idempotency_key"),
)

# The event tables come from schoolkit with its own constraint names, hence their own metadata.
event_metadata = MetaData()
outbox = outbox_table(event_metadata)
inbox = inbox_table(event_metadata)

# Issue 4: each area keeps its tables in its own module on this same ``metadata``; importing them
# here (last, since they refer to the tables above) registers them wherever the schema is used
# (the migrations check, tests, benchmarks).
from school_students.adapters import (  # noqa: E402, F401
    tables_grade_outcomes,  # issue 5: grades' year results and decisions, for the roll-over
    tables_movements,
    tables_records,
    tables_structure,
)
