"""School-year rules: the "YYYY-YYYY" name, ISO dates, start before end, dates within the name."""

from __future__ import annotations

from datetime import date

import pytest

from school_students.domain.errors import ValidationError
from school_students.domain.school_year import validate_school_year


def errors_of(name: str, start: str, end: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        validate_school_year(name, start, end)
    return info.value.fields


def test_valid_year() -> None:
    spec = validate_school_year(" 2025-2026 ", "2025-09-05", "2026-05-31")
    assert spec.name == "2025-2026"
    assert spec.start_date == date(2025, 9, 5)
    assert spec.end_date == date(2026, 5, 31)


@pytest.mark.parametrize("name", ["2025-2027", "2025-2025", "2026-2025"])
def test_second_year_must_follow_the_first(name: str) -> None:
    assert errors_of(name, "2025-09-05", "2026-05-31")["name"].startswith("Năm thứ hai")


@pytest.mark.parametrize("name", ["2025/2026", "25-26", "2025-26", "năm 2025-2026", "2025 - 2026"])
def test_name_shape(name: str) -> None:
    assert "YYYY-YYYY" in errors_of(name, "2025-09-05", "2026-05-31")["name"]


def test_empty_fields_are_each_named() -> None:
    assert errors_of("", "", "") == {
        "name": "Tên năm học không được để trống",
        "start_date": "Ngày bắt đầu không được để trống",
        "end_date": "Ngày kết thúc không được để trống",
    }


@pytest.mark.parametrize("bad", ["2025-02-29", "2025-13-01", "2025-04-31", "05/09/2025", "20250905", "2025-9-5"])
def test_dates_must_be_real_iso_dates(bad: str) -> None:
    assert errors_of("2024-2025", bad, "2025-05-31")["start_date"] == "Ngày bắt đầu không hợp lệ (định dạng YYYY-MM-DD)"


def test_leap_day_is_a_real_date_in_a_leap_year() -> None:
    assert validate_school_year("2023-2024", "2023-09-05", "2024-02-29").end_date == date(2024, 2, 29)


@pytest.mark.parametrize("end", ["2025-09-05", "2025-09-04"])
def test_start_must_be_before_end(end: str) -> None:
    fields = errors_of("2025-2026", "2025-09-05", end)
    assert fields["end_date"] == "Ngày kết thúc phải sau ngày bắt đầu"


def test_dates_must_lie_in_the_named_years() -> None:
    fields = errors_of("2025-2026", "2024-09-05", "2027-05-31")
    assert fields == {"start_date": "Ngày bắt đầu phải thuộc năm 2025", "end_date": "Ngày kết thúc phải thuộc năm 2026"}
