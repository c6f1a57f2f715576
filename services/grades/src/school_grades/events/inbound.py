"""Handlers for school.students.v1 events that keep the roster; each is (Session, CloudEvent) → None.

The consumer (schoolkit.events.consumer) writes the inbox row and calls the handler in one
transaction, then commits the Kafka offset. A handler raising InvalidEventError or a protobuf
DecodeError marks the event as poison (dead-letter topic after bounded retries).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from school.students.v1 import events_pb2, students_pb2
from school_grades.adapters.repositories import SqlAlchemyRosterRepository
from school_grades.app.projection import project_details_change, project_enrolment
from school_grades.domain.roster import InvalidEventError, Placement, StudentFacts, check_facts
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.logging import get_logger

TOPIC = "school.students.v1"
CONSUMER_GROUP = "grades.roster"
STUDENT_ENROLLED = events_pb2.StudentEnrolled.DESCRIPTOR.full_name
STUDENT_DETAILS_CHANGED = events_pb2.StudentDetailsChanged.DESCRIPTOR.full_name

log = get_logger(__name__)
Handler = Callable[[Session, CloudEvent], None]


def sequence_of(event: CloudEvent) -> int | None:
    """The producer's outbox sequence from the ``sequence`` extension, when the relay sets it."""
    raw = event.extensions.get("sequence", "")
    return int(raw) if raw.isdigit() else None


def _facts(school_id: str, student: students_pb2.Student) -> StudentFacts:
    return check_facts(student.student_id, school_id, student.student_code, student.full_name, student.date_of_birth)


def handle_student_enrolled(session: Session, event: CloudEvent, now: datetime | None = None) -> None:
    message = events_pb2.StudentEnrolled.FromString(event.data)
    facts = _facts(message.school_id, message.student)
    if not message.student.class_id:
        raise InvalidEventError("StudentEnrolled without class_id")
    applied = project_enrolment(
        SqlAlchemyRosterRepository(session),
        event_id=event.id,
        event_type=event.type,
        facts=facts,
        placement=Placement(message.student.class_id, message.class_name),
        seq=sequence_of(event),
        now=now or datetime.now(UTC),
    )
    log.debug("roster.enrolled", event_id=event.id, student_id=facts.student_id, applied=applied)


def handle_student_details_changed(session: Session, event: CloudEvent, now: datetime | None = None) -> None:
    message = events_pb2.StudentDetailsChanged.FromString(event.data)
    facts = _facts(message.school_id, message.student)
    applied = project_details_change(
        SqlAlchemyRosterRepository(session),
        event_id=event.id,
        event_type=event.type,
        facts=facts,
        seq=sequence_of(event),
        now=now or datetime.now(UTC),
    )
    log.debug("roster.details_changed", event_id=event.id, student_id=facts.student_id, applied=applied)


HANDLERS: Mapping[str, Handler] = {
    STUDENT_ENROLLED: handle_student_enrolled,
    STUDENT_DETAILS_CHANGED: handle_student_details_changed,
}

# Movement events (issue 4): transfers, dropouts, returns, class changes, deletions and merges.
from school_grades.events.inbound_movements import MOVEMENT_HANDLERS  # noqa: E402

HANDLERS = {**HANDLERS, **MOVEMENT_HANDLERS}

# School years and classes (issue 5): the grade book needs each class's grade level and year.
from school_grades.events.inbound_structure import STRUCTURE_HANDLERS  # noqa: E402

HANDLERS = {**HANDLERS, **STRUCTURE_HANDLERS}
