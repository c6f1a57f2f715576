"""Ports: what the use cases need from storage and the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol

from school_students.app.attendance_ports import AttendanceRepository
from school_students.app.records_ports import GuardianRepository, RecordRepository
from school_students.domain.events import DomainEvent
from school_students.domain.movement_events import MovementRecord
from school_students.domain.movements import GradeOutcome, Kind, Status, Stay
from school_students.domain.school_class import ClassSpec, SchoolClass
from school_students.domain.school_year import SchoolYear, SchoolYearSpec
from school_students.domain.structure import ClassChanges, Semester
from school_students.domain.student import Student, StudentDetails
from schoolkit.pagination import PageRequest


@dataclass(frozen=True)
class StudentSearch:
    """What SearchStudents looks for: folded name words and/or an exact code, and the filters.

    A student matches when every word occurs in the folded name, or when ``code`` equals the
    student code. ``only_class_ids`` (not None) keeps students currently in those classes.
    """

    words: tuple[str, ...] = ()
    code: str = ""
    class_id: str = ""
    school_year_id: str = ""
    only_class_ids: frozenset[str] | None = None


class SchoolYearRepository(Protocol):
    def get(self, school_id: str, year_id: str) -> SchoolYear | None: ...

    def name_taken(self, school_id: str, name: str) -> bool: ...

    def add(self, school_id: str, spec: SchoolYearSpec, terms: Sequence[Semester] = ()) -> SchoolYear: ...

    def list(self, school_id: str, page: PageRequest) -> list[SchoolYear] | None:
        """Newest first, at most ``page.size + 1`` rows; None when ``page.after_id`` is unknown."""
        ...

    def update(
        self, year: SchoolYear, start: date, end: date, terms: Sequence[Semester], expected_version: int
    ) -> SchoolYear | None:
        """New dates and semesters if the stored version is still ``expected_version``; None otherwise."""
        ...

    def last_activity(self, school_id: str, year_id: str) -> date | None:
        """The latest enrolment or leave date in the year's classes."""
        ...


class ClassRepository(Protocol):
    def get(self, school_id: str, class_id: str, *, for_update: bool = False) -> SchoolClass | None:
        """The class with its current size; ``for_update`` locks it until the transaction ends."""
        ...

    def name_taken(self, school_id: str, year_id: str, name: str) -> bool: ...

    def add(self, school_id: str, year_id: str, spec: ClassSpec) -> SchoolClass: ...

    def update(self, school_class: SchoolClass, changes: ClassChanges, expected_version: int) -> SchoolClass | None:
        """New name, room and size limit if the stored version is still ``expected_version``."""
        ...

    def list(
        self, school_id: str, year_id: str, page: PageRequest, only_ids: frozenset[str] | None = None
    ) -> list[SchoolClass] | None:
        """By year (newest first), grade level, then name; None when ``page.after_id`` is unknown.

        ``only_ids`` (when not None) keeps just those classes: a teacher's assigned classes.
        """
        ...


class StudentRepository(Protocol):
    def get(self, school_id: str, student_id: str) -> Student | None: ...

    def code_taken(self, school_id: str, code: str) -> bool: ...

    def next_code_number(self, school_id: str) -> int:
        """The next number of the school's own code sequence (consumed even if later unused)."""
        ...

    def add(self, school_id: str, code: str, details: StudentDetails) -> Student: ...

    def update_details(self, student: Student, details: StudentDetails, expected_version: int) -> Student | None:
        """Write new details if the stored version is still ``expected_version``; None otherwise."""
        ...

    def enrol(self, student_id: str, school_class: SchoolClass, on: date) -> None: ...

    def list_in_class(self, school_id: str, class_id: str, page: PageRequest) -> list[tuple[Student, datetime]] | None:
        """Current members by Vietnamese name order, each with the time they were enrolled."""
        ...

    def search(self, school_id: str, search: StudentSearch, page: PageRequest) -> list[Student] | None:
        """Students matching ``search`` by Vietnamese name order, each with class id and name;
        None when ``page.after_id`` is unknown."""
        ...


