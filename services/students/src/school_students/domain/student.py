"""Students (học sinh): the register's rules for names, birth dates, gender and student codes."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from school_students.domain.dates import age_on, read_date
from school_students.domain.errors import FieldErrors
from school_students.domain.names import NAME_PUNCTUATION, normalise_name

NAME_MIN_LENGTH, NAME_MAX_LENGTH = 2, 100
# Age in completed years on the first day of the school year. Grade 1 starts in the calendar
# year a child turns 6 (TT 28/2020 Điều 33), so a child born in December is still 5 in
# September. The charter lets some children (disability, ethnic minority, hardship, returnees
# from abroad) start up to 3 years late, i.e. at 9: such a pupil is 13 in grade 5, and 14 after
# repeating a year. Anything outside 5..14 is almost always a typing slip in the birth year.
MIN_AGE, MAX_AGE = 5, 14
CODE_MAX_LENGTH = 20
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
GENERATED_CODE_PREFIX = "HS"


class Gender(enum.Enum):
    """Gender as recorded in the national education database."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class StudentDetails:
    """The validated basic fields of a student."""

    full_name: str
    date_of_birth: date
    gender: Gender


@dataclass(frozen=True)
class Student:
    """One student of one school; ``class_id`` is the current class, empty when not enrolled."""

    id: str
    school_id: str
    student_code: str
    full_name: str
    date_of_birth: date
    gender: Gender
    version: int
    class_id: str = ""
    # Name of the current class; only search results carry it.
    class_name: str = ""

    @property
    def details(self) -> StudentDetails:
        return StudentDetails(self.full_name, self.date_of_birth, self.gender)


def full_name_problem(name: str) -> str | None:
    """The Vietnamese message for a bad full name (already normalised), or None when it is fine."""
    if not name:
        return "Họ và tên không được để trống"
    if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
        return f"Họ và tên phải có từ {NAME_MIN_LENGTH} đến {NAME_MAX_LENGTH} ký tự"
    for c in name:
        if c == " " or c in NAME_PUNCTUATION:
            continue
        # Letters (L*) and the combining marks (M*) that carry Vietnamese tones in NFD input.
        if unicodedata.category(c)[0] not in "LM":
            return "Họ và tên chỉ được chứa chữ cái, dấu cách, dấu gạch nối hoặc dấu nháy đơn"
    if not unicodedata.category(name[0]).startswith("L") or unicodedata.category(name[-1])[0] not in "LM":
        return "Họ và tên phải bắt đầu và kết thúc bằng chữ cái"
    return None


def validate_details(
    errors: FieldErrors,
    *,
    full_name: str,
    date_of_birth: str,
    gender: Gender | None,
    today: date,
    school_year_start: date | None,
) -> StudentDetails | None:
    """Check a student's basic fields into ``errors``; return them when all are valid.

    ``school_year_start`` is the first day of the year of the student's class; the age rule is
    skipped when it is unknown (a student not enrolled anywhere).
    """
    name = normalise_name(full_name)
    problem = full_name_problem(name)
    if problem:
        errors.add("full_name", problem)
    birth = read_date(errors, "date_of_birth", date_of_birth, "Ngày sinh")
    if birth is not None:
        if birth > today:
            errors.add("date_of_birth", "Ngày sinh không được ở tương lai")
        elif school_year_start is not None and not MIN_AGE <= age_on(birth, school_year_start) <= MAX_AGE:
            errors.add(
                "date_of_birth",
                f"Tuổi vào đầu năm học phải từ {MIN_AGE} đến {MAX_AGE} (hiện là {age_on(birth, school_year_start)})",
            )
    if gender is None:
        errors.add("gender", "Vui lòng chọn giới tính")
    if problem or birth is None or errors.has("date_of_birth") or gender is None:
        return None
    return StudentDetails(full_name=name, date_of_birth=birth, gender=gender)


def validate_student_code(errors: FieldErrors, code: str) -> str:
    """A given student code, trimmed; empty means "assign one". The code is otherwise opaque.

    Codes come from the national database (mã định danh học sinh, format not fixed) or from
    the school's own numbering, so only a safe shape is enforced.
    """
    clean = code.strip()
    if clean and (len(clean) > CODE_MAX_LENGTH or not _CODE.fullmatch(clean)):
        errors.add(
            "student_code",
            f"Mã học sinh gồm chữ, số và các dấu . _ -, tối đa {CODE_MAX_LENGTH} ký tự",
        )
    return clean


def generated_code(sequence: int) -> str:
    """The code the service assigns when none is given: "HS" and a 6-digit per-school number."""
    return f"{GENERATED_CODE_PREFIX}{sequence:06d}"
