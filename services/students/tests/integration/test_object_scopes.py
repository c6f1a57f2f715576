"""Object checks: a teacher reaches only the classes of their assignments (scopes in the token)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from school.students.v1 import students_pb2
from school_students.api import permissions as perm

pytestmark = pytest.mark.integration

YEAR = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")
TEACHER_PERMS = frozenset({perm.SCHOOL_YEAR_READ, perm.CLASS_READ, perm.STUDENT_READ, perm.STUDENT_WRITE})


def denied(call: Callable[[Any], Any], request: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code()


@pytest.fixture
def two_classes(api: Any) -> tuple[students_pb2.SchoolClass, students_pb2.SchoolClass, students_pb2.Student]:
    year = api.CreateSchoolYear(YEAR).school_year.school_year_id
    own = api.CreateClass(students_pb2.CreateClassRequest(school_year_id=year, name="1A", grade_level=1)).school_class
    other = api.CreateClass(students_pb2.CreateClassRequest(school_year_id=year, name="1B", grade_level=1)).school_class
    pupil = api.EnrollStudent(
        students_pb2.EnrollStudentRequest(
            class_id=other.class_id,
            full_name="Hồ Ngọc Trâm",
            date_of_birth="2019-04-04",
            gender=students_pb2.GENDER_FEMALE,
        )
    ).student
    return own, other, pupil


@pytest.mark.parametrize("scope", ["class:{own}", "class_subject:{own}:TOAN"])
def test_teacher_reaches_own_class_only(api_for: Callable[..., Any], two_classes: Any, scope: str) -> None:
    own, other, pupil = two_classes
    teacher = api_for(permissions=TEACHER_PERMS, scopes=frozenset({scope.format(own=own.class_id)}))

    listed = teacher.ListClasses(students_pb2.ListClassesRequest())
    assert [c.class_id for c in listed.classes] == [own.class_id]
    assert teacher.GetClass(students_pb2.GetClassRequest(class_id=own.class_id)).school_class.name == "1A"
    teacher.ListStudents(students_pb2.ListStudentsRequest(class_id=own.class_id))

    assert denied(teacher.GetClass, students_pb2.GetClassRequest(class_id=other.class_id)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert denied(teacher.ListStudents, students_pb2.ListStudentsRequest(class_id=other.class_id)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert denied(teacher.GetStudent, students_pb2.GetStudentRequest(student_id=pupil.student_id)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    update = students_pb2.UpdateStudentRequest(
        student_id=pupil.student_id,
        expected_version=pupil.version,
        full_name="Đổi Tên Trái Phép",
        date_of_birth="2019-04-04",
        gender=students_pb2.GENDER_FEMALE,
    )
    assert denied(teacher.UpdateStudent, update) == grpc.StatusCode.PERMISSION_DENIED
    enrol = students_pb2.EnrollStudentRequest(
        class_id=other.class_id, full_name="Lý Bảo Ngọc", date_of_birth="2019-01-01", gender=students_pb2.GENDER_MALE
    )
    assert denied(teacher.EnrollStudent, enrol) == grpc.StatusCode.PERMISSION_DENIED


def test_nothing_written_when_out_of_scope(api: Any, api_for: Callable[..., Any], two_classes: Any) -> None:
    own, other, pupil = two_classes
    teacher = api_for(permissions=TEACHER_PERMS, scopes=frozenset({f"class:{own.class_id}"}))
    enrol = students_pb2.EnrollStudentRequest(
        class_id=other.class_id, full_name="Lý Bảo Ngọc", date_of_birth="2019-01-01", gender=students_pb2.GENDER_MALE
    )
    denied(teacher.EnrollStudent, enrol)
    after = api.ListStudents(students_pb2.ListStudentsRequest(class_id=other.class_id))
    assert [s.student_id for s in after.students] == [pupil.student_id]
    unchanged = api.GetStudent(students_pb2.GetStudentRequest(student_id=pupil.student_id)).student
    assert unchanged.full_name == "Hồ Ngọc Trâm"


def test_no_assignment_reaches_nothing(api_for: Callable[..., Any], two_classes: Any) -> None:
    own, _other, _pupil = two_classes
    teacher = api_for(permissions=TEACHER_PERMS, scopes=frozenset())
    assert list(teacher.ListClasses(students_pb2.ListClassesRequest()).classes) == []
    assert denied(teacher.GetClass, students_pb2.GetClassRequest(class_id=own.class_id)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )


def test_school_wide_duty_reaches_every_class(api_for: Callable[..., Any], two_classes: Any) -> None:
    head = api_for(permissions=TEACHER_PERMS, scopes=frozenset({"school"}))
    assert len(head.ListClasses(students_pb2.ListClassesRequest()).classes) == 2


def test_a_head_of_department_reads_the_classes_of_the_departments_grades(
    api: Any, api_for: Callable[..., Any], two_classes: Any
) -> None:
    own, other, _pupil = two_classes
    year = own.school_year_id
    grade2 = api.CreateClass(
        students_pb2.CreateClassRequest(school_year_id=year, name="2A", grade_level=2)
    ).school_class
    head = api_for(permissions=TEACHER_PERMS, scopes=frozenset({"department:d-1", f"grade:{year}:1"}))
    listed = head.ListClasses(students_pb2.ListClassesRequest())
    assert sorted(c.name for c in listed.classes) == ["1A", "1B"]
    assert head.GetClass(students_pb2.GetClassRequest(class_id=other.class_id)).school_class.name == "1B"
    names = head.ListStudents(students_pb2.ListStudentsRequest(class_id=other.class_id)).students
    assert [s.full_name for s in names] == ["Hồ Ngọc Trâm"]
    assert denied(head.GetClass, students_pb2.GetClassRequest(class_id=grade2.class_id)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    # Reading is all a grade scope gives: writing to a class of the grade is still refused.
    enrol = students_pb2.EnrollStudentRequest(
        class_id=other.class_id, full_name="Lý Bảo Ngọc", date_of_birth="2019-01-01", gender=students_pb2.GENDER_MALE
    )
    assert denied(head.EnrollStudent, enrol) == grpc.StatusCode.PERMISSION_DENIED
    # Another year's grade 1 is not reached.
    last_year = api_for(permissions=TEACHER_PERMS, scopes=frozenset({"department:d-1", "grade:y-old:1"}))
    assert list(last_year.ListClasses(students_pb2.ListClassesRequest()).classes) == []
