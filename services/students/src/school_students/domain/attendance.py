"""Daily attendance (điểm danh): marks, school days, the day's sheet with audited corrections and
the repeated-absence alert rules.

Daily attendance is not regulated at primary level (domain-vn §3.4): it is the school's internal
record, so the non-school weekdays, the holidays and the alert thresholds are configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from school_students.domain.errors import FieldErrors, ValidationError
from school_students.domain.school_class import SchoolClass
from school_students.domain.school_year import SchoolYear

NOTE_MAX_LENGTH = 200
REASON_MIN_LENGTH = 3
REASON_MAX_LENGTH = 300
WEEKDAY_NAMES = {1: "Thứ hai", 2: "Thứ ba", 3: "Thứ tư", 4: "Thứ năm", 5: "Thứ sáu", 6: "Thứ bảy", 7: "Chủ nhật"}


class Mark(StrEnum):
    PRESENT = "present"  # có mặt
    EXCUSED = "excused"  # vắng có phép (P)
    UNEXCUSED = "unexcused"  # vắng không phép (K)
    LATE = "late"  # đi muộn (present)

    @property
    def absent(self) -> bool:
        return self in (Mark.EXCUSED, Mark.UNEXCUSED)


MARK_LABELS: Mapping[Mark, str] = {
    Mark.PRESENT: "Có mặt",
    Mark.EXCUSED: "Vắng có phép",
    Mark.UNEXCUSED: "Vắng không phép",
    Mark.LATE: "Đi muộn",
}


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- School days ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCalendar:
    """Which days are school days: not a configured non-school weekday (ISO 1=Monday … 7=Sunday)
    and not a configured holiday; the school year bounds come from the class's year."""

    non_school_weekdays: frozenset[int] = frozenset({6, 7})
    holidays: frozenset[date] = frozenset()

    def is_school_day(self, day: date, year: SchoolYear) -> bool:
        return (
            year.start_date <= day <= year.end_date
            and day.isoweekday() not in self.non_school_weekdays
            and day not in self.holidays
        )

    def school_days(self, start: date, end: date, year: SchoolYear) -> list[date]:
        """School days from ``start`` to ``end`` inclusive, in order."""
        first, last = max(start, year.start_date), min(end, year.end_date)
        days: list[date] = []
        day = first
        while day <= last:
            if self.is_school_day(day, year):
                days.append(day)
            day += timedelta(days=1)
        return days

    def latest_school_day(self, on_or_before: date, year: SchoolYear) -> date | None:
        """The most recent school day up to ``on_or_before`` within the year, if any."""
        day = min(on_or_before, year.end_date)
        while day >= year.start_date:
            if self.is_school_day(day, year):
                return day
            day -= timedelta(days=1)
        return None


def parse_weekdays(raw: str) -> frozenset[int]:
    """ "6,7" → {6, 7}; "none" or empty → no non-school weekday. ValueError on anything else."""
    text = raw.strip().lower()
    if text in ("", "none"):
        return frozenset()
    days = {int(part) for part in text.split(",")}
    if not days <= set(WEEKDAY_NAMES):
        raise ValueError(f"weekdays must be 1 (Monday) to 7 (Sunday): {raw!r}")
    return frozenset(days)


def parse_holidays(raw: str) -> frozenset[date]:
    """ "2026-01-01,2026-04-30" → the dates; empty → none. ValueError on a bad date."""
    return frozenset(date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip())


def check_day(
    errors: FieldErrors, field: str, day: date, *, today: date, year: SchoolYear, calendar: SchoolCalendar
) -> None:
    """Record why ``day`` cannot carry attendance (future, outside the year, not a school day)."""
    if day > today:
        errors.add(field, f"Ngày điểm danh {vn(day)} ở tương lai (hôm nay là {vn(today)})")
    elif not year.start_date <= day <= year.end_date:
        errors.add(
            field,
            f"Ngày điểm danh {vn(day)} nằm ngoài năm học {year.name} ({vn(year.start_date)} – {vn(year.end_date)})",
        )
    elif day.isoweekday() in calendar.non_school_weekdays:
        errors.add(field, f"Ngày điểm danh {vn(day)} là {WEEKDAY_NAMES[day.isoweekday()]}, không phải ngày học")
    elif day in calendar.holidays:
        errors.add(field, f"Ngày điểm danh {vn(day)} là ngày nghỉ của trường, không phải ngày học")


# --- The day's sheet -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    mark: Mark = Mark.PRESENT
    note: str = ""


@dataclass(frozen=True)
class Member:
    """A pupil in the class on the day asked about."""

    student_id: str
    student_code: str
    full_name: str


@dataclass(frozen=True)
class Correction:
    student_id: str
    old: Mark
    new: Mark
    reason: str


@dataclass(frozen=True)
class SavePlan:
    entries: dict[str, Entry]
    corrections: list[Correction]
    changed: bool


