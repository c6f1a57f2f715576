"""Domain events map to the school.students.v1 messages with the aggregate id as key."""

from __future__ import annotations

from datetime import date

from school.students.v1 import events_pb2, students_pb2
from school_students.domain import events
from school_students.domain.school_class import SchoolClass
from school_students.domain.school_year import SchoolYear
from school_students.domain.student import Gender, Student
from school_students.events.outbound import to_message

YEAR = SchoolYear("y1", "s1", "2025-2026", date(2025, 9, 5), date(2026, 5, 31))
CLASS = SchoolClass("c1", "s1", "y1", "3B", 3, 35)
STUDENT = Student("st1", "s1", "HS000001", "Lê Thị An", date(2017, 1, 2), Gender.FEMALE, 1, "c1")


def test_school_year_created() -> None:
    key, msg = to_message("s1", events.SchoolYearCreated(YEAR))
    assert key == "y1"
    assert isinstance(msg, events_pb2.SchoolYearCreated)
    assert msg.school_year.start_date == "2025-09-05"


def test_class_created() -> None:
    key, msg = to_message("s1", events.ClassCreated(CLASS))
    assert key == "c1"
    assert isinstance(msg, events_pb2.ClassCreated)
    assert msg.school_class.grade_level == 3


def test_student_enrolled_carries_natural_keys() -> None:
    key, msg = to_message("s1", events.StudentEnrolled(STUDENT, CLASS, date(2025, 9, 5)))
    assert key == "st1"
    assert isinstance(msg, events_pb2.StudentEnrolled)
    assert (msg.class_name, msg.grade_level, msg.school_year_id, msg.enrolled_on) == ("3B", 3, "y1", "2025-09-05")
    assert msg.student.gender == students_pb2.GENDER_FEMALE
    assert msg.student.class_id == "c1"


def test_student_details_changed() -> None:
    key, msg = to_message("s1", events.StudentDetailsChanged(STUDENT))
    assert key == "st1"
    assert msg.DESCRIPTOR.full_name == "school.students.v1.StudentDetailsChanged"
