"""Proto messages of the students service ⇄ the gateway's JSON/page dictionaries."""

from __future__ import annotations

from typing import Any

from school.students.v1 import students_pb2
from school_gateway.schemas import iso_date

_GENDER_OUT = {students_pb2.GENDER_MALE: "male", students_pb2.GENDER_FEMALE: "female"}
_GENDER_IN = {"male": students_pb2.GENDER_MALE, "female": students_pb2.GENDER_FEMALE}


def gender_to_proto(value: str) -> students_pb2.Gender:
    return _GENDER_IN.get(value, students_pb2.GENDER_UNSPECIFIED)


def school_year(message: Any) -> dict[str, Any]:
    return {
        "id": message.school_year_id,
        "name": message.name,
        "start_date": iso_date(message.start_date),
        "end_date": iso_date(message.end_date),
        "semesters": [semester(t) for t in message.semesters],
        "version": message.version,
    }


def semester(message: Any) -> dict[str, Any]:
    return {
        "term": message.term,
        "start_date": iso_date(message.start_date),
        "end_date": iso_date(message.end_date),
        "teaching_weeks": message.teaching_weeks,
    }


def school_class(message: Any) -> dict[str, Any]:
    return {
        "id": message.class_id,
        "school_year_id": message.school_year_id,
        "name": message.name,
        "grade_level": message.grade_level,
        "max_size": message.max_size,
        "size": message.size,
        "room": message.room,
        "version": message.version,
    }


def student(message: Any) -> dict[str, Any]:
    return {
        "id": message.student_id,
        "student_code": message.student_code,
        "full_name": message.full_name,
        "date_of_birth": iso_date(message.date_of_birth),
        "gender": _GENDER_OUT.get(message.gender, "unspecified"),
        "class_id": message.class_id,
        "version": message.version,
    }


def found_student(message: Any) -> dict[str, Any]:
    """A search result: the student with the name of their current class."""
    return {**student(message), "class_name": message.class_name}
