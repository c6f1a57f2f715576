"""SearchStudents over real gRPC on SQLite (and PostgreSQL when TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from school.students.v1 import students_pb2
from school_students.api import permissions as perm
from schoolkit.grpc_errors import field_violations

SCHOOL_B = "school-b"

pytestmark = pytest.mark.integration

YEAR = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")
OLD_YEAR = students_pb2.CreateSchoolYearRequest(name="2024-2025", start_date="2024-09-05", end_date="2025-05-31")
TEACHER_PERMS = frozenset({perm.SCHOOL_YEAR_READ, perm.CLASS_READ, perm.STUDENT_READ})


def enrol(api: Any, class_id: str, name: str, code: str = "") -> students_pb2.Student:
    return api.EnrollStudent(
        students_pb2.EnrollStudentRequest(
            class_id=class_id,
            full_name=name,
            date_of_birth="2018-03-01",
            gender=students_pb2.GENDER_MALE,
            student_code=code,
        )
    ).student


def new_class(api: Any, year_id: str, name: str) -> students_pb2.SchoolClass:
    return api.CreateClass(
        students_pb2.CreateClassRequest(school_year_id=year_id, name=name, grade_level=int(name[0]))
    ).school_class


def search(api: Any, query: str = "", **extra: Any) -> students_pb2.SearchStudentsResponse:
    return api.SearchStudents(students_pb2.SearchStudentsRequest(query=query, **extra))


def names(answer: students_pb2.SearchStudentsResponse) -> list[str]:
    return [s.full_name for s in answer.students]


@pytest.fixture
def school(api: Any) -> dict[str, Any]:
    year = api.CreateSchoolYear(YEAR).school_year.school_year_id
    old_year = api.CreateSchoolYear(OLD_YEAR).school_year.school_year_id
    c3a, c3b, c2a = new_class(api, year, "3A"), new_class(api, year, "3B"), new_class(api, old_year, "2A")
    enrol(api, c3a.class_id, "Nguyễn Văn An", code="HS-AN-01")
    enrol(api, c3a.class_id, "Trần Thị Bình")
    enrol(api, c3b.class_id, "Nguyễn Thị Anh")
    enrol(api, c3b.class_id, "Đỗ Đức Dũng")
    enrol(api, c2a.class_id, "Lê Nguyên An")
    return {"year": year, "old_year": old_year, "3A": c3a, "3B": c3b, "2A": c2a}


def test_diacritic_free_query_finds_diacritic_names(api: Any, school: dict[str, Any]) -> None:
    answer = search(api, "Nguyen Van An")
    assert names(answer) == ["Nguyễn Văn An"]
    found = answer.students[0]
    assert (found.class_id, found.class_name, found.student_code) == (school["3A"].class_id, "3A", "HS-AN-01")
    # Every word a prefix or part of the folded name, in any order; given-name order.
    assert names(search(api, "nguyen an")) == ["Lê Nguyên An", "Nguyễn Văn An", "Nguyễn Thị Anh"]
    assert names(search(api, "an nguyễn")) == ["Lê Nguyên An", "Nguyễn Văn An", "Nguyễn Thị Anh"]
    assert names(search(api, "do duc")) == ["Đỗ Đức Dũng"]
    assert names(search(api, "ĐỖ")) == ["Đỗ Đức Dũng"]
    assert names(search(api, "nguyen xyz")) == []


def test_code_search_is_exact(api: Any, school: dict[str, Any]) -> None:
    assert names(search(api, "HS-AN-01")) == ["Nguyễn Văn An"]
    assert names(search(api, "HS-AN-0")) == []


def test_class_and_year_filters(api: Any, school: dict[str, Any]) -> None:
    assert names(search(api, "nguyen", class_id=school["3B"].class_id)) == ["Nguyễn Thị Anh"]
    # No query with a class lists the class.
    assert names(search(api, "", class_id=school["3A"].class_id)) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert names(search(api, "an", school_year_id=school["old_year"])) == ["Lê Nguyên An"]
    assert names(search(api, "nguyen an", school_year_id=school["year"])) == ["Nguyễn Văn An", "Nguyễn Thị Anh"]


def test_teacher_finds_only_students_of_their_classes(api_for: Callable[..., Any], school: dict[str, Any]) -> None:
    gvcn = api_for(permissions=TEACHER_PERMS, scopes=frozenset({f"class:{school['3B'].class_id}"}))
    assert names(search(gvcn, "nguyen")) == ["Nguyễn Thị Anh"]
    assert names(search(gvcn, "HS-AN-01")) == []
    with pytest.raises(grpc.RpcError) as info:
        search(gvcn, "nguyen", class_id=school["3A"].class_id)
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_permission_is_required(api_for: Callable[..., Any], school: dict[str, Any]) -> None:
    without = api_for(permissions=frozenset({perm.CLASS_READ}))
    with pytest.raises(grpc.RpcError) as info:
        search(without, "nguyen")
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_other_school_is_never_found(api_for: Callable[..., Any], school: dict[str, Any]) -> None:
    other = api_for(school_id=SCHOOL_B)
    assert names(search(other, "nguyen")) == []
    assert names(search(other, "HS-AN-01")) == []
    with pytest.raises(grpc.RpcError) as info:
        search(other, "", class_id=school["3A"].class_id)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_pagination_across_pages(api: Any) -> None:
    year = api.CreateSchoolYear(YEAR).school_year.school_year_id
    given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh"]
    for i, g in enumerate(given):
        school_class = new_class(api, year, f"{1 + i % 5}{'ABCDEFG'[i]}")
        enrol(api, school_class.class_id, f"Phạm Minh {g}")
    enrol(api, school_class.class_id, "Vũ Thị Lan")
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        answer = search(api, "pham minh", page_size=3, page_token=token)
        seen += names(answer)
        pages += 1
        token = answer.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == [f"Phạm Minh {g}" for g in given]
    # A token belongs to its search: replaying it against another query is refused.
    first = search(api, "pham minh", page_size=3)
    with pytest.raises(grpc.RpcError) as info:
        search(api, "pham", page_size=3, page_token=first.next_page_token)
    assert field_violations(info.value).keys() == {"page_token"}


@pytest.mark.parametrize("query", ["", "a", " ă ", "   "])
def test_short_query_without_class_is_refused(api: Any, school: dict[str, Any], query: str) -> None:
    with pytest.raises(grpc.RpcError) as info:
        search(api, query)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ít nhất 2 chữ cái" in field_violations(info.value)["query"]
    with pytest.raises(grpc.RpcError) as info:
        search(api, query, school_year_id=school["year"])
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
