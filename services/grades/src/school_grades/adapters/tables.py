"""The grades database schema (SQLAlchemy Core); migrations/versions creates the same tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, MetaData, String, Table
from sqlalchemy.types import TypeEngine

from schoolkit.events.tables import inbox_table, outbox_table

ID = 36
SCHOOL_ID = 64

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def sort_key_type() -> TypeEngine[str]:
    """A byte-wise ordered string: the same roster order on SQLite and any PostgreSQL locale."""
    return String(400).with_variant(String(400, collation="C"), "postgresql")


roster = Table(
    "roster",
    metadata,
    Column("student_id", String(ID), primary_key=True),
    Column("school_id", String(SCHOOL_ID), nullable=False),
    # NULL until a StudentEnrolled arrives (a details change may overtake it, see domain.roster).
    Column("class_id", String(ID), nullable=True),
    Column("class_name", String(20), nullable=True),
    Column("student_code", String(20), nullable=False),
    Column("full_name", String(100), nullable=False),
    Column("name_sort_key", sort_key_type(), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    # Outbox sequence of the newest event applied (NULL when the events carried none).
    Column("last_event_seq", BigInteger, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Revision 0002 (movements): when and how the pupil left; NULL while in the class.
    Column("left_on", Date, nullable=True),
    Column("left_status", String(30), nullable=True),
    Index(None, "school_id", "class_id", "name_sort_key", "student_id"),
    # Revision 0004: finding the same pupil at another school after a transfer (domain/history.py).
    Index(None, "student_code", "date_of_birth"),
)

# The consumer's effect log: one row per applied event, ``id`` giving the order of application.
roster_changes = Table(
    "roster_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(ID), nullable=False, unique=True),
    Column("student_id", String(ID), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("event_seq", BigInteger, nullable=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Index(None, "student_id", "id"),
)

# Event tables come from schoolkit with its own constraint names, hence their own metadata.
event_metadata = MetaData()
outbox = outbox_table(event_metadata)
inbox = inbox_table(event_metadata)

# The grade book (issue 5); imported last because it adds to this module's metadata.
from school_grades.adapters import tables_gradebook, tables_gradebook_saves, tables_results  # noqa: E402,F401

# Issue 5 records (helper D): the archive of signed học bạ and class summaries.
from school_grades.adapters import tables_records as _tables_records  # noqa: E402, F401
