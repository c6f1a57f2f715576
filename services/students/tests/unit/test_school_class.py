"""Class rules: name 1..20 characters, grade level 1..5, maximum size 1..60, full class refused."""

from __future__ import annotations

import pytest

from school_students.domain.errors import ClassFullError, ValidationError
from school_students.domain.school_class import SchoolClass, ensure_room, validate_class


def errors_of(name: str = "1A", grade: int = 1, max_size: int = 35) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        validate_class(name, grade, max_size, 35)
    return info.value.fields


def test_valid_class_and_default_size() -> None:
    spec = validate_class("  1A  ", 1, 0, 35)
    assert (spec.name, spec.grade_level, spec.max_size) == ("1A", 1, 35)


@pytest.mark.parametrize("name", ["A", "x" * 20, "Lớp 5 Chất lượng cao"[:20], "1A1", "3/2"])
def test_name_lengths_accepted(name: str) -> None:
    assert validate_class(name, 3, 30, 35).name == name


def test_name_boundaries() -> None:
    assert errors_of(name="")["name"] == "Tên lớp không được để trống"
    assert errors_of(name="   ")["name"] == "Tên lớp không được để trống"
    assert errors_of(name="x" * 21)["name"] == "Tên lớp tối đa 20 ký tự"
    assert "chỉ được chứa" in errors_of(name="1A;DROP")["name"]


@pytest.mark.parametrize("grade", [0, 6, -1])
def test_grade_outside_primary_is_refused(grade: int) -> None:
    assert errors_of(grade=grade) == {"grade_level": "Khối lớp phải từ 1 đến 5"}


@pytest.mark.parametrize("grade", [1, 5])
def test_grade_boundaries_accepted(grade: int) -> None:
    assert validate_class("1A", grade, 35, 35).grade_level == grade


@pytest.mark.parametrize("size", [-1, 61])
def test_max_size_outside_range_is_refused(size: int) -> None:
    assert errors_of(max_size=size) == {"max_size": "Sĩ số tối đa phải từ 1 đến 60"}


@pytest.mark.parametrize("size", [1, 60])
def test_max_size_boundaries_accepted(size: int) -> None:
    assert validate_class("1A", 1, size, 35).max_size == size


def test_every_bad_field_is_named_at_once() -> None:
    assert set(errors_of(name="", grade=9, max_size=99)) == {"name", "grade_level", "max_size"}


def test_full_class_refuses_one_more() -> None:
    ensure_room(SchoolClass("c", "s", "y", "1A", 1, max_size=2, size=1))
    with pytest.raises(ClassFullError) as info:
        ensure_room(SchoolClass("c", "s", "y", "1A", 1, max_size=2, size=2))
    assert info.value.fields == {"class_id": "Lớp 1A đã đủ sĩ số tối đa 2 học sinh"}
