"""Domain events of student movements: one fact per movement, carrying natural keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from school_students.domain.movements import Kind, Status
from school_students.domain.student import Student


@dataclass(frozen=True)
class ClassRef:
    """A class by its natural keys (name, grade level, school year) as well as its id."""

    id: str
    name: str
    grade_level: int
    school_year_id: str


@dataclass(frozen=True)
class MovementRecord:
    """One entry of the movement log (the audit trail)."""

    id: str
    student_id: str
    kind: Kind
    effective_date: date
    reason_code: str
    note: str
    status_before: Status | None
    status_after: Status
    from_class: ClassRef | None
    to_class: ClassRef | None
    details: dict[str, Any]
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class StudentMoved:
    """A movement was recorded; ``student.class_id`` is the class after it (empty when none)."""

    student: Student
    movement: MovementRecord


@dataclass(frozen=True)
class ClassRollOver:
    """One class's part of a roll-over: where its pupils went and how many."""

    from_class: ClassRef
    to_class: ClassRef | None
    repeat_class: ClassRef | None
    promoted: int
    repeated: int
    completed: int


@dataclass(frozen=True)
class ClassesRolledOver:
    """The year-end roll-over (kết chuyển) moved pupils from one school year to the next."""

    from_school_year_id: str
    to_school_year_id: str
    classes: tuple[ClassRollOver, ...]


@dataclass(frozen=True)
class StudentDeleted:
    """A record entered by mistake was deleted (``reason`` stays in the audit trail, not the event)."""

    student: Student
    reason: str


@dataclass(frozen=True)
class StudentsMerged:
    """Two records of one child were merged into ``surviving``."""

    surviving: Student
    merged_student_id: str
    merged_student_code: str
    reason: str
