"""The grade book's save requests (issue 5, quality bar R7): the first answer to each idempotency key,
so a retried SaveCells returns it without writing again. Migration 0006 creates it."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, String, Table, Text

from school_grades.adapters.tables import SCHOOL_ID, metadata

gradebook_requests = Table(
    "gradebook_requests",
    metadata,
    Column("school_id", String(SCHOOL_ID), nullable=False),
    # A key is the sender's own: another user's request under the same key is a different request.
    Column("actor", String(128), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    # The pupils the stored answer names (space separated), so a record's deletion purges them (#12).
    Column("student_ids", Text, nullable=False),
    # SHA-256 of the request: the same key with another request is refused, not answered.
    Column("fingerprint", String(64), nullable=False),
    Column("answer", Text, nullable=False),  # the SaveResult as JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("school_id", "actor", "idempotency_key"),
)