class IdempotencyRepository(Protocol):
    def find(self, school_id: str, key: str) -> tuple[str, str] | None:
        """(request fingerprint, student id) stored for the key, if any."""
        ...

    def remember(self, school_id: str, key: str, fingerprint: str, student_id: str) -> None: ...


@dataclass(frozen=True)
class CurrentStay:
    """A student's current enrolment: its id, class and first day."""

    enrolment_id: str
    class_id: str
    enrolled_on: date


class MovementRepository(Protocol):
    def status(self, school_id: str, student_id: str) -> tuple[Status | None, bool]:
        """(status, transferred-in marker); None when no movement was ever recorded."""
        ...

    def set_status(
        self, school_id: str, student_id: str, status: Status, since: date, transferred_in: bool
    ) -> None: ...

    def current_stay(self, school_id: str, student_id: str) -> CurrentStay | None: ...

    def lock_student(self, school_id: str, student_id: str) -> None:
        """Serialise movements of one student (a row lock until the transaction ends)."""
        ...

    def leave(self, school_id: str, enrolment_id: str, on: date, kind: Kind) -> bool:
        """End the enrolment; False when it had already ended (another request won)."""
        ...

    def join(self, student_id: str, school_class: SchoolClass, on: date, kind: Kind) -> None: ...

    def last_left_on(self, school_id: str, student_id: str) -> date | None: ...

    def add(self, school_id: str, record: MovementRecord) -> None: ...

    def history(self, school_id: str, student_id: str) -> list[MovementRecord]: ...

    def update_details(self, school_id: str, movement_id: str, details: dict[str, Any]) -> None: ...

    def stays(self, school_id: str, year_id: str) -> list[Stay]: ...

    def pupils_of(self, school_id: str, class_id: str) -> list[tuple[str, CurrentStay]]: ...

    def set_repeat(
        self, school_id: str, student_id: str, year_id: str, repeat: bool, note: str, by: str, at: datetime
    ) -> None: ...

    def repeaters(self, school_id: str, year_id: str) -> frozenset[str]: ...

    def grade_outcomes(self, school_id: str, year_id: str) -> dict[str, GradeOutcome]:
        """Year results and principal's decisions grades published for the year, by pupil id."""
        ...

    def history_size(self, school_id: str, student_id: str) -> tuple[int, int]: ...

    def drop_stay(self, school_id: str, enrolment_id: str) -> None: ...

    def delete_student(self, school_id: str, student_id: str) -> None: ...

    def move_history(self, school_id: str, from_student: str, to_student: str) -> None: ...

    def move_record(self, school_id: str, from_student: str, to_student: str) -> None:
        """Merging: the record row (when the kept student has none) and the guardian links move over."""
        ...

    def audit(
        self,
        school_id: str,
        action: str,
        student: tuple[str, str, str],
        surviving_id: str | None,
        reason: str,
        by: str,
        at: datetime,
    ) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction: commits on a clean exit, rolls back when an exception escapes.

    Events added with ``emit`` are written to the outbox inside the same transaction, so a
    change and its event are stored together or not at all.
    """

    @property
    def school_years(self) -> SchoolYearRepository: ...

    @property
    def classes(self) -> ClassRepository: ...

    @property
    def students(self) -> StudentRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def records(self) -> RecordRepository: ...

    @property
    def guardians(self) -> GuardianRepository: ...

    @property
    def attendance(self) -> AttendanceRepository: ...

    @property
    def movements(self) -> MovementRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def emit(self, school_id: str, event: DomainEvent) -> None: ...


UnitOfWorkFactory = Callable[[bool], UnitOfWork]
"""Opens a unit of work; the flag says whether it only reads (SQLite then skips the write lock)."""

Clock = Callable[[], datetime]
"""Current time as an aware UTC datetime (a port so tests can fix "today")."""


class DuplicateKeyError(Exception):
    """An adapter hit a unique constraint (a concurrent request won the race)."""
