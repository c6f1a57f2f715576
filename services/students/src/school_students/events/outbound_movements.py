"""Maps a StudentMoved domain event to its school.students.v1 proto message (one message per kind)."""

from __future__ import annotations

from google.protobuf.message import Message

from school.students.v1 import movements_events_pb2, movements_pb2
from school_students.domain.movement_events import ClassRef, StudentMoved
from school_students.domain.movements import Kind
from school_students.events.outbound import student_message


def class_ref_message(ref: ClassRef | None) -> movements_pb2.ClassRef:
    if ref is None:
        return movements_pb2.ClassRef()
    return movements_pb2.ClassRef(
        class_id=ref.id, class_name=ref.name, grade_level=ref.grade_level, school_year_id=ref.school_year_id
    )


def movement_event(school_id: str, event: StudentMoved) -> tuple[str, Message]:
    """(Kafka key = student id, message); no sensitive values, only the natural keys."""
    m = event.movement
    student = student_message(event.student)
    day = m.effective_date.isoformat()
    details = m.details
    message: Message
    if m.kind is Kind.TRANSFER_IN:
        message = movements_events_pb2.StudentTransferredIn(
            school_id=school_id,
            student=student,
            to_class=class_ref_message(m.to_class),
            effective_date=day,
            from_school_name=str(details.get("other_school_name", "")),
            from_school_code=str(details.get("other_school_code", "")),
            movement_id=m.id,
        )
    elif m.kind is Kind.TRANSFER_OUT:
        message = movements_events_pb2.StudentTransferredOut(
            school_id=school_id,
            student=student,
            from_class=class_ref_message(m.from_class),
            effective_date=day,
            to_school_name=str(details.get("other_school_name", "")),
            to_school_code=str(details.get("other_school_code", "")),
            reason_code=m.reason_code,
            movement_id=m.id,
        )
    elif m.kind in (Kind.DROPOUT, Kind.WITHDRAWAL):
        message = movements_events_pb2.StudentDroppedOut(
            school_id=school_id,
            student=student,
            from_class=class_ref_message(m.from_class),
            effective_date=day,
            reason_code=m.reason_code,
            status=m.status_after.value,
            movement_id=m.id,
        )
    elif m.kind is Kind.RETURN:
        message = movements_events_pb2.StudentReturned(
            school_id=school_id,
            student=student,
            to_class=class_ref_message(m.to_class),
            effective_date=day,
            movement_id=m.id,
        )
    elif m.kind in (Kind.CLASS_CHANGE, Kind.ROLL_OVER):
        message = movements_events_pb2.StudentClassChanged(
            school_id=school_id,
            student=student,
            from_class=class_ref_message(m.from_class),
            to_class=class_ref_message(m.to_class),
            effective_date=day,
            kind=m.kind.value,
            movement_id=m.id,
        )
    else:
        raise ValueError(f"no event message for movement kind {m.kind}")
    return event.student.id, message
