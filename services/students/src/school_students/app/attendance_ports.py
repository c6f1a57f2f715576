"""Ports of the attendance use cases: what they need from storage (adapters/attendance_repository.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from school_students.domain.attendance import AlertRule, Correction, Counts, Entry, Member


@dataclass(frozen=True)
class Recorder:
    """Who saves: the caller's subject and display name."""

    subject: str
    name: str


@dataclass(frozen=True)
class RecordedDay:
    id: str
    class_id: str
    day: date
    version: int
    entries: dict[str, Entry]
    counts: Counts
    recorded_by_name: str
    recorded_at: datetime
    updated_by_name: str
    updated_at: datetime


@dataclass(frozen=True)
class StoredCorrection:
    student_id: str
    old: str
    new: str
    reason: str
    corrected_by_name: str
    corrected_at: datetime


@dataclass(frozen=True)
class Membership:
    """A pupil's stay in a class: from ``enrolled_on`` until the day before ``left_on``."""

    member: Member
    enrolled_on: date
    left_on: date | None = None

    def on(self, day: date) -> bool:
        return self.enrolled_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True)
class OpenAlert:
    id: str
    student_id: str
    student_code: str
    full_name: str
    class_id: str
    class_name: str
    rule: AlertRule
    raised_on: date
    count: int


@dataclass(frozen=True)
class HistoryDay:
    day: date
    class_id: str
    class_name: str
    mark: str
    note: str


@dataclass
class MonthMarks:
    """Recorded marks of a class in a date range: (student id, day) → mark, and the recorded days."""

    marks: dict[tuple[str, date], str] = field(default_factory=dict)
    days: dict[date, Counts] = field(default_factory=dict)


class AttendanceRepository(Protocol):
    def members_between(self, school_id: str, class_id: str, first: date, last: date) -> list[Membership]:
        """Pupils in class ``class_id`` on at least one day from ``first`` to ``last``, in class-list
        order. The single place that says who is in a class on a date (movements may refine it)."""
        ...

    def get_day(self, school_id: str, class_id: str, day: date) -> RecordedDay | None: ...

    def insert_day(
        self, school_id: str, class_id: str, day: date, entries: dict[str, Entry], by: Recorder, now: datetime
    ) -> RecordedDay: ...

    def update_day(
        self, recorded: RecordedDay, school_id: str, entries: dict[str, Entry], by: Recorder, now: datetime
    ) -> RecordedDay | None:
        """Replace the day's marks if its version is still ``recorded.version``; None otherwise."""
        ...

    def add_corrections(
        self, school_id: str, day_id: str, corrections: list[Correction], by: Recorder, now: datetime
    ) -> None: ...

    def corrections(self, school_id: str, day_id: str) -> list[StoredCorrection]: ...

    def class_marks(self, school_id: str, class_id: str, first: date, last: date) -> MonthMarks: ...

    def student_marks(self, school_id: str, student_id: str, first: date, last: date) -> dict[date, str]: ...

    def open_alerts(
        self,
        school_id: str,
        *,
        class_id: str = "",
        student_id: str = "",
        only_class_ids: frozenset[str] | None = None,
    ) -> list[OpenAlert]: ...

    def raise_alert(
        self, school_id: str, student_id: str, class_id: str, rule: AlertRule, on: date, count: int, now: datetime
    ) -> None: ...

    def resolve_alert(self, school_id: str, alert_id: str, on: date) -> None: ...

    def history(self, school_id: str, student_id: str, limit: int) -> list[HistoryDay]: ...
