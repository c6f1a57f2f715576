"""Domain events of the students context: facts recorded in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from school_students.domain.attendance import AbsenceAlertRaised, ClassAttendanceRecorded
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


@dataclass(frozen=True)
class SchoolYearUpdated:
    year: SchoolYear


@dataclass(frozen=True)
class ClassUpdated:
    school_class: SchoolClass
    previous_name: str
    school_year_name: str


# -- the student record (issue 4, records) ---------------------------------------------------------


@dataclass(frozen=True)
class StudentRecordChanged:
    """The record changed; ``fields`` names what changed (never the values: they may be sensitive)."""

    student: Student
    fields: tuple[str, ...]


@dataclass(frozen=True)
class GuardianLinked:
    """A guardian of the student now signs in with the parent account ``parent_account_id``."""

    student: Student
    parent_account_id: str


@dataclass(frozen=True)
class GuardianUnlinked:
    """The parent account no longer reaches the student (link removed or guardian removed)."""

    student: Student
    parent_account_id: str


RecordEvent = StudentRecordChanged | GuardianLinked | GuardianUnlinked

StructureEvent = SchoolYearUpdated | ClassUpdated

DomainEvent = (
    SchoolYearCreated
    | ClassCreated
    | StudentEnrolled
    | StudentDetailsChanged
    | StructureEvent
    | RecordEvent
    # Issue 4, attendance: the events live with their rules in domain/attendance.py.
    | ClassAttendanceRecorded
    | AbsenceAlertRaised
    | StudentMoved
    | ClassesRolledOver
    | StudentDeleted
    | StudentsMerged
)
