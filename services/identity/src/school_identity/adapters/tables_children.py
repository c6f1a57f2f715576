"""Guardian links projected from the students service (issue 4, records): which students a parent
account reaches ("own child"). Written only by the consumer of GuardianLinked/GuardianUnlinked."""

from __future__ import annotations

from sqlalchemy import Column, PrimaryKeyConstraint, String, Table

from school_identity.adapters.tables import UTCDateTime, metadata

guardian_children = Table(
    "guardian_children",
    metadata,
    Column("account_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("school_id", String(64), nullable=False),
    Column("student_code", String(30), nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("account_id", "student_id", name="pk_guardian_children"),
)
