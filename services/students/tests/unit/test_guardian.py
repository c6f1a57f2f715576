"""Guardian rules: name, relation, Vietnamese phone numbers, birth year, e-mail; completeness."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from school_students.domain.completeness import (
    DEFAULT_REQUIRED,
    REQUIRABLE_FIELDS,
    Completeness,
    missing_fields,
    unknown_required,
)
from school_students.domain.errors import FieldErrors
from school_students.domain.guardian import GuardianDetails, GuardianInput, normalise_phone, validate_guardian
from school_students.domain.record import AddressInput, RecordInput, validate_record
from school_students.domain.reference import load_reference
from school_students.domain.student import Gender

REF = load_reference()
TODAY = date(2025, 10, 1)
MOTHER = GuardianInput(full_name="Trần Thị Mai", relation="me", phone="0912 345 678", birth_year="1990")


def check(raw: GuardianInput, prefix: str = "") -> tuple[GuardianDetails | None, dict[str, str]]:
    errors = FieldErrors()
    return validate_guardian(errors, raw, reference=REF, today=TODAY, prefix=prefix), errors.errors


@pytest.mark.parametrize(
    ("raw", "national"),
    [
        ("0912345678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0381234567", "0381234567"),
        ("(024) 3825 1234", "02438251234"),
    ],
)
def test_vietnamese_numbers_are_normalised(raw: str, national: str) -> None:
    assert normalise_phone(raw) == national


@pytest.mark.parametrize("raw", ["091234567", "09123456789", "0112345678", "0612345678", "+1 212 555 0100", "abc"])
def test_other_numbers_are_refused(raw: str) -> None:
    assert normalise_phone(raw) is None


def test_valid_guardian() -> None:
    details, errors = check(MOTHER)
    assert errors == {}
    assert details == GuardianDetails("Trần Thị Mai", "ME", "0912345678", 1990, "", "", "")


def test_guardian_field_messages_name_the_field() -> None:
    _, errors = check(
        GuardianInput(full_name="", relation="HANG_XOM", phone="12345", birth_year="90", email="x@"),
        prefix="guardian.",
    )
    assert errors["guardian.full_name"].startswith("Họ và tên người giám hộ")
    assert "danh mục" in errors["guardian.relation"]
    assert "Số điện thoại" in errors["guardian.phone"]
    assert "4 chữ số" in errors["guardian.birth_year"]
    assert "email" in errors["guardian.email"]


def test_relation_is_required_and_birth_year_bounded() -> None:
    _, errors = check(replace(MOTHER, relation=" ", birth_year=str(TODAY.year - 13)))
    assert errors["relation"] == "Vui lòng chọn quan hệ với học sinh"
    assert "1900" in errors["birth_year"]
    details, errors = check(replace(MOTHER, birth_year=str(TODAY.year - 14), phone=""))
    assert errors == {}
    assert details is not None
    assert details.phone == ""


def test_long_texts_are_refused() -> None:
    _, errors = check(replace(MOTHER, occupation="x" * 101, address="y" * 201))
    assert set(errors) == {"occupation", "address"}


def test_every_default_required_field_is_requirable() -> None:
    assert unknown_required(DEFAULT_REQUIRED) == []
    assert unknown_required(["csdl_id", "shoe_size"]) == ["shoe_size"]
    assert set(DEFAULT_REQUIRED) <= set(REQUIRABLE_FIELDS)


def test_missing_fields_of_a_new_record_and_a_complete_one() -> None:
    bare = validate_record(RecordInput("Nguyễn Văn An", "2018-03-01", Gender.MALE), reference=REF, today=TODAY)
    # Nationality defaults to Việt Nam, so it is never missing.
    assert missing_fields(bare, [], DEFAULT_REQUIRED) == [n for n in DEFAULT_REQUIRED if n != "nationality"]
    full = validate_record(
        RecordInput(
            "Nguyễn Văn An",
            "2018-03-01",
            Gender.MALE,
            csdl_id="0100000001",
            citizen_id="001218123456",
            ethnicity="01",
            place_of_birth="Hà Nội",
            permanent_address=AddressInput("01", "Phường Hoàn Kiếm"),
            current_address=AddressInput("01", "Phường Hoàn Kiếm"),
        ),
        reference=REF,
        today=TODAY,
    )
    mother, _ = check(MOTHER)
    assert mother is not None
    assert missing_fields(full, [mother], DEFAULT_REQUIRED) == []
    assert missing_fields(full, [replace(mother, phone="")], DEFAULT_REQUIRED) == ["guardian_phone"]
    assert missing_fields(full, [], ["guardian", "csdl_id"]) == ["guardian"]


def test_completeness_percent() -> None:
    assert Completeness(total=0, complete=0).percent == 100
    assert Completeness(total=3, complete=2).percent == 66
    assert Completeness(total=35, complete=35).percent == 100
