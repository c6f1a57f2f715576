"""Staff records (hồ sơ CBGVNV): field rules, citizen-id structure, completeness (pure functions).

Messages are Vietnamese and never repeat the value they judge (a citizen id must not end up in a
log line or an import report).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from school_identity.domain.text import clean_spaces, fold


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class EmploymentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ON_LEAVE = "ON_LEAVE"
    TRANSFERRED = "TRANSFERRED"
    LEFT = "LEFT"


GENDER_NAMES: Mapping[Gender, str] = MappingProxyType({Gender.MALE: "Nam", Gender.FEMALE: "Nữ"})
STATUS_NAMES: Mapping[EmploymentStatus, str] = MappingProxyType(
    {
        EmploymentStatus.ACTIVE: "Đang công tác",
        EmploymentStatus.ON_LEAVE: "Nghỉ dài hạn",
        EmploymentStatus.TRANSFERRED: "Đã chuyển công tác",
        EmploymentStatus.LEFT: "Đã nghỉ việc",
    }
)
# Position codes (vị trí việc làm, TT 20/2023) and their names as written in the template.
POSITIONS: Mapping[str, str] = MappingProxyType(
    {
        "HT": "Hiệu trưởng",
        "PHT": "Phó Hiệu trưởng",
        "GV": "Giáo viên",
        "TPT": "Tổng phụ trách Đội",
        "NV": "Nhân viên",
    }
)
# School leaders belong to no tổ chuyên môn.
NO_DEPARTMENT_POSITIONS = frozenset({"HT", "PHT"})

REQUIRED_FIELDS: tuple[str, ...] = (
    "full_name",
    "date_of_birth",
    "gender",
    "citizen_id",
    "position",
    "qualification",
    "phone",
    "start_date",
    "employment_status",
    "department_id",
)

FULL_NAME_MAX = 200
QUALIFICATION_MAX = 200
ADDRESS_MAX = 300
EMAIL_MAX = 254
STAFF_CODE_MAX = 20
MIN_AGE = 18
EARLIEST_YEAR = 1940

_CITIZEN_ID = re.compile(r"^\d{12}$")
_PHONE = re.compile(r"^0\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_STAFF_CODE = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass
class StaffRecord:
    """One hồ sơ CBGVNV as stored; empty strings and None stand for "not filled in yet"."""

    id: str
    school_id: str
    staff_code: str
    full_name: str
    date_of_birth: date | None = None
    gender: str = ""
    citizen_id: str = ""
    position: str = ""
    qualification: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    start_date: date | None = None
    department_id: str = ""
    employment_status: str = EmploymentStatus.ACTIVE.value
    user_id: str = ""
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class StaffDraft:
    """The editable fields of a record as a caller gave them (dates parsed already)."""

    staff_code: str = ""
    full_name: str = ""
    date_of_birth: date | None = None
    gender: str = ""
    citizen_id: str = ""
    position: str = ""
    qualification: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    start_date: date | None = None
    department_id: str = ""
    employment_status: str = ""
    # Fields the caller wrote something unreadable into (e.g. a bad date), with the message.
    unreadable: Mapping[str, str] = field(default_factory=dict)


def citizen_id_problem(citizen_id: str, date_of_birth: date | None = None, gender: str = "") -> str | None:
    """Why a citizen id (CCCD, 12 digits) is malformed or contradicts the birth date or gender.

    Structure (TT 59/2021/TT-BCA): digits 1–3 the province code of birth registration (001–096),
    digit 4 century and gender (0 male / 1 female for births 1900–1999, 2 male / 3 female for
    2000–2099), digits 5–6 the last two digits of the birth year, then six serial digits.
    """
    if not _CITIZEN_ID.match(citizen_id):
        return "Số CCCD phải gồm đúng 12 chữ số"
    if not 1 <= int(citizen_id[:3]) <= 96:
        return "Ba chữ số đầu của số CCCD phải là mã tỉnh, thành phố nơi đăng ký khai sinh (001–096)"
    marker = int(citizen_id[3])
    if marker > 3:
        return "Chữ số thứ 4 của số CCCD (thế kỷ và giới tính) phải là 0, 1, 2 hoặc 3"
    if gender in (Gender.MALE, Gender.FEMALE) and marker % 2 != (1 if gender == Gender.FEMALE else 0):
        return "Số CCCD không khớp với giới tính (chữ số thứ 4: nam 0 hoặc 2, nữ 1 hoặc 3)"
    if date_of_birth is not None:
        if not 1900 <= date_of_birth.year <= 2099:
            return "Năm sinh phải trong khoảng 1900–2099 để đối chiếu với số CCCD"
        century = 0 if date_of_birth.year < 2000 else 1
        if marker // 2 != century:
            return "Số CCCD không khớp với năm sinh (chữ số thứ 4: 0/1 cho người sinh 1900–1999, 2/3 cho 2000–2099)"
        if citizen_id[4:6] != f"{date_of_birth.year % 100:02d}":
            return "Số CCCD không khớp với năm sinh (chữ số thứ 5–6 là hai số cuối của năm sinh)"
    return None


def normalise_phone(raw: str) -> str:
    """Digits only, "+84 912…" written as "0912…"."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def phone_problem(phone: str) -> str | None:
    if not _PHONE.match(phone):
        return "Số điện thoại phải gồm 10 chữ số và bắt đầu bằng số 0"
    return None


