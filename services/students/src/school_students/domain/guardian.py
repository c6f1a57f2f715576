"""Guardians (cha, mẹ, người giám hộ): their contacts and the Vietnamese phone-number rule.

A guardian belongs to a school and may be linked to several of its students (siblings); a
student may have several guardians. The relation (cha, mẹ...) belongs to the link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from school_students.domain.errors import FieldErrors
from school_students.domain.names import normalise_name
from school_students.domain.reference import ReferenceData
from school_students.domain.student import full_name_problem

OCCUPATION_MAX_LENGTH = 100
ADDRESS_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
# Mobile numbers: 10 digits, 0 then 3, 5, 7, 8 or 9 (the prefixes in use since the 2018
# renumbering); fixed lines: 11 digits starting 02 (area code and subscriber number).
_MOBILE = re.compile(r"0[35789]\d{8}")
_FIXED = re.compile(r"02\d{9}")
_SEPARATORS = re.compile(r"[\s.\-()]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
GUARDIAN_MIN_AGE = 14


@dataclass(frozen=True)
class GuardianInput:
    """A guardian as typed in a form or read from a spreadsheet: text everywhere."""

    full_name: str
    relation: str
    phone: str = ""
    birth_year: str = ""
    occupation: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class GuardianDetails:
    """A validated guardian; ``phone`` is in national form (0xxxxxxxxx), ``birth_year`` 0 when unknown."""

    full_name: str
    relation: str
    phone: str
    birth_year: int
    occupation: str
    email: str
    address: str


@dataclass(frozen=True)
class Guardian:
    """A stored guardian as linked to one student (``relation`` is that link's)."""

    id: str
    school_id: str
    details: GuardianDetails
    version: int
    # The parent account (identity) this guardian signs in with; empty when not linked.
    parent_account_id: str = ""


def normalise_phone(raw: str) -> str | None:
    """The number in national form, or None when it is not a Vietnamese phone number.

    Accepts spaces, dots, dashes and brackets, and the +84 / 84 country prefix.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if _MOBILE.fullmatch(text) or _FIXED.fullmatch(text):
        return text
    return None


def validate_guardian(
    errors: FieldErrors, raw: GuardianInput, *, reference: ReferenceData, today: date, prefix: str = ""
) -> GuardianDetails | None:
    """Check a guardian into ``errors`` (field names carry ``prefix``); return it when valid."""
    start = len(errors.errors)
    name = normalise_name(raw.full_name)
    problem = full_name_problem(name)
    if problem:
        errors.add(prefix + "full_name", problem.replace("Họ và tên", "Họ và tên người giám hộ", 1))
    relation = raw.relation.strip().upper()
    if not relation:
        errors.add(prefix + "relation", "Vui lòng chọn quan hệ với học sinh")
    elif relation not in reference.guardian_relations:
        errors.add(prefix + "relation", "Quan hệ với học sinh không có trong danh mục")
    phone = ""
    if raw.phone.strip():
        phone = normalise_phone(raw.phone) or ""
        if not phone:
            errors.add(
                prefix + "phone",
                "Số điện thoại không phải số Việt Nam hợp lệ (di động 10 số bắt đầu 03, 05, 07, 08, 09; "
                "cố định 11 số bắt đầu 02)",
            )
    birth_year = 0
    if raw.birth_year.strip():
        text = raw.birth_year.strip()
        if not text.isdigit() or len(text) != 4:
            errors.add(prefix + "birth_year", "Năm sinh người giám hộ phải là 4 chữ số")
        else:
            birth_year = int(text)
            if not 1900 <= birth_year <= today.year - GUARDIAN_MIN_AGE:
                errors.add(
                    prefix + "birth_year",
                    f"Năm sinh người giám hộ phải từ 1900 đến {today.year - GUARDIAN_MIN_AGE}",
                )
    occupation = " ".join(raw.occupation.split())
    if len(occupation) > OCCUPATION_MAX_LENGTH:
        errors.add(prefix + "occupation", f"Nghề nghiệp tối đa {OCCUPATION_MAX_LENGTH} ký tự")
    email = raw.email.strip()
    if email and (len(email) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(email)):
        errors.add(prefix + "email", "Địa chỉ email không hợp lệ")
    address = " ".join(raw.address.split())
    if len(address) > ADDRESS_MAX_LENGTH:
        errors.add(prefix + "address", f"Địa chỉ tối đa {ADDRESS_MAX_LENGTH} ký tự")
    if len(errors.errors) > start:
        return None
    return GuardianDetails(
        full_name=name,
        relation=relation,
        phone=phone,
        birth_year=birth_year,
        occupation=occupation,
        email=email,
        address=address,
    )
