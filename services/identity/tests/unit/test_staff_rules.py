"""Staff record rules: citizen-id structure with its boundaries, phone, email, completeness."""

from __future__ import annotations

from datetime import date

import pytest

from school_identity.domain.staff import (
    StaffDraft,
    StaffRecord,
    apply_draft,
    citizen_id_problem,
    gender_code,
    missing_fields,
    next_staff_code,
    normalise_draft,
    normalise_phone,
    phone_problem,
    position_code,
    staff_problems,
    status_code,
)

TODAY = date(2026, 1, 5)


@pytest.mark.parametrize(
    ("cid", "born", "gender"),
    [
        ("001174003851", date(1974, 3, 12), "female"),  # Hà Nội, female, 1974
        ("036078005127", date(1978, 9, 25), "male"),
        ("079093004477", date(1993, 2, 11), "male"),  # TP HCM
        ("096099000001", date(1999, 12, 31), "male"),  # highest province code, last year of the century
        ("001100000001", date(1900, 1, 1), "female"),  # first year of the 20th century
        ("001200000001", date(2000, 1, 1), "male"),  # 21st century male starts with 2
        ("001305000001", date(2005, 6, 1), "female"),  # 21st century female starts with 3
    ],
)
def test_valid_citizen_ids(cid: str, born: date, gender: str) -> None:
    assert citizen_id_problem(cid, born, gender) is None
    assert citizen_id_problem(cid) is None  # structure alone


@pytest.mark.parametrize(
    ("cid", "born", "gender", "fragment"),
    [
        ("00117400385", None, "", "đúng 12 chữ số"),
        ("0011740038511", None, "", "đúng 12 chữ số"),
        ("00117400385a", None, "", "đúng 12 chữ số"),
        ("000174003851", None, "", "mã tỉnh"),  # 000 is below the range
        ("097174003851", None, "", "mã tỉnh"),  # 097 is above it
        ("001474003851", None, "", "thế kỷ và giới tính"),  # digit 4 beyond 3
        ("001074003851", None, "female", "giới tính"),  # 0 is male
        ("001174003851", None, "male", "giới tính"),  # 1 is female
        ("001174003851", date(2001, 3, 12), "female", "năm sinh"),  # 1 means 1900s
        ("001374003851", date(1974, 3, 12), "female", "năm sinh"),  # 3 means 2000s
        ("001175003851", date(1974, 3, 12), "female", "năm sinh"),  # digits 5–6 are the year
    ],
)
def test_invalid_citizen_ids(cid: str, born: date | None, gender: str, fragment: str) -> None:
    problem = citizen_id_problem(cid, born, gender)
    assert problem is not None
    assert fragment in problem
    assert cid not in problem  # messages never repeat the value


@pytest.mark.parametrize(
    ("raw", "normal", "ok"),
    [
        ("0912 345 678", "0912345678", True),
        ("+84 912 345 678", "0912345678", True),
        ("0912.345.678", "0912345678", True),
        ("912345678", "912345678", False),
        ("09123456789", "09123456789", False),
        ("1912345678", "1912345678", False),
    ],
)
def test_phone_numbers(raw: str, normal: str, ok: bool) -> None:
    assert normalise_phone(raw) == normal
    assert (phone_problem(normal) is None) is ok


def test_codes_and_names_are_both_understood() -> None:
    assert position_code("Giáo viên") == "GV"
    assert position_code("giao vien") == "GV"
    assert position_code("pht") == "PHT"
    assert position_code("Bảo vệ") is None
    assert status_code("Đang công tác") == "ACTIVE"
    assert status_code("on_leave") == "ON_LEAVE"
    assert gender_code("Nữ") == "female"
    assert gender_code("nam") == "male"
    assert gender_code("khác") is None


def draft(**kw: object) -> StaffDraft:
    base: dict[str, object] = {
        "full_name": "Phạm Thị Lan Anh",
        "date_of_birth": date(1988, 5, 17),
        "gender": "female",
        "citizen_id": "001188014562",
        "position": "GV",
        "qualification": "Đại học Sư phạm Tiểu học",
        "phone": "0912345604",
        "email": "gvcn@thtrungvuong.edu.vn",
        "start_date": date(2012, 8, 20),
        "department_id": "dep-1",
        "employment_status": "ACTIVE",
    }
    base.update(kw)
    return normalise_draft(StaffDraft(**base))  # type: ignore[arg-type]


def test_a_complete_draft_has_no_problems() -> None:
    assert staff_problems(draft(), TODAY) == {}


def test_every_problem_is_named_by_field() -> None:
    problems = staff_problems(
        draft(
            full_name="",
            date_of_birth=date(2015, 1, 1),
            gender="x",
            citizen_id="123",
            position="Bảo vệ",
            phone="12345",
            email="not-an-email",
            start_date=date(2030, 1, 1),
            employment_status="",
        ),
        TODAY,
    )
    assert set(problems) == {
        "full_name",
        "date_of_birth",
        "gender",
        "citizen_id",
        "position",
        "phone",
        "email",
        "start_date",
        "employment_status",
    }


def test_citizen_id_is_checked_against_birth_date_and_gender() -> None:
    problems = staff_problems(draft(date_of_birth=date(1989, 5, 17)), TODAY)
    assert set(problems) == {"citizen_id"}
    problems = staff_problems(draft(gender="male"), TODAY)
    assert set(problems) == {"citizen_id"}


def record(**kw: object) -> StaffRecord:
    r = StaffRecord(id="s-1", school_id="school-1", staff_code="CB0001", full_name="A")
    apply_draft(r, draft(), keep_citizen_id_when_empty=False)
    for k, v in kw.items():
        setattr(r, k, v)
    return r


def test_completeness_lists_missing_required_fields_in_order() -> None:
    assert missing_fields(record()) == []
    r = record(citizen_id="", phone="", department_id="", date_of_birth=None)
    assert missing_fields(r) == ["date_of_birth", "citizen_id", "phone", "department_id"]


def test_school_leaders_need_no_department() -> None:
    assert missing_fields(record(position="HT", department_id="")) == []
    assert missing_fields(record(position="PHT", department_id="")) == []
    assert missing_fields(record(position="NV", department_id="")) == ["department_id"]


def test_email_and_address_are_optional() -> None:
    assert missing_fields(record(email="", address="")) == []


def test_an_empty_citizen_id_can_leave_the_stored_one_alone() -> None:
    r = record()
    changed = apply_draft(r, draft(citizen_id="", phone="0987654321"), keep_citizen_id_when_empty=True)
    assert r.citizen_id == "001188014562"
    assert changed == ["phone"]
    apply_draft(r, draft(citizen_id=""), keep_citizen_id_when_empty=False)
    assert r.citizen_id == ""


def test_next_staff_code() -> None:
    assert next_staff_code([]) == "CB0001"
    assert next_staff_code(["CB0007", "GV12", "cb0010"]) == "CB0011"
