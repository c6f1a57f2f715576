"""School structure rules: the two semesters (học kỳ) of a year, editing a year, editing a class.

Semesters follow the yearly framework (domain-vn §3.1): for 2025-26 HK I ends before 18/01/2026 and
HK II starts 19/01/2026 in HCMC, with 35 teaching weeks (18 + 17). The framework changes every
year, so the defaults (the day-month HK I ends, the weeks) come from configuration; every date stays
editable per year.

Rules for a year's semesters, each refused with a Vietnamese message naming the field:

* both semesters lie inside the year (a school year may start with tựu trường before HK I and
  end with administrative weeks after HK II, so they need not touch the year's edges);
* each semester ends after it starts, and HK I comes before HK II without overlap;
* **no gap**: HK II starts the day after HK I ends. Attendance, assessments and reports are filed
  by semester from their date, so a school day between the two semesters would belong to neither;
  holidays such as Tết lie inside a semester (a holiday calendar, not a gap, covers them);
* the teaching weeks of a semester (optional, 0 = not recorded) fit in its span.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from school_students.domain.dates import read_date
from school_students.domain.errors import FieldErrors
from school_students.domain.names import normalise_name
from school_students.domain.school_class import MAX_SIZE_CEILING, NAME_MAX_LENGTH

TERMS = (1, 2)
TERM_LABELS = {1: "Học kỳ I", 2: "Học kỳ II"}
TERM_NAMES = {1: "học kỳ I", 2: "học kỳ II"}  # inside a sentence
ROOM_MAX_LENGTH = 30
MAX_TEACHING_WEEKS = 30


@dataclass(frozen=True)
class Semester:
    """One học kỳ of a school year; ``teaching_weeks`` 0 means not recorded."""

    term: int
    start_date: date
    end_date: date
    teaching_weeks: int = 0


@dataclass(frozen=True)
class SemesterInput:
    """A semester as a request carries it: ISO date texts and a number of weeks."""

    start_date: str = ""
    end_date: str = ""
    teaching_weeks: int = 0

    @property
    def empty(self) -> bool:
        return not self.start_date.strip() and not self.end_date.strip() and self.teaching_weeks == 0


NO_SEMESTER = SemesterInput()
"""A semester left out of a request."""


@dataclass(frozen=True)
class SemesterDefaults:
    """Configured framework: HK I ends on ``hk1_end_day``/``hk1_end_month`` of the year's second
    calendar year, HK II starts the next day; the weeks of each semester."""

    hk1_end_day: int = 17
    hk1_end_month: int = 1
    hk1_weeks: int = 18
    hk2_weeks: int = 17


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def weeks_spanned(start: date, end: date) -> int:
    """How many (started) weeks the days ``start``..``end`` touch."""
    return (end - start).days // 7 + 1


def default_semesters(start: date, end: date, defaults: SemesterDefaults) -> tuple[Semester, Semester] | None:
    """HK I from the year's start to the configured day, HK II from the next day to the year's end.

    None when the configured day does not fall inside the year (the caller then asks for dates).
    Weeks come from the configuration, capped by what the semester's span can hold.
    """
    try:
        hk1_end = date(end.year, defaults.hk1_end_month, defaults.hk1_end_day)
    except ValueError:
        return None
    if not start < hk1_end < end:
        return None
    hk2_start = hk1_end + timedelta(days=1)
    return (
        Semester(1, start, hk1_end, min(defaults.hk1_weeks, weeks_spanned(start, hk1_end))),
        Semester(2, hk2_start, end, min(defaults.hk2_weeks, weeks_spanned(hk2_start, end))),
    )


def read_semesters(errors: FieldErrors, hk1: SemesterInput, hk2: SemesterInput) -> tuple[Semester, Semester] | None:
    """Parse both semesters (fields ``hk1.start_date`` … ``hk2.teaching_weeks``); None on any error."""
    parsed: list[Semester] = []
    for term, given in zip(TERMS, (hk1, hk2), strict=True):
        start = read_date(errors, f"hk{term}.start_date", given.start_date, f"Ngày bắt đầu {TERM_NAMES[term]}")
        end = read_date(errors, f"hk{term}.end_date", given.end_date, f"Ngày kết thúc {TERM_NAMES[term]}")
        if not 0 <= given.teaching_weeks <= MAX_TEACHING_WEEKS:
            errors.add(f"hk{term}.teaching_weeks", f"Số tuần thực học của {TERM_NAMES[term]} phải từ 0 đến 30")
        if start and end:
            parsed.append(Semester(term, start, end, given.teaching_weeks))
    if len(parsed) != len(TERMS):
        return None
    return parsed[0], parsed[1]


def check_semesters(
    errors: FieldErrors, year_start: date, year_end: date, semesters: tuple[Semester, Semester]
) -> None:
    """Record every way the two semesters break the rules of this module's docstring."""
    for s in semesters:
        label = TERM_LABELS[s.term]
        prefix = f"hk{s.term}"
        if s.end_date <= s.start_date:
            errors.add(f"{prefix}.end_date", f"Ngày kết thúc {TERM_NAMES[s.term]} phải sau ngày bắt đầu")
        if not year_start <= s.start_date <= year_end:
            errors.add(
                f"{prefix}.start_date",
                f"{label} phải bắt đầu trong năm học ({vn(year_start)} – {vn(year_end)})",
            )
        if not year_start <= s.end_date <= year_end:
            errors.add(
                f"{prefix}.end_date",
                f"{label} phải kết thúc trong năm học ({vn(year_start)} – {vn(year_end)})",
            )
        if s.teaching_weeks and s.end_date > s.start_date:
            most = weeks_spanned(s.start_date, s.end_date)
            if s.teaching_weeks > most:
                errors.add(
                    f"{prefix}.teaching_weeks",
                    f"{label} chỉ có {most} tuần (từ {vn(s.start_date)} đến {vn(s.end_date)})",
                )
    hk1, hk2 = semesters
    if hk2.start_date <= hk1.end_date:
        errors.add("hk2.start_date", f"Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc ({vn(hk1.end_date)})")
    elif hk2.start_date != hk1.end_date + timedelta(days=1):
        errors.add(
            "hk2.start_date",
            f"Học kỳ II phải bắt đầu ngay sau ngày kết thúc học kỳ I, tức ngày {vn(hk1.end_date + timedelta(days=1))}",
        )


