"""Ports of the student record (issue 4, records): the record fields, guardians, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from school_students.domain.guardian import Guardian, GuardianDetails
from school_students.domain.record import StudentRecord
from school_students.domain.student import Student


@dataclass(frozen=True)
class EnrolmentEntry:
    """One stay of a student in a class: the class and year names, and when it began and ended."""

    class_id: str
    class_name: str
    grade_level: int
    school_year_id: str
    school_year_name: str
    enrolled_on: date
    left_on: date | None


@dataclass(frozen=True)
class ClassSummary:
    """A class as the school-wide completeness page lists it."""

    class_id: str
    name: str
    grade_level: int


class RecordRepository(Protocol):
    def get(self, school_id: str, student: Student) -> StudentRecord:
        """The record of ``student`` (its basic fields from the student, the rest stored or empty)."""
        ...

    def save(self, school_id: str, student_id: str, record: StudentRecord) -> None:
        """Write the record's own fields (the basic ones live on the student)."""
        ...

    def csdl_id_taken(self, school_id: str, csdl_id: str, other_than: str) -> bool:
        """Whether another student of the school than ``other_than`` has this CSDL student ID."""
        ...

    def citizen_id_taken(self, school_id: str, citizen_id: str, other_than: str) -> bool:
        """Whether another student of the school than ``other_than`` has this citizen ID: one
        child, one number (a second record of the same child is a duplicate to merge)."""
        ...

    def history(self, school_id: str, student_id: str) -> list[EnrolmentEntry]:
        """Every class the student has been in, newest first."""
        ...

    def in_class(self, school_id: str, class_id: str) -> list[tuple[Student, StudentRecord]]:
        """The current members of a class with their records, in class-list order."""
        ...

    def classes_of_year(self, school_id: str, school_year_id: str) -> list[ClassSummary]:
        """The classes of a school year by grade level then name."""
        ...


class GuardianRepository(Protocol):
    def of_student(self, school_id: str, student_id: str) -> list[Guardian]:
        """The student's guardians (each with that link's relation), oldest link first."""
        ...

    def of_class(self, school_id: str, class_id: str) -> dict[str, list[GuardianDetails]]:
        """The guardians of every current member of a class, by student id."""
        ...

    def get(self, school_id: str, guardian_id: str) -> Guardian | None:
        """A guardian of the school (relation empty: it belongs to a link)."""
        ...

    def add(self, school_id: str, details: GuardianDetails) -> Guardian: ...

    def update(self, guardian: Guardian, details: GuardianDetails, expected_version: int) -> Guardian | None:
        """Write new contact details if the version still matches; None otherwise."""
        ...

    def link(self, school_id: str, student_id: str, guardian_id: str, relation: str) -> None: ...

    def set_relation(self, school_id: str, student_id: str, guardian_id: str, relation: str) -> None: ...

    def unlink(self, school_id: str, student_id: str, guardian_id: str) -> bool:
        """Remove the link; False when there was none. A guardian left with no student is deleted."""
        ...

    def set_account(self, school_id: str, guardian_id: str, account_id: str | None) -> None: ...

    def student_ids(self, school_id: str, guardian_id: str) -> list[str]:
        """The students this guardian is linked to."""
        ...

    def children_of_account(self, school_id: str, account_id: str) -> list[str]:
        """Ids of the students whose guardian signs in with ``account_id``."""
        ...
