"""Handlers for students' movement events (school.students.v1): arrivals place the pupil in a
class, departures mark them left, deletions and merges remove the record from the roster.

Each handler is idempotent on its own (the change log keeps applied event ids) on top of the
consumer's inbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from school.students.v1 import movements_events_pb2, movements_pb2, students_pb2
from school_grades.adapters.history_repository import SqlAlchemyHistoryRepository
from school_grades.adapters.repositories import SqlAlchemyRosterRepository
from school_grades.app.projection import project_departure, project_enrolment, project_removal
from school_grades.domain.roster import InvalidEventError, Placement, StudentFacts, check_facts
from school_grades.domain.roster_movements import read_day
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.logging import get_logger

log = get_logger(__name__)
Handler = Callable[[Session, CloudEvent], None]


def _seq(event: CloudEvent) -> int | None:
    raw = event.extensions.get("sequence", "")
    return int(raw) if raw.isdigit() else None


def _facts(school_id: str, student: students_pb2.Student) -> StudentFacts:
    return check_facts(student.student_id, school_id, student.student_code, student.full_name, student.date_of_birth)


def _place(
    session: Session,
    event: CloudEvent,
    school_id: str,
    student: students_pb2.Student,
    to: movements_pb2.ClassRef,
) -> None:
    facts = _facts(school_id, student)
    if not to.class_id:
        raise InvalidEventError(f"{event.type} without to_class")
    applied = project_enrolment(
        SqlAlchemyRosterRepository(session),
        event_id=event.id,
        event_type=event.type,
        facts=facts,
        placement=Placement(to.class_id, to.class_name),
        seq=_seq(event),
        now=datetime.now(UTC),
    )
    log.debug("roster.placed", event_id=event.id, student_id=facts.student_id, applied=applied)


def _leave(
    session: Session,
    event: CloudEvent,
    school_id: str,
    student: students_pb2.Student,
    left: movements_pb2.ClassRef,
    day: str,
    status: str,
) -> None:
    facts = _facts(school_id, student)
    applied = project_departure(
        SqlAlchemyRosterRepository(session),
        event_id=event.id,
        event_type=event.type,
        facts=facts,
        left_class=Placement(left.class_id, left.class_name),
        left_on=read_day(day),
        status=status,
        seq=_seq(event),
        now=datetime.now(UTC),
    )
    log.debug("roster.left", event_id=event.id, student_id=facts.student_id, applied=applied)


def handle_transferred_in(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentTransferredIn.FromString(event.data)
    _place(session, event, m.school_id, m.student, m.to_class)
    # From another school of this deployment: the periods it already assessed come along.
    carried = SqlAlchemyHistoryRepository(session).carry_after_arrival(m.student.student_id, datetime.now(UTC))
    log.debug("history.carried", event_id=event.id, cells=carried)


def handle_returned(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentReturned.FromString(event.data)
    _place(session, event, m.school_id, m.student, m.to_class)


def handle_class_changed(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentClassChanged.FromString(event.data)
    _place(session, event, m.school_id, m.student, m.to_class)


def handle_transferred_out(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentTransferredOut.FromString(event.data)
    _leave(session, event, m.school_id, m.student, m.from_class, m.effective_date, "CHUYEN_DI")
    # The receiving school's arrival may have been applied first (events of two schools are not ordered).
    carried = SqlAlchemyHistoryRepository(session).carry_after_departure(m.student.student_id, datetime.now(UTC))
    log.debug("history.carried", event_id=event.id, cells=carried)


def handle_dropped_out(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentDroppedOut.FromString(event.data)
    _leave(session, event, m.school_id, m.student, m.from_class, m.effective_date, m.status or "BO_HOC")


def handle_status_changed(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentStatusChanged.FromString(event.data)
    if not m.status:
        raise InvalidEventError("StudentStatusChanged without status")
    _leave(session, event, m.school_id, m.student, m.from_class, m.effective_date, m.status)


def _remove(session: Session, event: CloudEvent, school_id: str, student_id: str) -> None:
    if not school_id or not student_id:
        raise InvalidEventError(f"{event.type} lacks school_id or student_id")
    repo = SqlAlchemyRosterRepository(session)
    current = repo.get(student_id)
    if current is not None and current.school_id != school_id:
        raise InvalidEventError(f"student {student_id} belongs to another school")
    applied = project_removal(
        repo, event_id=event.id, event_type=event.type, student_id=student_id, now=datetime.now(UTC)
    )
    log.debug("roster.removed", event_id=event.id, student_id=student_id, applied=applied)


def handle_deleted(session: Session, event: CloudEvent) -> None:
    m = movements_events_pb2.StudentDeleted.FromString(event.data)
    _remove(session, event, m.school_id, m.student_id)
    SqlAlchemyHistoryRepository(session).drop(m.student_id)


def handle_merged(session: Session, event: CloudEvent) -> None:
    """The merged id leaves the roster; the surviving record is placed in the class it now has.

    When the kept record had left (say, transferred out) and the merged duplicate was the one in a
    class, the merge hands that place to the kept record without any other event, so the roster
    must follow ``surviving.class_id`` here. The duplicate's grade-book cells become the kept record's.
    """
    m = movements_events_pb2.StudentsMerged.FromString(event.data)
    repo = SqlAlchemyRosterRepository(session)
    dropped = repo.get(m.merged_student_id)
    kept = repo.get(m.surviving.student_id)
    _remove(session, event, m.school_id, m.merged_student_id)
    SqlAlchemyHistoryRepository(session).repoint(m.merged_student_id, m.surviving.student_id)
    class_id = m.surviving.class_id
    if not class_id or (kept is not None and kept.class_id == class_id and kept.left_on is None):
        return
    class_name = m.surviving.class_name or (dropped.class_name if dropped and dropped.class_id == class_id else "")
    facts = _facts(m.school_id, m.surviving)
    # A second change of the same event: its own id in the change log, derived so a redelivery
    # finds it applied.
    placement_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.id}/surviving"))
    project_enrolment(
        repo,
        event_id=placement_id,
        event_type=event.type,
        facts=facts,
        placement=Placement(class_id, class_name or ""),
        seq=_seq(event),
        now=datetime.now(UTC),
    )


def _name(message: type[Message]) -> str:
    return str(message.DESCRIPTOR.full_name)


MOVEMENT_HANDLERS: Mapping[str, Handler] = {
    _name(movements_events_pb2.StudentTransferredIn): handle_transferred_in,
    _name(movements_events_pb2.StudentReturned): handle_returned,
    _name(movements_events_pb2.StudentClassChanged): handle_class_changed,
    _name(movements_events_pb2.StudentTransferredOut): handle_transferred_out,
    _name(movements_events_pb2.StudentDroppedOut): handle_dropped_out,
    _name(movements_events_pb2.StudentStatusChanged): handle_status_changed,
    _name(movements_events_pb2.StudentDeleted): handle_deleted,
    _name(movements_events_pb2.StudentsMerged): handle_merged,
}
