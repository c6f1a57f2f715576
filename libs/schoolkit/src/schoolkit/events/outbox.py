"""Writing events to the transactional outbox (the relay publishes them later, in order)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from schoolkit.context import caller_var, request_id_var, traceparent_var


def source_for(school_id: str, service: str) -> str:
    """The CloudEvents ``source`` of a service acting for a school."""
    return f"/schools/{school_id}/{service}"


def record_event(
    session: Session,
    outbox: Table,
    *,
    topic: str,
    key: str,
    message: Message,
    service: str,
    school_id: str,
    subject: str = "",
    classification: str = "",
) -> str:
    """Add one event row inside the caller's transaction; returns the event id.

    The actor is the verified caller's subject id (no name or other personal data).
    """
    row = _row(topic, key, message, service, school_id, subject, classification)
    session.execute(insert(outbox).values(**row))
    return str(row["event_id"])


def record_events(
    session: Session,
    outbox: Table,
    events: Sequence[tuple[str, Message]],
    *,
    topic: str,
    service: str,
    school_id: str,
    classification: str = "",
) -> list[str]:
    """Add many (key, message) events in one statement, in order (a save of a whole class emits one
    per pupil; one executemany costs far less than a statement each). Returns the event ids."""
    rows = [_row(topic, key, message, service, school_id, "", classification) for key, message in events]
    if rows:
        session.execute(insert(outbox), rows)
    return [str(r["event_id"]) for r in rows]


def _row(
    topic: str, key: str, message: Message, service: str, school_id: str, subject: str, classification: str
) -> dict[str, object]:
    caller = caller_var.get()
    extensions = {
        "correlationid": request_id_var.get() or "",
        "actor": caller.subject if caller else "",
        "traceparent": traceparent_var.get() or "",
        "partitionkey": key,
    }
    if classification:
        extensions["dataclassification"] = classification
    return {
        "event_id": str(uuid.uuid4()),
        "topic": topic,
        "event_key": key,
        "event_type": message.DESCRIPTOR.full_name,
        "source": source_for(school_id, service),
        "subject": subject or key,
        "payload": message.SerializeToString(),
        "extensions": {k: v for k, v in extensions.items() if v},
        "occurred_at": datetime.now(UTC),
    }
