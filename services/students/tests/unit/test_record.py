"""Student record rules: every field of validate_record, the citizen-ID rule, masking, reference data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school_students.domain.errors import ValidationError
from school_students.domain.record import (
    DEFAULT_NATIONALITY,
    AddressInput,
    RecordInput,
    StudentRecord,
    changed_fields,
    citizen_id_problem,
    mask_citizen_id,
    validate_record,
)
from school_students.domain.reference import load_reference, parse_reference
from school_students.domain.student import Gender

REF = load_reference()
TODAY = date(2025, 10, 1)
BASE = RecordInput(full_name="Nguyễn Văn An", date_of_birth="2018-03-01", gender=Gender.MALE)


def errors_of(raw: RecordInput, year_start: date | None = None) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        validate_record(raw, reference=REF, today=TODAY, school_year_start=year_start)
    return info.value.fields


def valid(raw: RecordInput) -> StudentRecord:
    return validate_record(raw, reference=REF, today=TODAY)


def test_minimal_record_is_valid_and_defaults_nationality() -> None:
    record = valid(BASE)
    assert record.full_name == "Nguyễn Văn An"
    assert record.date_of_birth == date(2018, 3, 1)
    assert record.nationality == DEFAULT_NATIONALITY == "Việt Nam"
    assert record.csdl_id == ""
    assert record.citizen_id == ""
    assert record.policy_categories == ()


def test_full_record_is_cleaned() -> None:
    record = valid(
        replace(
            BASE,
            csdl_id="  0123456789 ",
            citizen_id="001 218 123456",
            ethnicity="01",
            religion=" Không ",
            nationality="Việt  Nam",
            place_of_birth="  Bệnh viện Phụ sản   Hà Nội ",
            permanent_address=AddressInput("01", " Phường  Hoàn Kiếm ", "12 Hàng Bài"),
            current_address=AddressInput("01", "Phường Cửa Nam", ""),
            policy_categories=["ho_ngheo", "HO_NGHEO", " ", "MO_COI"],
            disability_type="van_dong",
            has_iep=True,
        )
    )
    assert record.csdl_id == "0123456789"
    assert record.citizen_id == "001218123456"
    assert record.place_of_birth == "Bệnh viện Phụ sản Hà Nội"
    assert record.permanent_address.commune == "Phường Hoàn Kiếm"
    assert record.policy_categories == ("HO_NGHEO", "MO_COI")
    assert record.disability_type == "VAN_DONG"
    assert record.has_iep


@pytest.mark.parametrize(
    ("dob", "message_part"),
    [
        ("", "không được để trống"),
        ("2018-02-30", "không hợp lệ"),
        ("01/03/2018", "không hợp lệ"),
        ("2025-10-02", "tương lai"),
    ],
)
def test_bad_birth_dates_are_refused_naming_the_field(dob: str, message_part: str) -> None:
    fields = errors_of(replace(BASE, date_of_birth=dob))
    assert message_part in fields["date_of_birth"]
    assert "Ngày sinh" in fields["date_of_birth"]


def test_birth_date_today_is_accepted_without_a_class() -> None:
    assert valid(replace(BASE, date_of_birth="2025-10-01")).date_of_birth == TODAY


def test_age_rule_applies_with_a_school_year() -> None:
    assert "Tuổi" in errors_of(BASE, year_start=date(2034, 9, 5))["date_of_birth"]


def test_missing_gender_and_name() -> None:
    fields = errors_of(replace(BASE, full_name=" ", gender=None))
    assert fields["full_name"] == "Họ và tên không được để trống"
    assert fields["gender"] == "Vui lòng chọn giới tính"


@pytest.mark.parametrize("bad", ["00121812345", "0012181234567", "00121812345a", "００１２１８１２３４５６"])
def test_citizen_id_must_be_12_ascii_digits(bad: str) -> None:
    assert "12 chữ số" in errors_of(replace(BASE, citizen_id=bad))["citizen_id"]


def test_citizen_id_gender_digit() -> None:
    assert "giới tính nam" in errors_of(replace(BASE, citizen_id="001318123456"))["citizen_id"]
    girl = replace(BASE, full_name="Trần Thị Bình", gender=Gender.FEMALE)
    assert "giới tính nữ" in errors_of(replace(girl, citizen_id="001218123456"))["citizen_id"]
    assert valid(replace(girl, citizen_id="001318123456")).citizen_id == "001318123456"


def test_citizen_id_century_and_year_digits() -> None:
    assert "năm sinh 2018" in errors_of(replace(BASE, citizen_id="001018123456"))["citizen_id"]
    assert "(18)" in errors_of(replace(BASE, citizen_id="001217123456"))["citizen_id"]


def test_citizen_id_of_a_20th_century_birth() -> None:
    assert citizen_id_problem("001099123456", date(1999, 1, 1), Gender.MALE) is None
    assert citizen_id_problem("001199123456", date(1999, 1, 1), Gender.FEMALE) is None
    assert citizen_id_problem("001299123456", date(1999, 1, 1), Gender.MALE) is not None


def test_citizen_id_without_birth_date_checks_only_the_shape() -> None:
    assert citizen_id_problem("001218123456", None, None) is None
    assert citizen_id_problem("00121812345", None, None) is not None


@given(
    year=st.integers(min_value=2000, max_value=2099),
    male=st.booleans(),
    province=st.integers(min_value=1, max_value=96),
    serial=st.integers(min_value=0, max_value=999_999),
)
def test_citizen_id_rule_for_pupils_born_2000_to_2099(year: int, male: bool, province: int, serial: int) -> None:
    gender = Gender.MALE if male else Gender.FEMALE
    birth = date(year, 6, 15)
    right = f"{province:03d}{2 if male else 3}{year % 100:02d}{serial:06d}"
    assert citizen_id_problem(right, birth, gender) is None
    wrong_gender = f"{province:03d}{3 if male else 2}{year % 100:02d}{serial:06d}"
    assert citizen_id_problem(wrong_gender, birth, gender) is not None
    wrong_year = f"{province:03d}{2 if male else 3}{(year + 1) % 100:02d}{serial:06d}"
    assert citizen_id_problem(wrong_year, birth, gender) is not None
    assert citizen_id_problem(right[:-1], birth, gender) is not None


@given(st.text(max_size=14))
def test_citizen_id_rule_never_crashes(text: str) -> None:
    problem = citizen_id_problem(text, date(2018, 3, 1), Gender.MALE)
    assert problem is None or "định danh" in problem


def test_mask_citizen_id_keeps_last_four() -> None:
    assert mask_citizen_id("001218123456") == "********3456"
    assert mask_citizen_id("") == ""


def test_csdl_id_is_opaque_but_bounded() -> None:
    assert valid(replace(BASE, csdl_id="HN-2018/0001")).csdl_id == "HN-2018/0001"
    assert "30 ký tự" in errors_of(replace(BASE, csdl_id="1" * 31))["csdl_id"]
    assert "csdl_id" in errors_of(replace(BASE, csdl_id="12 34"))


def test_reference_codes_are_checked() -> None:
    fields = errors_of(replace(BASE, ethnicity="55", policy_categories=["XYZ"], disability_type="ABC"))
    assert "54 dân tộc" in fields["ethnicity"]
    assert "XYZ" in fields["policy_categories"]
    assert "Dạng khuyết tật" in fields["disability_type"]


def test_address_needs_a_listed_province_and_a_commune() -> None:
    fields = errors_of(
        replace(
            BASE,
            permanent_address=AddressInput("99", "Xã A", ""),
            current_address=AddressInput("", "", "Thôn 3"),
        )
    )
    assert "34 tỉnh" in fields["permanent_address.province_code"]
    assert "nơi ở hiện tại" in fields["current_address.province_code"]
    assert "current_address.commune" in fields
    # Ha Giang (02) merged into Tuyen Quang on 1/7/2025: no longer a province.
    assert "permanent_address.province_code" in errors_of(replace(BASE, permanent_address=AddressInput("02", "Xã A")))


def test_text_limits() -> None:
    fields = errors_of(replace(BASE, place_of_birth="x" * 201, religion="y" * 51, nationality="z" * 51))
    assert set(fields) == {"place_of_birth", "religion", "nationality"}
    assert "Nơi sinh" in fields["place_of_birth"]


def test_changed_fields_names_fields_not_values() -> None:
    before = valid(BASE)
    after = valid(replace(BASE, citizen_id="001218123456", ethnicity="01"))
    assert changed_fields(before, after) == ["citizen_id", "ethnicity"]
    assert changed_fields(before, before) == []


def test_reference_file_has_the_expected_lists() -> None:
    assert len(REF.ethnic_groups) == 54
    assert REF.ethnic_groups["01"] == "Kinh"
    assert len(REF.provinces) == 34
    assert REF.provinces["79"] == "Thành phố Hồ Chí Minh"
    assert "CHA" in REF.guardian_relations
    assert "ME" in REF.guardian_relations


def test_broken_reference_file_is_refused() -> None:
    lists = {
        name: [["A", "a"]]
        for name in ("ethnic_groups", "provinces", "policy_categories", "disability_types", "guardian_relations")
    }
    assert parse_reference(lists).provinces == {"A": "a"}
    with pytest.raises(ValueError, match="repeats"):
        parse_reference({**lists, "provinces": [["A", "a"], ["A", "b"]]})
    with pytest.raises(ValueError, match="missing"):
        parse_reference({k: v for k, v in lists.items() if k != "ethnic_groups"})
