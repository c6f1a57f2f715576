"""StudentsService over real gRPC on SQLite (and PostgreSQL when TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine, select

from school.students.v1 import events_pb2, students_pb2
from school_students.adapters.tables import outbox
from school_students.api import permissions as perm
from schoolkit.grpc_errors import field_violations

pytestmark = pytest.mark.integration

YEAR = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")


def failure(call: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), field_violations(info.value)


def new_class(api: Any, name: str = "3B", grade: int = 3, max_size: int = 0) -> students_pb2.SchoolClass:
    year = api.CreateSchoolYear(YEAR).school_year
    return api.CreateClass(
        students_pb2.CreateClassRequest(
            school_year_id=year.school_year_id, name=name, grade_level=grade, max_size=max_size
        )
    ).school_class


def enrol(api: Any, class_id: str, name: str, dob: str = "2017-03-01", **extra: Any) -> students_pb2.Student:
    request = students_pb2.EnrollStudentRequest(
        class_id=class_id, full_name=name, date_of_birth=dob, gender=students_pb2.GENDER_FEMALE, **extra
    )
    return api.EnrollStudent(request).student


def outbox_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.seq)).mappings())


def test_year_class_enrol_and_list(api: Any) -> None:
    school_class = new_class(api)
    assert (school_class.name, school_class.grade_level, school_class.max_size, school_class.size) == ("3B", 3, 35, 0)
    for name in ["Trần Văn Bình", "Nguyễn Văn An", "Lê Thị An"]:
        enrol(api, school_class.class_id, name)

    listed = api.ListStudents(students_pb2.ListStudentsRequest(class_id=school_class.class_id))
    assert [s.full_name for s in listed.students] == ["Lê Thị An", "Nguyễn Văn An", "Trần Văn Bình"]
    assert sorted(s.student_code for s in listed.students) == ["HS000001", "HS000002", "HS000003"]
    assert all(s.class_id == school_class.class_id and s.version == 1 for s in listed.students)
    assert listed.next_page_token == ""
    assert listed.as_of.seconds > 0

    got = api.GetClass(students_pb2.GetClassRequest(class_id=school_class.class_id)).school_class
    assert got.size == 3
    classes = api.ListClasses(students_pb2.ListClassesRequest(school_year_id=school_class.school_year_id)).classes
    assert [(c.name, c.size) for c in classes] == [("3B", 3)]
    years = api.ListSchoolYears(students_pb2.ListSchoolYearsRequest()).school_years
    assert [y.name for y in years] == ["2025-2026"]
    student = api.GetStudent(students_pb2.GetStudentRequest(student_id=listed.students[0].student_id)).student
    assert student == listed.students[0]


def test_pagination_walks_every_student_once(api: Any) -> None:
    school_class = new_class(api)
    names = [f"Nguyễn Văn {given}" for given in ["An", "Bình", "Chi", "Dũng", "Em"]]
    for name in reversed(names):
        enrol(api, school_class.class_id, name)
    seen: list[str] = []
    token = ""
    while True:
        page = api.ListStudents(
            students_pb2.ListStudentsRequest(class_id=school_class.class_id, page_size=2, page_token=token)
        )
        assert len(page.students) <= 2
        seen += [s.full_name for s in page.students]
        token = page.next_page_token
        if not token:
            break
    assert seen == names
    other = new_class_in_year(api, school_class.school_year_id, "3C")
    code, fields = failure(
        api.ListStudents,
        students_pb2.ListStudentsRequest(class_id=other.class_id, page_token=first_token(api, school_class)),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in fields


def first_token(api: Any, school_class: students_pb2.SchoolClass) -> str:
    page = api.ListStudents(students_pb2.ListStudentsRequest(class_id=school_class.class_id, page_size=1))
    return str(page.next_page_token)


def new_class_in_year(api: Any, year_id: str, name: str, grade: int = 3, max_size: int = 0) -> students_pb2.SchoolClass:
    request = students_pb2.CreateClassRequest(school_year_id=year_id, name=name, grade_level=grade, max_size=max_size)
    return api.CreateClass(request).school_class


def test_classes_are_listed_by_grade_then_name_across_pages(api: Any) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    for name, grade in [("5A", 5), ("1B", 1), ("1A", 1), ("3A", 3)]:
        new_class_in_year(api, year.school_year_id, name, grade)
    first = api.ListClasses(students_pb2.ListClassesRequest(school_year_id=year.school_year_id, page_size=3))
    second = api.ListClasses(
        students_pb2.ListClassesRequest(
            school_year_id=year.school_year_id, page_size=3, page_token=first.next_page_token
        )
    )
    assert [c.name for c in first.classes] + [c.name for c in second.classes] == ["1A", "1B", "3A", "5A"]
    assert second.next_page_token == ""


def test_bad_input_names_each_field_and_writes_nothing(api: Any, counts: Callable[[], dict[str, int]]) -> None:
    school_class = new_class(api)
    before = counts()
    code, fields = failure(
        api.EnrollStudent,
        students_pb2.EnrollStudentRequest(class_id=school_class.class_id, full_name="", date_of_birth="2017-02-29"),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields == {
        "full_name": "Họ và tên không được để trống",
        "date_of_birth": "Ngày sinh không hợp lệ (định dạng YYYY-MM-DD)",
        "gender": "Vui lòng chọn giới tính",
    }
    code, fields = failure(
        api.EnrollStudent,
        students_pb2.EnrollStudentRequest(
            class_id=school_class.class_id,
            full_name="Lê Văn Tám",
            date_of_birth="2000-01-01",
            gender=students_pb2.GENDER_MALE,
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields["date_of_birth"].startswith("Tuổi vào đầu năm học phải từ 5 đến 14")
    code, fields = failure(
        api.CreateSchoolYear, students_pb2.CreateSchoolYearRequest(name="2025-2027", start_date="x", end_date="")
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields) == {"name", "start_date", "end_date"}
    code, fields = failure(
        api.CreateClass,
        students_pb2.CreateClassRequest(school_year_id=school_class.school_year_id, name="", grade_level=6),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields == {"name": "Tên lớp không được để trống", "grade_level": "Khối lớp phải từ 1 đến 5"}
    assert counts() == before


def test_other_schools_records_are_not_found(api: Any, api_for: Callable[..., Any]) -> None:
    school_class = new_class(api)
    student = enrol(api, school_class.class_id, "Lê Thị An")
    other = api_for(school_id="school-b")
    code, fields = failure(other.GetClass, students_pb2.GetClassRequest(class_id=school_class.class_id))
    assert code == grpc.StatusCode.NOT_FOUND
    assert fields == {"class_id": "Không tìm thấy lớp"}
    code, fields = failure(
        other.EnrollStudent,
        students_pb2.EnrollStudentRequest(
            class_id=school_class.class_id, full_name="Lê Văn Tám", date_of_birth="2017-01-01", gender=1
        ),
    )
    assert (code, fields) == (grpc.StatusCode.NOT_FOUND, {"class_id": "Không tìm thấy lớp"})
    assert failure(other.ListStudents, students_pb2.ListStudentsRequest(class_id=school_class.class_id))[0] == (
        grpc.StatusCode.NOT_FOUND
    )
    assert failure(other.GetStudent, students_pb2.GetStudentRequest(student_id=student.student_id))[0] == (
        grpc.StatusCode.NOT_FOUND
    )
    update = students_pb2.UpdateStudentRequest(
        student_id=student.student_id, expected_version=1, full_name="X Y", date_of_birth="2017-01-01", gender=1
    )
    assert failure(other.UpdateStudent, update)[0] == grpc.StatusCode.NOT_FOUND
    create = students_pb2.CreateClassRequest(school_year_id=school_class.school_year_id, name="1A", grade_level=1)
    assert failure(other.CreateClass, create)[0] == grpc.StatusCode.NOT_FOUND
    assert other.ListSchoolYears(students_pb2.ListSchoolYearsRequest()).school_years == []
    assert other.ListClasses(students_pb2.ListClassesRequest()).classes == []


RPC_PERMISSIONS = [
    ("CreateSchoolYear", YEAR, perm.SCHOOL_YEAR_WRITE),
    ("ListSchoolYears", students_pb2.ListSchoolYearsRequest(), perm.SCHOOL_YEAR_READ),
    ("CreateClass", students_pb2.CreateClassRequest(name="1A", grade_level=1), perm.CLASS_WRITE),
    ("ListClasses", students_pb2.ListClassesRequest(), perm.CLASS_READ),
    ("GetClass", students_pb2.GetClassRequest(class_id="c"), perm.CLASS_READ),
    ("EnrollStudent", students_pb2.EnrollStudentRequest(class_id="c", full_name="Lê An"), perm.STUDENT_WRITE),
    ("UpdateStudent", students_pb2.UpdateStudentRequest(student_id="s"), perm.STUDENT_WRITE),
    ("GetStudent", students_pb2.GetStudentRequest(student_id="s"), perm.STUDENT_READ),
    ("ListStudents", students_pb2.ListStudentsRequest(class_id="c"), perm.STUDENT_READ),
]


@pytest.mark.parametrize(("rpc", "request_message", "needed"), RPC_PERMISSIONS, ids=[r[0] for r in RPC_PERMISSIONS])
def test_missing_permission_is_denied(
    api_for: Callable[..., Any], counts: Callable[[], dict[str, int]], rpc: str, request_message: Any, needed: str
) -> None:
    before = counts()
    without = api_for(permissions=frozenset(perm.ALL) - {needed})
    code, _ = failure(getattr(without, rpc), request_message)
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert counts() == before


def test_full_class_is_refused(api: Any, counts: Callable[[], dict[str, int]]) -> None:
    school_class = new_class(api, max_size=2)
    enrol(api, school_class.class_id, "Lê Thị An")
    enrol(api, school_class.class_id, "Lê Thị Bình")
    before = counts()
    code, fields = failure(
        api.EnrollStudent,
        students_pb2.EnrollStudentRequest(
            class_id=school_class.class_id, full_name="Lê Thị Chi", date_of_birth="2017-01-01", gender=2
        ),
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert fields == {"class_id": "Lớp 3B đã đủ sĩ số tối đa 2 học sinh"}
    assert counts() == before


def test_enrolment_with_idempotency_key_happens_once(api: Any, engine: Engine) -> None:
    school_class = new_class(api)
    first = enrol(api, school_class.class_id, "Lê Thị An", idempotency_key="form-42")
    again = enrol(api, school_class.class_id, "Lê Thị An", idempotency_key="form-42")
    assert again == first
    assert api.GetClass(students_pb2.GetClassRequest(class_id=school_class.class_id)).school_class.size == 1
    enrolled = [r for r in outbox_rows(engine) if r["event_type"] == "school.students.v1.StudentEnrolled"]
    assert len(enrolled) == 1
    code, fields = failure(
        api.EnrollStudent,
        students_pb2.EnrollStudentRequest(
            class_id=school_class.class_id,
            full_name="Trần Văn Bình",
            date_of_birth="2017-01-01",
            gender=1,
            idempotency_key="form-42",
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in fields


def test_student_codes_are_unique_per_school(api: Any, api_for: Callable[..., Any]) -> None:
    school_class = new_class(api)
    assert enrol(api, school_class.class_id, "Lê Thị An", student_code="HS000002").student_code == "HS000002"
    assert enrol(api, school_class.class_id, "Lê Thị Bình").student_code == "HS000001"
    # The generator skips a number the school already typed by hand.
    assert enrol(api, school_class.class_id, "Lê Thị Chi").student_code == "HS000003"
    code, fields = failure(
        api.EnrollStudent,
        students_pb2.EnrollStudentRequest(
            class_id=school_class.class_id,
            full_name="Lê Thị Dung",
            date_of_birth="2017-01-01",
            gender=2,
            student_code="HS000002",
        ),
    )
    assert (code, fields) == (grpc.StatusCode.ALREADY_EXISTS, {"student_code": "Mã học sinh HS000002 đã tồn tại"})
    other_class = new_class(api_for(school_id="school-b"))
    other = enrol(api_for(school_id="school-b"), other_class.class_id, "Lê Thị An", student_code="HS000002")
    assert other.student_code == "HS000002"


def test_duplicate_year_and_class_names(api: Any) -> None:
    school_class = new_class(api)
    code, fields = failure(api.CreateSchoolYear, YEAR)
    assert (code, fields) == (grpc.StatusCode.ALREADY_EXISTS, {"name": "Năm học 2025-2026 đã tồn tại"})
    code, fields = failure(
        api.CreateClass,
        students_pb2.CreateClassRequest(school_year_id=school_class.school_year_id, name="3B", grade_level=3),
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS
    assert fields == {"name": "Lớp 3B đã tồn tại trong năm học 2025-2026"}


def test_update_student_with_optimistic_concurrency(api: Any, engine: Engine) -> None:
    school_class = new_class(api)
    student = enrol(api, school_class.class_id, "Le Thi An")
    fix = students_pb2.UpdateStudentRequest(
        student_id=student.student_id,
        expected_version=1,
        full_name="Lê Thị Ân",
        date_of_birth="2017-03-02",
        gender=students_pb2.GENDER_FEMALE,
    )
    updated = api.UpdateStudent(fix).student
    assert (updated.full_name, updated.date_of_birth, updated.version) == ("Lê Thị Ân", "2017-03-02", 2)
    assert updated.class_id == school_class.class_id
    code, fields = failure(api.UpdateStudent, fix)  # still says version 1
    assert code == grpc.StatusCode.ABORTED
    assert "expected_version" in fields
    same = students_pb2.UpdateStudentRequest()
    same.CopyFrom(fix)
    same.expected_version = 2
    assert api.UpdateStudent(same).student.version == 2  # nothing changed: no new version
    changed = [r for r in outbox_rows(engine) if r["event_type"] == "school.students.v1.StudentDetailsChanged"]
    assert len(changed) == 1
    bad = students_pb2.UpdateStudentRequest()
    bad.CopyFrom(same)
    bad.date_of_birth = "2099-01-01"
    code, fields = failure(api.UpdateStudent, bad)
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, {"date_of_birth": "Ngày sinh không được ở tương lai"})


def test_outbox_holds_one_event_per_change(api: Any, engine: Engine) -> None:
    school_class = new_class(api)
    student = enrol(api, school_class.class_id, "Lê Thị An")
    api.UpdateStudent(
        students_pb2.UpdateStudentRequest(
            student_id=student.student_id,
            expected_version=1,
            full_name="Lê Thị Ánh",
            date_of_birth="2017-03-01",
            gender=students_pb2.GENDER_FEMALE,
        )
    )
    rows = outbox_rows(engine)
    assert [(r["event_type"], r["event_key"]) for r in rows] == [
        ("school.students.v1.SchoolYearCreated", school_class.school_year_id),
        ("school.students.v1.ClassCreated", school_class.class_id),
        ("school.students.v1.StudentEnrolled", student.student_id),
        ("school.students.v1.StudentDetailsChanged", student.student_id),
    ]
    assert {r["topic"] for r in rows} == {"school.students.v1"}
    assert {r["source"] for r in rows} == {"/schools/school-a/students"}
    assert all(r["extensions"].get("actor") == "u-1" and r["published_at"] is None for r in rows)
    enrolled = events_pb2.StudentEnrolled.FromString(rows[2]["payload"])
    assert enrolled.school_id == "school-a"
    assert (enrolled.class_name, enrolled.grade_level) == ("3B", 3)
    assert enrolled.school_year_id == school_class.school_year_id
    assert enrolled.student == student
    changed = events_pb2.StudentDetailsChanged.FromString(rows[3]["payload"])
    assert (changed.student.full_name, changed.student.version) == ("Lê Thị Ánh", 2)
