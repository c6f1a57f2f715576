"""Maps a StudentMoved domain event to its school.students.v1 proto message (one message per kind)."""

from __future__ import annotations

from google.protobuf.message import Message

from school.students.v1 import movements_events_pb2, movements_pb2
from school_students.domain.movement_events import (
    ClassesRolledOver,
    ClassRef,
    ClassRollOver,
    StudentDeleted,
    StudentMoved,
    StudentsMerged,
)
from school_students.domain.movements import Kind, public_reason
from school_students.events.outbound import student_message


def class_ref_message(ref: ClassRef | None) -> movements_pb2.ClassRef:
    if ref is None:
        return movements_pb2.ClassRef()
    return movements_pb2.ClassRef(
        class_id=ref.id, class_name=ref.name, grade_level=ref.grade_level, school_year_id=ref.school_year_id
    )


def class_rolled_over_message(c: ClassRollOver) -> movements_pb2.ClassRolledOver:
    """One class's roll-over, as both the RollOver answer and the ClassesRolledOver event carry it."""
    return movements_pb2.ClassRolledOver(
        from_class=class_ref_message(c.from_class),
        to_class=class_ref_message(c.to_class),
        repeat_class=class_ref_message(c.repeat_class),
        promoted=c.promoted,
        repeated=c.repeated,
        completed=c.completed,
    )


def movement_event(
    school_id: str, event: StudentMoved | ClassesRolledOver | StudentDeleted | StudentsMerged
) -> tuple[str, Message]:
    """(Kafka key, message): the student id (the school year for a roll-over); natural keys only."""
    if isinstance(event, ClassesRolledOver):
        return event.to_school_year_id, movements_events_pb2.ClassesRolledOver(
            school_id=school_id,
            from_school_year_id=event.from_school_year_id,
            to_school_year_id=event.to_school_year_id,
            classes=[class_rolled_over_message(c) for c in event.classes],
        )
    if isinstance(event, StudentDeleted):
        return event.student.id, movements_events_pb2.StudentDeleted(
            school_id=school_id, student_id=event.student.id, student_code=event.student.student_code
        )
    if isinstance(event, StudentsMerged):
        # Keyed by the merged id: it follows that record's earlier events on the same partition.
        return event.merged_student_id, movements_events_pb2.StudentsMerged(
            school_id=school_id,
            surviving=student_message(event.surviving),
            merged_student_id=event.merged_student_id,
            merged_student_code=event.merged_student_code,
        )
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
            reason_code=public_reason(m.reason_code),
            movement_id=m.id,
        )
    elif m.kind in (Kind.DROPOUT, Kind.WITHDRAWAL):
        message = movements_events_pb2.StudentDroppedOut(
            school_id=school_id,
            student=student,
            from_class=class_ref_message(m.from_class),
            effective_date=day,
            reason_code=public_reason(m.reason_code),
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
    else:  # COMPLETION: the student leaves the class with a new status
        message = movements_events_pb2.StudentStatusChanged(
            school_id=school_id,
            student=student,
            from_class=class_ref_message(m.from_class),
            previous_status=m.status_before.value if m.status_before else "",
            status=m.status_after.value,
            effective_date=day,
            movement_id=m.id,
        )
    return event.student.id, message
