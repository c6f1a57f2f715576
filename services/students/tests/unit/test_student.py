"""Student rules: full name, birth date (ISO, not future, plausible primary age), gender, code."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from school_students.domain.dates import age_on, parse_iso_date
from school_students.domain.errors import FieldErrors
from school_students.domain.student import (
    Gender,
    StudentDetails,
    generated_code,
    validate_details,
    validate_student_code,
)

TODAY = date(2025, 10, 1)
YEAR_START = date(2025, 9, 5)


def check(
    full_name: str = "Nguyễn Văn An",
    dob: str = "2018-03-01",
    gender: Gender | None = Gender.MALE,
    year_start: date | None = YEAR_START,
) -> tuple[StudentDetails | None, dict[str, str]]:
    errors = FieldErrors()
    details = validate_details(
        errors, full_name=full_name, date_of_birth=dob, gender=gender, today=TODAY, school_year_start=year_start
    )
    return details, errors.errors


def test_valid_student() -> None:
    details, errors = check()
    assert errors == {}
    assert details == StudentDetails("Nguyễn Văn An", date(2018, 3, 1), Gender.MALE)


def test_name_is_normalised_to_nfc_and_single_spaces() -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị  Ánh ")
    details, _ = check(full_name=decomposed)
    assert details is not None
    assert details.full_name == "Nguyễn Thị Ánh"


@pytest.mark.parametrize(
    "name", ["An", "Đặng Thị Ngọc Ánh", "H'Hen Niê", "Y-Moan Ê Ban", "Ưng Hoàng Phúc", "x" * 100, "Lò Văn Ờ"]
)
def test_names_accepted(name: str) -> None:
    assert check(full_name=name)[1] == {}


def test_empty_name() -> None:
    assert check(full_name="   ")[1] == {"full_name": "Họ và tên không được để trống"}


@pytest.mark.parametrize("name", ["A", "x" * 101])
def test_name_length_boundaries(name: str) -> None:
    assert check(full_name=name)[1] == {"full_name": "Họ và tên phải có từ 2 đến 100 ký tự"}


@pytest.mark.parametrize("name", ["Nguyễn Văn 2", "An <script>", "Trần.Bình", "Lê_An"])
def test_name_characters(name: str) -> None:
    assert "chỉ được chứa chữ cái" in check(full_name=name)[1]["full_name"]


@pytest.mark.parametrize("name", ["-An", "An'", "'Bình"])
def test_name_starts_and_ends_with_a_letter(name: str) -> None:
    assert check(full_name=name)[1] == {"full_name": "Họ và tên phải bắt đầu và kết thúc bằng chữ cái"}


@pytest.mark.parametrize("dob", ["2018-02-29", "2018-13-01", "01/03/2018", "20180301", "2018-3-1", "hôm qua"])
def test_birth_date_must_be_a_real_iso_date(dob: str) -> None:
    assert check(dob=dob)[1] == {"date_of_birth": "Ngày sinh không hợp lệ (định dạng YYYY-MM-DD)"}


def test_birth_date_required() -> None:
    assert check(dob="")[1] == {"date_of_birth": "Ngày sinh không được để trống"}


def test_future_birth_date() -> None:
    assert check(dob="2025-10-02")[1] == {"date_of_birth": "Ngày sinh không được ở tương lai"}


def test_leap_day_birth() -> None:
    details, errors = check(dob="2016-02-29")
    assert errors == {}
    assert details is not None


@pytest.mark.parametrize(
    ("dob", "ok"),
    [
        ("2020-09-05", True),  # exactly 5 on the first day of the year
        ("2020-09-06", False),  # one day short of 5
        ("2010-09-06", True),  # 14, a day short of 15
        ("2010-09-05", False),  # turns 15 on the first day
    ],
)
def test_age_at_start_of_school_year(dob: str, ok: bool) -> None:
    errors = check(dob=dob)[1]
    if ok:
        assert errors == {}
    else:
        assert errors["date_of_birth"].startswith("Tuổi vào đầu năm học phải từ 5 đến 14")


def test_age_rule_skipped_without_a_school_year() -> None:
    assert check(dob="2000-01-01", year_start=None)[1] == {}


def test_gender_required() -> None:
    assert check(gender=None)[1] == {"gender": "Vui lòng chọn giới tính"}


def test_every_bad_field_is_named_at_once() -> None:
    details, errors = check(full_name="", dob="2025-02-29", gender=None)
    assert details is None
    assert errors == {
        "full_name": "Họ và tên không được để trống",
        "date_of_birth": "Ngày sinh không hợp lệ (định dạng YYYY-MM-DD)",
        "gender": "Vui lòng chọn giới tính",
    }


def test_age_counts_completed_years_and_leap_day_birthdays() -> None:
    assert age_on(date(2018, 9, 5), date(2025, 9, 5)) == 7
    assert age_on(date(2018, 9, 6), date(2025, 9, 5)) == 6
    assert age_on(date(2016, 2, 29), date(2025, 2, 28)) == 8
    assert age_on(date(2016, 2, 29), date(2025, 3, 1)) == 9


def test_parse_iso_date() -> None:
    assert parse_iso_date("2024-02-29") == date(2024, 2, 29)
    assert parse_iso_date("2023-02-29") is None
    assert parse_iso_date("2024-W01-1") is None


@pytest.mark.parametrize("code", ["", "HS000001", "7901234567", "hs-2025.01"])
def test_student_codes_accepted(code: str) -> None:
    errors = FieldErrors()
    assert validate_student_code(errors, f" {code} ") == code
    assert not errors


@pytest.mark.parametrize("code", ["HS 01", "x" * 21, "-HS1", "mã1"])
def test_student_codes_refused(code: str) -> None:
    errors = FieldErrors()
    validate_student_code(errors, code)
    assert errors.has("student_code")


def test_generated_code() -> None:
    assert generated_code(1) == "HS000001"
    assert generated_code(123456) == "HS123456"
