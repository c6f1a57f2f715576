"""Student search: an index walking a school's students in class-list (given-name) order.

SearchStudents filters ``full_name_search LIKE '%word%'`` per folded word and orders by
``name_sort_key``; with this index both databases read a school's students already in order and
stop after one page, so a search costs at most one pass over one school's students (about a
thousand for a primary school) and usually much less. The existing btree on
(school_id, full_name_search) still serves prefix lookups.

Production option on PostgreSQL: a trigram index makes the leading-wildcard LIKE itself indexed,
for districts searching tens of thousands of students at once::

    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX CONCURRENTLY ix_students_full_name_search_trgm
        ON students USING gin (full_name_search gin_trgm_ops);

It is not created here because pg_trgm needs a superuser (or a trusted extension) once per
database, and the btree above is enough at one school's scale.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_students_school_id_name_sort_key", "students", ["school_id", "name_sort_key"])


def downgrade() -> None:
    op.drop_index("ix_students_school_id_name_sort_key", table_name="students")
