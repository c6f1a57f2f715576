"""Outbox and inbox tables, defined once here and created by each service's own migrations."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

OUTBOX = "event_outbox"
INBOX = "event_inbox"


def outbox_table(metadata: MetaData) -> Table:
    """Events written in the same transaction as the change they describe; ``seq`` orders them."""
    return Table(
        OUTBOX,
        metadata,
        Column("seq", SeqType, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("event_key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("source", String(200), nullable=False),
        Column("subject", String(200), nullable=False, default=""),
        Column("payload", LargeBinary, nullable=False),
        Column("extensions", JSON, nullable=False, default=dict),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("kafka_partition", Integer, nullable=True),
        Column("kafka_offset", BigInteger, nullable=True),
        Index("ix_event_outbox_unpublished", "published_at", "seq"),
    )


def inbox_table(metadata: MetaData) -> Table:
    """Events a consumer has applied, written in the same transaction as the effect."""
    return Table(
        INBOX,
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_event_inbox"),
    )