@dataclass(frozen=True)
class Counts:
    enrolled: int = 0
    present: int = 0
    excused: int = 0
    unexcused: int = 0
    late: int = 0


def count(entries: Iterable[Entry]) -> Counts:
    marks = [e.mark for e in entries]
    return Counts(
        enrolled=len(marks),
        present=sum(1 for m in marks if not m.absent),
        excused=marks.count(Mark.EXCUSED),
        unexcused=marks.count(Mark.UNEXCUSED),
        late=marks.count(Mark.LATE),
    )


def plan_save(
    members: Sequence[Member],
    recorded: Mapping[str, Entry] | None,
    requested: Mapping[str, tuple[Mark | None, str]],
    reason: str,
) -> SavePlan:
    """The day's entries after a save: every member gets a mark (present unless requested
    otherwise). A mark of an already recorded day that changes is a correction and needs a reason.

    ``requested`` maps student ids to (mark, note); a None mark is an unknown mark.
    Raises ValidationError naming each bad field.
    """
    errors = FieldErrors()
    names = {m.student_id: m.full_name for m in members}
    for student_id, (mark, note) in requested.items():
        if student_id not in names:
            errors.add(f"marks.{student_id}", "Học sinh này không thuộc lớp vào ngày điểm danh")
        elif mark is None:
            errors.add(f"marks.{student_id}", f"Trạng thái điểm danh của {names[student_id]} không hợp lệ")
        elif len(note.strip()) > NOTE_MAX_LENGTH:
            errors.add(f"marks.{student_id}", f"Ghi chú của {names[student_id]} tối đa {NOTE_MAX_LENGTH} ký tự")
    errors.raise_if_any("Điểm danh không hợp lệ")
    entries: dict[str, Entry] = {}
    for member in members:
        mark, note = requested.get(member.student_id, (Mark.PRESENT, ""))
        entries[member.student_id] = Entry(mark or Mark.PRESENT, " ".join(note.split()))
    corrections: list[Correction] = []
    clean_reason = " ".join(reason.split())
    if recorded is not None:
        for student_id, entry in entries.items():
            before = recorded.get(student_id)
            if before is not None and before.mark != entry.mark:
                corrections.append(Correction(student_id, before.mark, entry.mark, clean_reason))
    if corrections:
        if len(clean_reason) < REASON_MIN_LENGTH:
            errors.add("correction_reason", "Vui lòng nhập lý do sửa điểm danh (ít nhất 3 ký tự)")
        elif len(clean_reason) > REASON_MAX_LENGTH:
            errors.add("correction_reason", f"Lý do sửa điểm danh tối đa {REASON_MAX_LENGTH} ký tự")
        errors.raise_if_any("Sửa điểm danh cần có lý do")
    changed = recorded is None or dict(recorded) != entries
    return SavePlan(entries, corrections, changed)


# --- Alerts --------------------------------------------------------------------------------------


class AlertRule(StrEnum):
    CONSECUTIVE = "consecutive"  # N school days in a row absent
    FREQUENT = "frequent"  # M absences within the last W days


ALERT_LABELS: Mapping[AlertRule, str] = {
    AlertRule.CONSECUTIVE: "Vắng liên tiếp",
    AlertRule.FREQUENT: "Vắng nhiều",
}


@dataclass(frozen=True)
class AlertThresholds:
    consecutive_days: int = 3
    window_absences: int = 5
    window_days: int = 30


def fired_rules(
    history: Mapping[date, Mark], school_days: Sequence[date], as_of: date, thresholds: AlertThresholds
) -> dict[AlertRule, int]:
    """The alert rules that hold on ``as_of``, each with its count.

    ``school_days`` are the school days up to ``as_of`` (ascending); a day without a record breaks
    a run of absences (nobody knows the pupil was absent). The window counts absences on the
    ``window_days`` calendar days ending on ``as_of``.
    """
    fired: dict[AlertRule, int] = {}
    run = 0
    for day in reversed([d for d in school_days if d <= as_of]):
        mark = history.get(day)
        if mark is None or not mark.absent:
            break
        run += 1
    if run >= thresholds.consecutive_days:
        fired[AlertRule.CONSECUTIVE] = run
    since = as_of - timedelta(days=thresholds.window_days - 1)
    absences = sum(1 for day, mark in history.items() if since <= day <= as_of and mark.absent)
    if absences >= thresholds.window_absences:
        fired[AlertRule.FREQUENT] = absences
    return fired


# --- Events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassAttendanceRecorded:
    school_class: SchoolClass
    day: date
    counts: Counts
    version: int


@dataclass(frozen=True)
class AbsenceAlertRaised:
    student_id: str
    student_code: str
    school_class: SchoolClass
    rule: AlertRule
    raised_on: date
    count: int


def validation(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: message})
