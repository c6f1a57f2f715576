"""Classes (lớp): name, grade level 1–5 of primary school, and the class-size limit (sĩ số)."""

from __future__ import annotations

from dataclasses import dataclass

from school_students.domain.errors import ClassFullError, FieldErrors
from school_students.domain.names import normalise_name

MIN_GRADE, MAX_GRADE = 1, 5
NAME_MAX_LENGTH = 20
# TT 28/2020 sets 35 as the usual maximum; 60 is a hard ceiling that still admits merged or
# temporary classes while catching typing slips such as 350.
MAX_SIZE_CEILING = 60


@dataclass(frozen=True)
class ClassSpec:
    """A validated request to open a class."""

    name: str
    grade_level: int
    max_size: int
    room: str = ""


@dataclass(frozen=True)
class SchoolClass:
    """One class of one school year; ``size`` is the number of students enrolled now."""

    id: str
    school_id: str
    school_year_id: str
    name: str
    grade_level: int
    max_size: int
    size: int = 0
    room: str = ""
    # Optimistic-concurrency version, incremented on every change.
    version: int = 1


def validate_class(
    name: str, grade_level: int, max_size: int, default_max_size: int, *, limit: int = MAX_SIZE_CEILING
) -> ClassSpec:
    """Check a new class; ``max_size`` 0 takes the school's configured default, ``limit`` is the
    configured upper bound (never above MAX_SIZE_CEILING)."""
    errors = FieldErrors()
    clean = normalise_name(name)
    if not clean:
        errors.add("name", "Tên lớp không được để trống")
    elif len(clean) > NAME_MAX_LENGTH:
        errors.add("name", f"Tên lớp tối đa {NAME_MAX_LENGTH} ký tự")
    elif not all(c.isalnum() or c in " -./" for c in clean):
        errors.add("name", "Tên lớp chỉ được chứa chữ, số, dấu cách và các dấu - . /")
    if not MIN_GRADE <= grade_level <= MAX_GRADE:
        errors.add("grade_level", f"Khối lớp phải từ {MIN_GRADE} đến {MAX_GRADE}")
    size = default_max_size if max_size == 0 else max_size
    upper = min(limit, MAX_SIZE_CEILING)
    if not 1 <= size <= upper:
        errors.add("max_size", f"Sĩ số tối đa phải từ 1 đến {upper}")
    errors.raise_if_any("Thông tin lớp không hợp lệ")
    return ClassSpec(name=clean, grade_level=grade_level, max_size=size)


def ensure_room(school_class: SchoolClass) -> None:
    """Refuse one more student when the class is at its maximum size."""
    if school_class.size >= school_class.max_size:
        raise ClassFullError(
            f"Lớp {school_class.name} đã đủ sĩ số ({school_class.size}/{school_class.max_size})",
            {"class_id": f"Lớp {school_class.name} đã đủ sĩ số tối đa {school_class.max_size} học sinh"},
        )
