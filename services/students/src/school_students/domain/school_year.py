"""School years (năm học): a name "YYYY-YYYY" of two consecutive years and the dates it spans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from school_students.domain.dates import read_date
from school_students.domain.errors import FieldErrors

if TYPE_CHECKING:
    from school_students.domain.structure import Semester

_YEAR_NAME = re.compile(r"(\d{4})-(\d{4})")


@dataclass(frozen=True)
class SchoolYearSpec:
    """A validated request to open a school year."""

    name: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class SchoolYear:
    """One school year of one school."""

    id: str
    school_id: str
    name: str
    start_date: date
    end_date: date
    # HK I and HK II (domain/structure.py); empty only for a year stored before semesters existed.
    semesters: tuple[Semester, ...] = ()
    # Optimistic-concurrency version, incremented on every change.
    version: int = 1


def validate_school_year(name: str, start_date: str, end_date: str) -> SchoolYearSpec:
    """Check a new year; raise ValidationError naming every bad field.

    A year named "2025-2026" must start in 2025 and end in 2026: the name is how staff and the
    national database refer to the year, so dates outside it would make reports disagree.
    """
    errors = FieldErrors()
    clean_name = name.strip()
    first = second = 0
    match = _YEAR_NAME.fullmatch(clean_name)
    if not clean_name:
        errors.add("name", "Tên năm học không được để trống")
    elif match is None:
        errors.add("name", "Tên năm học phải có dạng YYYY-YYYY, ví dụ 2025-2026")
    else:
        first, second = int(match.group(1)), int(match.group(2))
        if second != first + 1:
            errors.add("name", "Năm thứ hai của năm học phải liền sau năm thứ nhất, ví dụ 2025-2026")
    start = read_date(errors, "start_date", start_date, "Ngày bắt đầu")
    end = read_date(errors, "end_date", end_date, "Ngày kết thúc")
    if start and end and start >= end:
        errors.add("end_date", "Ngày kết thúc phải sau ngày bắt đầu")
    if not errors.has("name") and match is not None:
        if start and start.year != first:
            errors.add("start_date", f"Ngày bắt đầu phải thuộc năm {first}")
        if end and end.year != second:
            errors.add("end_date", f"Ngày kết thúc phải thuộc năm {second}")
    errors.raise_if_any("Thông tin năm học không hợp lệ")
    # Missing dates were reported above, so these only inform the type checker.
    assert start is not None
    assert end is not None
    return SchoolYearSpec(name=clean_name, start_date=start, end_date=end)