def email_problem(email: str) -> str | None:
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        return "Địa chỉ email không hợp lệ"
    return None


def position_code(raw: str) -> str | None:
    """The position code for a code or a Vietnamese name ("GV", "Giáo viên", "giao vien")."""
    text = raw.strip()
    if text.upper() in POSITIONS:
        return text.upper()
    wanted = fold(text)
    return next((code for code, name in POSITIONS.items() if fold(name) == wanted), None)


def status_code(raw: str) -> str | None:
    """The employment status for a code or a Vietnamese name ("ACTIVE", "Đang công tác")."""
    text = raw.strip()
    if text.upper() in EmploymentStatus.__members__:
        return text.upper()
    wanted = fold(text)
    return next((s.value for s, name in STATUS_NAMES.items() if fold(name) == wanted), None)


def gender_code(raw: str) -> str | None:
    """ "male"/"female" for "male", "Nam", "Nữ", "nu"…"""
    text = fold(raw)
    if text in ("male", "nam"):
        return Gender.MALE.value
    if text in ("female", "nu"):
        return Gender.FEMALE.value
    return None


def normalise_draft(draft: StaffDraft) -> StaffDraft:
    """Trim and canonicalise what can be canonicalised; leave the rest for validation."""
    return StaffDraft(
        staff_code=draft.staff_code.strip(),
        full_name=clean_spaces(draft.full_name),
        date_of_birth=draft.date_of_birth,
        gender=gender_code(draft.gender) or draft.gender.strip() if draft.gender.strip() else "",
        citizen_id=re.sub(r"\s", "", draft.citizen_id),
        position=position_code(draft.position) or draft.position.strip() if draft.position.strip() else "",
        qualification=clean_spaces(draft.qualification),
        phone=normalise_phone(draft.phone) if draft.phone.strip() else "",
        email=draft.email.strip().lower(),
        address=clean_spaces(draft.address),
        start_date=draft.start_date,
        department_id=draft.department_id.strip(),
        employment_status=(
            status_code(draft.employment_status) or draft.employment_status.strip()
            if draft.employment_status.strip()
            else ""
        ),
        unreadable=dict(draft.unreadable),
    )


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def staff_problems(draft: StaffDraft, today: date) -> dict[str, str]:
    """Every problem of a (normalised) draft, keyed by field name; empty fields are allowed
    except the name and the employment status (the completeness check lists the rest)."""
    problems: dict[str, str] = dict(draft.unreadable)
    if draft.staff_code and (len(draft.staff_code) > STAFF_CODE_MAX or not _STAFF_CODE.match(draft.staff_code)):
        problems["staff_code"] = f"Mã cán bộ chỉ gồm chữ, số và . _ - (tối đa {STAFF_CODE_MAX} ký tự)"
    if not draft.full_name:
        problems["full_name"] = "Vui lòng nhập họ và tên"
    elif len(draft.full_name) > FULL_NAME_MAX:
        problems["full_name"] = f"Họ và tên không được dài quá {FULL_NAME_MAX} ký tự"
    dob = draft.date_of_birth
    if (
        dob is not None
        and "date_of_birth" not in problems
        and (dob.year < EARLIEST_YEAR or _years_between(dob, today) < MIN_AGE)
    ):
        problems["date_of_birth"] = f"Ngày sinh không hợp lệ (cán bộ phải từ {MIN_AGE} tuổi trở lên)"
    if draft.gender and draft.gender not in (Gender.MALE, Gender.FEMALE):
        problems["gender"] = "Giới tính phải là Nam hoặc Nữ"
    if draft.citizen_id:
        gender = draft.gender if "gender" not in problems else ""
        birth = dob if "date_of_birth" not in problems else None
        if (msg := citizen_id_problem(draft.citizen_id, birth, gender)) is not None:
            problems["citizen_id"] = msg
    if draft.position and draft.position not in POSITIONS:
        problems["position"] = "Chức vụ không hợp lệ; chọn một trong: " + ", ".join(POSITIONS.values())
    if len(draft.qualification) > QUALIFICATION_MAX:
        problems["qualification"] = f"Trình độ chuyên môn không được dài quá {QUALIFICATION_MAX} ký tự"
    if draft.phone and (msg := phone_problem(draft.phone)) is not None:
        problems["phone"] = msg
    if draft.email and (msg := email_problem(draft.email)) is not None:
        problems["email"] = msg
    if len(draft.address) > ADDRESS_MAX:
        problems["address"] = f"Địa chỉ không được dài quá {ADDRESS_MAX} ký tự"
    start = draft.start_date
    if start is not None and "start_date" not in problems:
        if start.year < EARLIEST_YEAR + MIN_AGE or start > date(today.year + 1, today.month, min(today.day, 28)):
            problems["start_date"] = "Ngày vào trường không hợp lệ"
        elif dob is not None and "date_of_birth" not in problems and _years_between(dob, start) < MIN_AGE:
            problems["start_date"] = "Ngày vào trường phải sau khi cán bộ đủ 18 tuổi"
    if not draft.employment_status:
        problems["employment_status"] = "Vui lòng chọn tình trạng công tác"
    elif draft.employment_status not in EmploymentStatus.__members__:
        problems["employment_status"] = "Tình trạng công tác không hợp lệ; chọn một trong: " + ", ".join(
            STATUS_NAMES.values()
        )
    return problems