def plan_semesters(
    errors: FieldErrors,
    year_start: date | None,
    year_end: date | None,
    hk1: SemesterInput,
    hk2: SemesterInput,
    defaults: SemesterDefaults,
) -> tuple[Semester, Semester] | None:
    """The semesters of a new year: as given, or from the defaults when neither is given."""
    if hk1.empty and hk2.empty:
        if year_start is None or year_end is None:
            return None
        planned = default_semesters(year_start, year_end, defaults)
        if planned is None:
            errors.add(
                "hk1.end_date",
                f"Ngày kết thúc học kỳ I mặc định ({defaults.hk1_end_day:02d}/{defaults.hk1_end_month:02d}) "
                "không nằm trong năm học; hãy nhập ngày của hai học kỳ",
            )
        return planned
    semesters = read_semesters(errors, hk1, hk2)
    if semesters is None or year_start is None or year_end is None:
        return None
    check_semesters(errors, year_start, year_end, semesters)
    return semesters


def check_year_covers_activity(errors: FieldErrors, year_end: date, last_activity: date | None) -> None:
    """A year cannot end before a day its classes already have records on (an enrolment or a leave)."""
    if last_activity is not None and year_end < last_activity:
        errors.add(
            "end_date",
            f"Lớp của năm học đã có biến động sĩ số ngày {vn(last_activity)}; "
            "ngày kết thúc năm học không được trước ngày đó",
        )


# -- classes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassLimits:
    """Configured class sizes: the default for a new class and the upper bound (TT 28: 35, [B])."""

    default_max_size: int = 35
    max_size_limit: int = 35


@dataclass(frozen=True)
class ClassChanges:
    """A validated edit of a class: name, room and size limit (the grade never changes)."""

    name: str
    room: str
    max_size: int


def check_class_name(errors: FieldErrors, name: str) -> str:
    clean = normalise_name(name)
    if not clean:
        errors.add("name", "Tên lớp không được để trống")
    elif len(clean) > NAME_MAX_LENGTH:
        errors.add("name", f"Tên lớp tối đa {NAME_MAX_LENGTH} ký tự")
    elif not all(c.isalnum() or c in " -./" for c in clean):
        errors.add("name", "Tên lớp chỉ được chứa chữ, số, dấu cách và các dấu - . /")
    return clean


def check_room(errors: FieldErrors, room: str) -> str:
    """The room (phòng học) is optional free text such as "P.203" or "Dãy B - tầng 2"."""
    clean = normalise_name(room)
    if len(clean) > ROOM_MAX_LENGTH:
        errors.add("room", f"Phòng học tối đa {ROOM_MAX_LENGTH} ký tự")
    elif any(not c.isprintable() for c in clean):
        errors.add("room", "Phòng học chứa ký tự không hợp lệ")
    return clean


def check_max_size(errors: FieldErrors, max_size: int, limits: ClassLimits, *, unchanged: int = 0) -> int:
    """``max_size`` 0 takes the default; above the configured limit is refused unless it is the
    class's current, unchanged value (set before the limit was lowered)."""
    size = limits.default_max_size if max_size == 0 else max_size
    upper = min(limits.max_size_limit, MAX_SIZE_CEILING)
    if size == unchanged and 1 <= size <= MAX_SIZE_CEILING:
        return size
    if not 1 <= size <= upper:
        errors.add("max_size", f"Sĩ số tối đa phải từ 1 đến {upper}")
    return size


def validate_class_changes(
    name: str, room: str, max_size: int, *, current_size: int, current_max_size: int, limits: ClassLimits
) -> ClassChanges:
    """Check an edit of a class; the size limit may never drop below the students enrolled now."""
    errors = FieldErrors()
    clean_name = check_class_name(errors, name)
    clean_room = check_room(errors, room)
    size = check_max_size(errors, max_size, limits, unchanged=current_max_size)
    if not errors.has("max_size") and size < current_size:
        errors.add("max_size", f"Sĩ số tối đa không được nhỏ hơn sĩ số hiện tại ({current_size} học sinh)")
    errors.raise_if_any("Thông tin lớp không hợp lệ")
    return ClassChanges(name=clean_name, room=clean_room, max_size=size)
