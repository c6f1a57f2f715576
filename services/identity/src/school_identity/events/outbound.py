"""Map identity's domain events to their protobuf messages and outbox keys."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from school.identity.v1 import events_pb2
from school_identity import TOPIC
from school_identity.domain.events import AccountCreated, DomainEvent, UserLoggedIn


@dataclass(frozen=True)
class OutboundEvent:
    """Everything the outbox needs: where it goes, its ordering key, its tenant and payload."""

    topic: str
    key: str
    school_id: str
    message: Message


def to_outbound(event: DomainEvent) -> OutboundEvent:
    """Key = user id, so one account's events stay in order on the topic."""
    message: Message
    if isinstance(event, AccountCreated):
        message = events_pb2.AccountCreated(
            user_id=event.user_id,
            school_id=event.school_id,
            username=event.username,
            full_name=event.full_name,
            roles=list(event.roles),
        )
    elif isinstance(event, UserLoggedIn):
        message = events_pb2.UserLoggedIn(user_id=event.user_id, school_id=event.school_id)
    else:  # pragma: no cover - the DomainEvent union is closed; mypy checks exhaustiveness
        raise TypeError(f"no outbound mapping for {type(event).__name__}")
    return OutboundEvent(topic=TOPIC, key=event.user_id, school_id=event.school_id, message=message)
