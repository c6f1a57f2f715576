"""Maps domain events to their school.students.v1 proto messages and Kafka keys."""

from __future__ import annotations

from google.protobuf.message import Message

from school.students.v1 import events_pb2, students_pb2
from school_students.domain import events
from school_students.domain.attendance import AbsenceAlertRaised, ClassAttendanceRecorded
from school_students.domain.movement_events import ClassesRolledOver, StudentDeleted, StudentMoved, StudentsMerged
from school_students.domain.school_class import SchoolClass
from school_students.domain.school_year import SchoolYear
from school_students.domain.structure import Semester
from school_students.domain.student import Gender, Student
from school_students.events.attendance_outbound import attendance_message
from school_students.events.records_outbound import record_event_message

TOPIC = "school.students.v1"
SERVICE = "students"

GENDER_TO_PROTO = {Gender.MALE: students_pb2.GENDER_MALE, Gender.FEMALE: students_pb2.GENDER_FEMALE}


def year_message(year: SchoolYear) -> students_pb2.SchoolYear:
    return students_pb2.SchoolYear(
        school_year_id=year.id,
        name=year.name,
        start_date=year.start_date.isoformat(),
        end_date=year.end_date.isoformat(),
        semesters=[semester_message(s) for s in year.semesters],
        version=year.version,
    )


def semester_message(semester: Semester) -> students_pb2.Semester:
    return students_pb2.Semester(
        term=semester.term,
        start_date=semester.start_date.isoformat(),
        end_date=semester.end_date.isoformat(),
        teaching_weeks=semester.teaching_weeks,
    )


def class_message(school_class: SchoolClass) -> students_pb2.SchoolClass:
    return students_pb2.SchoolClass(
        class_id=school_class.id,
        school_year_id=school_class.school_year_id,
        name=school_class.name,
        grade_level=school_class.grade_level,
        max_size=school_class.max_size,
        size=school_class.size,
        room=school_class.room,
        version=school_class.version,
    )


def student_message(student: Student) -> students_pb2.Student:
    return students_pb2.Student(
        student_id=student.id,
        student_code=student.student_code,
        full_name=student.full_name,
        date_of_birth=student.date_of_birth.isoformat(),
        gender=GENDER_TO_PROTO[student.gender],
        class_id=student.class_id,
        version=student.version,
        class_name=student.class_name,
    )


def to_message(school_id: str, event: events.DomainEvent) -> tuple[str, Message]:
    """(Kafka key, proto message): the key is the aggregate id so one aggregate's events keep order."""
    if isinstance(event, events.StudentRecordChanged | events.GuardianLinked | events.GuardianUnlinked):
        return record_event_message(school_id, event, student_message(event.student))
    if isinstance(event, ClassAttendanceRecorded | AbsenceAlertRaised):
        return attendance_message(school_id, event)
    if isinstance(event, StudentMoved | ClassesRolledOver | StudentDeleted | StudentsMerged):
        from school_students.events.outbound_movements import movement_event

        return movement_event(school_id, event)
    if isinstance(event, events.SchoolYearCreated):
        return event.year.id, events_pb2.SchoolYearCreated(school_year=year_message(event.year), school_id=school_id)
    if isinstance(event, events.ClassCreated):
        return event.school_class.id, events_pb2.ClassCreated(
            school_class=class_message(event.school_class), school_id=school_id
        )
    if isinstance(event, events.StudentEnrolled):
        return event.student.id, events_pb2.StudentEnrolled(
            school_id=school_id,
            student=student_message(event.student),
            class_name=event.school_class.name,
            grade_level=event.school_class.grade_level,
            school_year_id=event.school_class.school_year_id,
            enrolled_on=event.enrolled_on.isoformat(),
        )
    if isinstance(event, events.SchoolYearUpdated):
        return event.year.id, events_pb2.SchoolYearUpdated(school_year=year_message(event.year), school_id=school_id)
    if isinstance(event, events.ClassUpdated):
        return event.school_class.id, events_pb2.ClassUpdated(
            school_class=class_message(event.school_class),
            school_id=school_id,
            previous_name=event.previous_name,
            school_year_name=event.school_year_name,
        )
    return event.student.id, events_pb2.StudentDetailsChanged(
        school_id=school_id, student=student_message(event.student)
    )
