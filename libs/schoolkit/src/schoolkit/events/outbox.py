"""Writing events to the transactional outbox (the relay publishes them later, in order)."""

from __future__ import annotations

import uuid
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
    event_id = str(uuid.uuid4())
    caller = caller_var.get()
    extensions = {
        "correlationid": request_id_var.get() or "",
        "actor": caller.subject if caller else "",
        "traceparent": traceparent_var.get() or "",
        "partitionkey": key,
    }
    if classification:
        extensions["dataclassification"] = classification
    session.execute(
        insert(outbox).values(
            event_id=event_id,
            topic=topic,
            event_key=key,
            event_type=message.DESCRIPTOR.full_name,
            source=source_for(school_id, service),
            subject=subject or key,
            payload=message.SerializeToString(),
            extensions={k: v for k, v in extensions.items() if v},
            occurred_at=datetime.now(UTC),
        )
    )
    return event_id
