"""Races users can cause: the last seats of a class, and a double-submitted enrolment form."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from school.students.v1 import students_pb2

pytestmark = pytest.mark.integration


def make_class(api: Any, max_size: int) -> str:
    year = api.CreateSchoolYear(
        students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")
    ).school_year
    request = students_pb2.CreateClassRequest(
        school_year_id=year.school_year_id, name="1A", grade_level=1, max_size=max_size
    )
    return str(api.CreateClass(request).school_class.class_id)


def attempt(api: Any, class_id: str, name: str, key: str = "") -> str:
    try:
        return str(
            api.EnrollStudent(
                students_pb2.EnrollStudentRequest(
                    class_id=class_id, full_name=name, date_of_birth="2019-05-01", gender=1, idempotency_key=key
                )
            ).student.student_id
        )
    except grpc.RpcError as exc:
        return exc.code().name


def test_parallel_enrolments_never_overfill_a_class(api: Any) -> None:
    class_id = make_class(api, max_size=3)
    names = [f"Nguyễn Văn {g}" for g in ["An", "Bình", "Chi", "Dũng", "Em", "Giang", "Hà", "Khoa"]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: attempt(api, class_id, n), names))
    assert sum(r == "FAILED_PRECONDITION" for r in results) == 5
    assert api.GetClass(students_pb2.GetClassRequest(class_id=class_id)).school_class.size == 3


def test_parallel_retries_with_one_key_make_one_student(api: Any) -> None:
    class_id = make_class(api, max_size=35)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: attempt(api, class_id, "Lê Thị An", key="k-1"), range(6)))
    assert len(set(results)) == 1, results
    assert api.GetClass(students_pb2.GetClassRequest(class_id=class_id)).school_class.size == 1