def missing_fields(record: StaffRecord) -> list[str]:
    """Required fields still empty, in template order (the start-of-year completeness check)."""
    missing = []
    for name in REQUIRED_FIELDS:
        if name == "department_id" and record.position in NO_DEPARTMENT_POSITIONS:
            continue
        if getattr(record, name) in ("", None):
            missing.append(name)
    return missing


def apply_draft(record: StaffRecord, draft: StaffDraft, *, keep_citizen_id_when_empty: bool) -> list[str]:
    """Copy the draft's fields onto ``record``; returns the names of the fields that changed.

    With ``keep_citizen_id_when_empty`` an empty citizen id leaves the stored one alone (callers
    who cannot see it, and spreadsheets exported without it, must not erase it).
    """
    changed: list[str] = []
    names = (
        "full_name",
        "date_of_birth",
        "gender",
        "citizen_id",
        "position",
        "qualification",
        "phone",
        "email",
        "address",
        "start_date",
        "department_id",
        "employment_status",
    )
    for name in names:
        value = getattr(draft, name)
        if name == "citizen_id" and not value and keep_citizen_id_when_empty:
            continue
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    if draft.staff_code and draft.staff_code != record.staff_code:
        record.staff_code = draft.staff_code
        changed.append("staff_code")
    return changed


def next_staff_code(existing: list[str]) -> str:
    """The next free "CBnnnn" code after the highest one in use."""
    numbers = [int(code[2:]) for code in existing if code.upper().startswith("CB") and code[2:].isdigit()]
    return f"CB{(max(numbers) if numbers else 0) + 1:04d}"
