"""Handlers for the students service's GuardianLinked/GuardianUnlinked: a parent account (CMHS)
gains or loses the scope "child:<student id>" (issue 4, records). Run by the same consumer as
inbound.py, in the same transaction as its inbox row."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from school.students.v1 import records_pb2
from school_identity.adapters.children import SqlAlchemyChildrenRepository
from school_identity.app.projection import InvalidEventError
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.logging import get_logger

GUARDIAN_LINKED = records_pb2.GuardianLinked.DESCRIPTOR.full_name
GUARDIAN_UNLINKED = records_pb2.GuardianUnlinked.DESCRIPTOR.full_name

log = get_logger(__name__)


def _ids(message: records_pb2.GuardianLinked | records_pb2.GuardianUnlinked) -> None:
    if not (message.school_id and message.student_id and message.parent_account_id):
        raise InvalidEventError("guardian event without school_id, student_id or parent_account_id")


def handle_guardian_linked(session: Session, event: CloudEvent) -> None:
    message = records_pb2.GuardianLinked.FromString(event.data)
    _ids(message)
    SqlAlchemyChildrenRepository(session).link(
        account_id=message.parent_account_id,
        student_id=message.student_id,
        school_id=message.school_id,
        student_code=message.student_code,
    )
    log.info("projection.guardian_linked", event_id=event.id, student_id=message.student_id)


def handle_guardian_unlinked(session: Session, event: CloudEvent) -> None:
    message = records_pb2.GuardianUnlinked.FromString(event.data)
    _ids(message)
    SqlAlchemyChildrenRepository(session).unlink(account_id=message.parent_account_id, student_id=message.student_id)
    log.info("projection.guardian_unlinked", event_id=event.id, student_id=message.student_id)


CHILD_HANDLERS: Mapping[str, Callable[[Session, CloudEvent], None]] = {
    GUARDIAN_LINKED: handle_guardian_linked,
    GUARDIAN_UNLINKED: handle_guardian_unlinked,
}
