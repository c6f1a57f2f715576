"""Maps the student record's domain events to their school.students.v1 messages (records.proto)."""

from __future__ import annotations

from google.protobuf.message import Message

from school.students.v1 import records_pb2, students_pb2
from school_students.domain import events


def record_event_message(
    school_id: str, event: events.RecordEvent, student: students_pb2.Student
) -> tuple[str, Message]:
    """(Kafka key, message) of a record event; ``student`` is the student's proto message.

    No sensitive value travels: StudentRecordChanged names the changed fields only, and the
    guardian events carry the student and the parent account ids (what identity needs).
    """
    if isinstance(event, events.StudentRecordChanged):
        return event.student.id, records_pb2.StudentRecordChanged(
            school_id=school_id, student=student, changed_fields=list(event.fields)
        )
    kind = records_pb2.GuardianLinked if isinstance(event, events.GuardianLinked) else records_pb2.GuardianUnlinked
    return event.student.id, kind(
        school_id=school_id,
        student_id=event.student.id,
        parent_account_id=event.parent_account_id,
        student_code=event.student.student_code,
    )
