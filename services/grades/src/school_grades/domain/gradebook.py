"""Who may write which cell of the grade book, when, and which values a cell takes (issue 5,
domain-vn §1.4, §1.6, §2.3). Pure functions: the use cases call them on every write.

A cell is one pupil's level, score and comment for one subject or activity (kind SUBJECT) or
for one of the 15 qualities and competencies (kind ITEM) in one assessment period.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from school_grades.domain.errors import ValidationError
from school_grades.domain.evaluation import ItemLevel, SubjectLevel
from school_grades.domain.programme import Period

# The sheet of the 15 qualities and competencies (phẩm chất, năng lực), which the GVCN fills.
QUALITIES_SHEET = "PC_NL"
# The activity the GVCN of the class leads and assesses (domain-vn §2.3), whoever holds subjects.
HOMEROOM_SUBJECTS = frozenset({"HDTN"})


class CellKind(StrEnum):
    SUBJECT = "SUBJECT"  # môn học, hoạt động giáo dục
    ITEM = "ITEM"  # phẩm chất, năng lực


def may_write(
    scopes: Collection[str], class_id: str, kind: CellKind, item_code: str, *, corrects_any: bool = False
) -> bool:
    """Whether the caller's assignment scopes (schoolkit Caller.scopes) let them write this cell.

    A GVBM writes the subjects assigned to them in the class ("class_subject:<class>:<code>"); the
    GVCN of the class writes its qualities and competencies and its HĐTN; a school-wide duty that
    also holds the correction permission (``corrects_any``: grades:score:correct, a delegated
    deputy) may correct any cell. A whole-school scope alone never writes: a deputy who also
    teaches writes their own subjects like any teacher. The permission itself (grades:score:write)
    is checked before this.
    """
    if "school" in scopes and corrects_any:
        return True
    if (kind is CellKind.ITEM or item_code in HOMEROOM_SUBJECTS) and f"class:{class_id}" in scopes:
        return True
    return kind is CellKind.SUBJECT and f"class_subject:{class_id}:{item_code}" in scopes


def write_refusal(kind: CellKind, item_code: str, name: str) -> str:
    """The Vietnamese message for a write outside the caller's assignments."""
    if kind is CellKind.ITEM:
        return "Chỉ giáo viên chủ nhiệm của lớp được đánh giá phẩm chất, năng lực"
    return f"Bạn không được phân công dạy {name} ở lớp này"


def parse_level(kind: CellKind, text: str, field_name: str = "level") -> str | None:
    """A level as typed (any case; D for Đ on a keyboard without Vietnamese input) → its code,
    None for an empty cell; ValidationError for anything else."""
    clean = text.strip().upper()
    if not clean:
        return None
    if kind is CellKind.SUBJECT:
        if clean in SubjectLevel.__members__:
            return clean
        message = "Mức đạt được của môn học là T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)"
    else:
        if clean in ("D", "Đ"):
            return ItemLevel.D.value
        if clean in ("T", "C"):
            return clean
        message = "Mức đạt được của phẩm chất, năng lực là T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)"
    raise ValidationError(message, {field_name: message})


# -- entry windows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days teachers may enter a period's results (thời hạn nhập), both ends included."""

    opens_on: date
    closes_on: date

    def state(self, today: date) -> str:
        if today < self.opens_on:
            return "NOT_YET"
        return "OPEN" if today <= self.closes_on else "CLOSED"


_DAY_MONTH = r"(\d{1,2})/(\d{1,2})"
_WINDOW = re.compile(rf"^\s*(GK1|CK1|GK2|CN)\s*=\s*{_DAY_MONTH}\s*-\s*{_DAY_MONTH}\s*$")
WindowSpec = Mapping[Period, tuple[tuple[int, int], tuple[int, int]]]


def parse_window_spec(text: str) -> WindowSpec:
    """GRADEBOOK_WINDOWS, e.g. "GK1=01/10-30/11,CK1=01/12-25/01,...": one entry per period,
    days as dd/mm (the year comes from the school year). ValueError names what is wrong."""
    spec: dict[Period, tuple[tuple[int, int], tuple[int, int]]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _WINDOW.match(part)
        if not match:
            raise ValueError(f"{part!r}: expected PERIOD=dd/mm-dd/mm")
        period = Period(match.group(1))
        d1, m1, d2, m2 = (int(g) for g in match.groups()[1:])
        for day, month in ((d1, m1), (d2, m2)):
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise ValueError(f"{part!r}: {day:02d}/{month:02d} is not a day of the year")
        if period in spec:
            raise ValueError(f"{period} appears twice")
        spec[period] = ((d1, m1), (d2, m2))
    if set(spec) != set(Period):
        missing = ", ".join(p.value for p in Period if p not in spec)
        raise ValueError(f"every period needs a window; missing {missing}")
    return spec


def _day_in_year(day: int, month: int, starts_on: date, ends_on: date) -> date:
    """dd/mm placed in the school year: months from the start month on fall in the first calendar
    year, earlier months in the second (a year runs Sep → May)."""
    year = starts_on.year if month >= starts_on.month else ends_on.year
    # 29/02 in a common year and similar slips become the month's last day rather than an error.
    for d in range(day, 27, -1):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, min(day, 28))


def default_window(spec: WindowSpec, period: Period, starts_on: date, ends_on: date) -> Window:
    (d1, m1), (d2, m2) = spec[period]
    return Window(_day_in_year(d1, m1, starts_on, ends_on), _day_in_year(d2, m2, starts_on, ends_on))


def check_window(window: Window, today: date, period: Period) -> None:
    """Refuse a teacher's write outside the period's entry window, naming the dates."""
    state = window.state(today)
    if state == "OPEN":
        return
    if state == "NOT_YET":
        message = f"Chưa đến thời hạn nhập kết quả kỳ {period.value} (từ {window.opens_on:%d/%m/%Y})"
    else:
        message = f"Đã hết thời hạn nhập kết quả kỳ {period.value} (hạn cuối {window.closes_on:%d/%m/%Y})"
    raise ValidationError(message, {"period": message})


def check_window_dates(opens_on: date, closes_on: date, starts_on: date, ends_on: date) -> None:
    """An edited window must lie within the school year and not end before it opens."""
    problems: dict[str, str] = {}
    if closes_on < opens_on:
        problems["closes_on"] = "Ngày kết thúc phải từ ngày bắt đầu trở đi"
    if not starts_on <= opens_on <= ends_on:
        problems["opens_on"] = f"Ngày bắt đầu phải trong năm học ({starts_on:%d/%m/%Y} – {ends_on:%d/%m/%Y})"
    if not starts_on <= closes_on <= ends_on:
        problems["closes_on"] = f"Ngày kết thúc phải trong năm học ({starts_on:%d/%m/%Y} – {ends_on:%d/%m/%Y})"
    if problems:
        raise ValidationError("Thời hạn nhập không hợp lệ", problems)
