"""Domain events of the students context: facts recorded in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from school_students.domain.movement_events import ClassesRolledOver, StudentDeleted, StudentMoved, StudentsMerged
from school_students.domain.school_class import SchoolClass
from school_students.domain.school_year import SchoolYear
from school_students.domain.student import Student


@dataclass(frozen=True)
class SchoolYearCreated:
    year: SchoolYear


@dataclass(frozen=True)
class ClassCreated:
    school_class: SchoolClass


@dataclass(frozen=True)
class StudentEnrolled:
    student: Student
    school_class: SchoolClass
    enrolled_on: date


@dataclass(frozen=True)
class StudentDetailsChanged:
    student: Student


DomainEvent = (
    SchoolYearCreated
    | ClassCreated
    | StudentEnrolled
    | StudentDetailsChanged
    | StudentMoved
    | ClassesRolledOver
    | StudentDeleted
    | StudentsMerged
)
