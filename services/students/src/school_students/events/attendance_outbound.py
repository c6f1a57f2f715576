"""Attendance events → their school.students.v1 proto messages and Kafka keys."""

from __future__ import annotations

from google.protobuf.message import Message

from school.students.v1 import attendance_pb2
from school_students.domain.attendance import AbsenceAlertRaised, AlertRule, ClassAttendanceRecorded, Counts

RULE_TO_PROTO = {
    AlertRule.CONSECUTIVE: attendance_pb2.ABSENCE_RULE_CONSECUTIVE,
    AlertRule.FREQUENT: attendance_pb2.ABSENCE_RULE_FREQUENT,
}


def counts_message(counts: Counts) -> attendance_pb2.AttendanceCounts:
    return attendance_pb2.AttendanceCounts(
        enrolled=counts.enrolled,
        present=counts.present,
        excused=counts.excused,
        unexcused=counts.unexcused,
        late=counts.late,
    )


def attendance_message(school_id: str, event: ClassAttendanceRecorded | AbsenceAlertRaised) -> tuple[str, Message]:
    """(Kafka key, message): the class id for a recorded day, the student id for an alert."""
    cls = event.school_class
    if isinstance(event, ClassAttendanceRecorded):
        return cls.id, attendance_pb2.ClassAttendanceRecorded(
            school_id=school_id,
            class_id=cls.id,
            class_name=cls.name,
            grade_level=cls.grade_level,
            school_year_id=cls.school_year_id,
            date=event.day.isoformat(),
            counts=counts_message(event.counts),
            version=event.version,
        )
    return event.student_id, attendance_pb2.AbsenceAlertRaised(
        school_id=school_id,
        student_id=event.student_id,
        student_code=event.student_code,
        class_id=cls.id,
        class_name=cls.name,
        school_year_id=cls.school_year_id,
        rule=RULE_TO_PROTO[event.rule],
        raised_on=event.raised_on.isoformat(),
        count=event.count,
    )
