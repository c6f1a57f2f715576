"""The student record (hồ sơ học sinh): the national database's fields and their rules.

``validate_record`` is the one pure entry point: text in (a form, a spreadsheet row), a cleaned
``StudentRecord`` out, or a ValidationError naming every bad field in Vietnamese. A record may be
incomplete (most fields are optional here); completeness.py reports what a school still lacks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from school_students.domain.errors import FieldErrors
from school_students.domain.reference import ReferenceData
from school_students.domain.student import Gender, validate_details

CSDL_ID_MAX_LENGTH = 30
TEXT_MAX_LENGTH = 200
SHORT_TEXT_MAX_LENGTH = 50
DEFAULT_NATIONALITY = "Việt Nam"
CITIZEN_ID_LENGTH = 12
_PRINTABLE_TOKEN = re.compile(r"[^\s\x00-\x1f\x7f]+")
# The century-and-gender digit (4th) of a citizen ID (TT 59/2021/TT-BCA): male 0/female 1 for
# the 20th century, 2/3 for the 21st, and so on up by two each century.
CENTURY_BASE_YEAR = 1900


@dataclass(frozen=True)
class AddressInput:
    """An address as typed: province code, commune or ward (free text), house/street/hamlet."""

    province_code: str = ""
    commune: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Address:
    """An address in the two-level administrative units in force since 1/7/2025 (tỉnh, xã/phường)."""

    province_code: str = ""
    commune: str = ""
    detail: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.province_code or self.commune or self.detail)


@dataclass(frozen=True)
class RecordInput:
    """A student record as typed or imported: text everywhere, lists as sequences of codes."""

    full_name: str
    date_of_birth: str
    gender: Gender | None
    csdl_id: str = ""
    citizen_id: str = ""
    ethnicity: str = ""
    religion: str = ""
    nationality: str = ""
    place_of_birth: str = ""
    permanent_address: AddressInput = field(default_factory=AddressInput)
    current_address: AddressInput = field(default_factory=AddressInput)
    policy_categories: Sequence[str] = ()
    disability_type: str = ""
    has_iep: bool = False


@dataclass(frozen=True)
class StudentRecord:
    """A validated student record; empty strings mean "not yet known"."""

    full_name: str
    date_of_birth: date
    gender: Gender
    csdl_id: str = ""
    citizen_id: str = ""
    ethnicity: str = ""
    religion: str = ""
    nationality: str = DEFAULT_NATIONALITY
    place_of_birth: str = ""
    permanent_address: Address = field(default_factory=Address)
    current_address: Address = field(default_factory=Address)
    policy_categories: tuple[str, ...] = ()
    disability_type: str = ""
    has_iep: bool = False


# Fields only callers with students:student:read_sensitive (and the object) may see.
SENSITIVE_FIELDS = frozenset(
    {
        "citizen_id",
        "religion",
        "permanent_address",
        "current_address",
        "policy_categories",
        "disability_type",
        "has_iep",
    }
)


_GENDER_WORDS = {
    "nam": Gender.MALE,
    "male": Gender.MALE,
    "nữ": Gender.FEMALE,
    "nu": Gender.FEMALE,
    "female": Gender.FEMALE,
}


def gender_from_text(text: str) -> Gender | None:
    """The gender written as in a spreadsheet or form ("Nam", "Nữ", "male", "female"); None otherwise."""
    return _GENDER_WORDS.get(unicodedata.normalize("NFC", text).strip().lower())


def citizen_id_problem(citizen_id: str, birth: date | None, gender: Gender | None) -> str | None:
    """The Vietnamese message for a bad citizen ID (số định danh cá nhân), or None when it fits.

    12 digits; digit 4 encodes century and gender, digits 5-6 the year of birth (domain-vn §2.7).
    Birth date and gender are checked only when known.
    """
    if len(citizen_id) != CITIZEN_ID_LENGTH or not citizen_id.isascii() or not citizen_id.isdigit():
        return f"Số định danh cá nhân phải gồm đúng {CITIZEN_ID_LENGTH} chữ số"
    if birth is None:
        return None
    century = (birth.year - CENTURY_BASE_YEAR) // 100
    if not 0 <= century <= 4:
        return None
    digit = int(citizen_id[3])
    if digit // 2 != century:
        return f"Chữ số thứ 4 của số định danh cá nhân không khớp với năm sinh {birth.year}"
    if gender is not None and digit % 2 != (0 if gender is Gender.MALE else 1):
        sex = "nam" if gender is Gender.MALE else "nữ"
        return f"Chữ số thứ 4 của số định danh cá nhân không khớp với giới tính {sex}"
    if citizen_id[4:6] != f"{birth.year % 100:02d}":
        return f"Chữ số thứ 5-6 của số định danh cá nhân phải là năm sinh ({birth.year % 100:02d})"
    return None


def mask_citizen_id(citizen_id: str) -> str:
    """Only the last 4 digits, for lists and for callers who may not see the whole number."""
    if not citizen_id:
        return ""
    return "*" * max(len(citizen_id) - 4, 0) + citizen_id[-4:]


def _text(errors: FieldErrors, field_name: str, value: str, label: str, limit: int) -> str:
    clean = " ".join(value.split())
    if len(clean) > limit:
        errors.add(field_name, f"{label} tối đa {limit} ký tự")
    return clean


def _address(errors: FieldErrors, field_name: str, raw: AddressInput, label: str, reference: ReferenceData) -> Address:
    province = raw.province_code.strip()
    commune = _text(errors, f"{field_name}.commune", raw.commune, f"Xã/phường ({label})", TEXT_MAX_LENGTH)
    detail = _text(errors, f"{field_name}.detail", raw.detail, f"Số nhà, đường, thôn ({label})", TEXT_MAX_LENGTH)
    if province and province not in reference.provinces:
        errors.add(
            f"{field_name}.province_code", f"Tỉnh/thành phố ({label}) không có trong danh mục 34 tỉnh, thành phố"
        )
    if (commune or detail) and not province:
        errors.add(f"{field_name}.province_code", f"Vui lòng chọn tỉnh/thành phố ({label})")
    if (province or detail) and not commune:
        errors.add(f"{field_name}.commune", f"Vui lòng nhập xã/phường ({label})")
    return Address(province_code=province, commune=commune, detail=detail)


def validate_record(
    raw: RecordInput, *, reference: ReferenceData, today: date, school_year_start: date | None = None
) -> StudentRecord:
    """Clean and check every field; raise ValidationError naming each bad field in Vietnamese."""
    errors = FieldErrors()
    details = validate_details(
        errors,
        full_name=raw.full_name,
        date_of_birth=raw.date_of_birth,
        gender=raw.gender,
        today=today,
        school_year_start=school_year_start,
    )
    csdl_id = raw.csdl_id.strip()
    if csdl_id and (len(csdl_id) > CSDL_ID_MAX_LENGTH or not _PRINTABLE_TOKEN.fullmatch(csdl_id)):
        errors.add(
            "csdl_id", f"Mã định danh học sinh (CSDL ngành) tối đa {CSDL_ID_MAX_LENGTH} ký tự, không có dấu cách"
        )
    citizen_id = raw.citizen_id.strip().replace(" ", "")
    if citizen_id:
        problem = citizen_id_problem(citizen_id, details.date_of_birth if details else None, raw.gender)
        if problem:
            errors.add("citizen_id", problem)
    ethnicity = raw.ethnicity.strip()
    if ethnicity and ethnicity not in reference.ethnic_groups:
        errors.add("ethnicity", "Dân tộc không có trong danh mục 54 dân tộc")
    religion = _text(errors, "religion", raw.religion, "Tôn giáo", SHORT_TEXT_MAX_LENGTH)
    nationality = _text(errors, "nationality", raw.nationality, "Quốc tịch", SHORT_TEXT_MAX_LENGTH)
    nationality = nationality or DEFAULT_NATIONALITY
    place_of_birth = _text(errors, "place_of_birth", raw.place_of_birth, "Nơi sinh", TEXT_MAX_LENGTH)
    permanent = _address(errors, "permanent_address", raw.permanent_address, "thường trú", reference)
    current = _address(errors, "current_address", raw.current_address, "nơi ở hiện tại", reference)
    policies: list[str] = []
    for code in raw.policy_categories:
        clean = code.strip().upper()
        if not clean:
            continue
        if clean not in reference.policy_categories:
            errors.add("policy_categories", f"Đối tượng chính sách {clean!r} không có trong danh mục")
        elif clean not in policies:
            policies.append(clean)
    disability = raw.disability_type.strip().upper()
    if disability and disability not in reference.disability_types:
        errors.add("disability_type", "Dạng khuyết tật không có trong danh mục")
    errors.raise_if_any("Hồ sơ học sinh không hợp lệ")
    assert details is not None  # every problem of the basic fields was reported above
    return StudentRecord(
        full_name=details.full_name,
        date_of_birth=details.date_of_birth,
        gender=details.gender,
        csdl_id=csdl_id,
        citizen_id=citizen_id,
        ethnicity=ethnicity,
        religion=religion,
        nationality=nationality,
        place_of_birth=place_of_birth,
        permanent_address=permanent,
        current_address=current,
        policy_categories=tuple(policies),
        disability_type=disability,
        has_iep=raw.has_iep,
    )


def changed_fields(before: StudentRecord, after: StudentRecord) -> list[str]:
    """Names of the fields whose values differ (what StudentRecordChanged reports, never values)."""
    return [name for name in StudentRecord.__dataclass_fields__ if getattr(before, name) != getattr(after, name)]
