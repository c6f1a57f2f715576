"""Commands: the write requests the students context accepts, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from school_students.domain.structure import NO_SEMESTER, SemesterInput
from school_students.domain.student import Gender


@dataclass(frozen=True)
class CreateSchoolYear:
    school_id: str
    name: str
    start_date: str
    end_date: str
    # Both empty: the configured defaults (domain/structure.py).
    hk1: SemesterInput = NO_SEMESTER
    hk2: SemesterInput = NO_SEMESTER


@dataclass(frozen=True)
class CreateClass:
    school_id: str
    school_year_id: str
    name: str
    grade_level: int
    max_size: int
    room: str = ""


@dataclass(frozen=True)
class EnrollStudent:
    school_id: str
    class_id: str
    full_name: str
    date_of_birth: str
    gender: Gender | None
    student_code: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True)
class UpdateStudent:
    school_id: str
    student_id: str
    expected_version: int
    full_name: str
    date_of_birth: str
    gender: Gender | None
