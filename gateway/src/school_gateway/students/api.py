"""The students plugin's JSON API: school years, classes, class lists and enrolment (students service)."""

from __future__ import annotations

from typing import Any

import grpc

from school.students.v1 import students_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import from_rpc_error
from school_gateway.i18n import gettext as _
from school_gateway.schemas import PageArgs
from school_gateway.students import convert
from school_gateway.students.homeroom import homeroom_teachers
from school_gateway.students.schemas import (
    ClassListArgs,
    ClassPageSchema,
    ClassSchema,
    CreateClassSchema,
    CreateSchoolYearSchema,
    EnrolStudentSchema,
    IdempotencyHeaderSchema,
    SchoolYearPageSchema,
    SchoolYearSchema,
    StudentPageSchema,
    StudentSchema,
    StudentSearchArgs,
    StudentSearchPageSchema,
)
from school_gateway.students.structure_api import name_taken, semester_message
from school_gateway.upstream import stub

blp = ApiBlueprint(
    "students_api",
    __name__,
    url_prefix="/api/v1",
    description="School years, classes and students, from the students service.",
)


def students() -> Any:
    return stub("students")


@blp.route("/school-years", methods=["GET"])
@permission("students:school_year:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, SchoolYearPageSchema)
def list_school_years(args: dict[str, Any]) -> dict[str, Any]:
    """The school's years, newest first."""
    answer = students().ListSchoolYears(
        students_pb2.ListSchoolYearsRequest(page_size=args["page_size"], page_token=args["page_token"])
    )
    return {"items": [convert.school_year(y) for y in answer.school_years], "next_page_token": answer.next_page_token}


@blp.route("/school-years", methods=["POST"])
@permission("students:school_year:write")
@blp.arguments(CreateSchoolYearSchema)
@blp.response(201, SchoolYearSchema)
@blp.alt_response(409, response="CONFLICT")
def create_school_year(body: dict[str, Any]) -> dict[str, Any]:
    """Open a school year (năm học)."""
    try:
        answer = students().CreateSchoolYear(
            students_pb2.CreateSchoolYearRequest(
                name=body["name"],
                start_date=body["start_date"].isoformat(),
                end_date=body["end_date"].isoformat(),
                hk1=semester_message(body.get("hk1")),
                hk2=semester_message(body.get("hk2")),
            )
        )
    except grpc.RpcError as err:
        raise name_taken(err) or err from None
    return convert.school_year(answer.school_year)


@blp.route("/classes", methods=["GET"])
@permission("students:class:read")
@blp.arguments(ClassListArgs, location="query")
@blp.response(200, ClassPageSchema)
def list_classes(args: dict[str, Any]) -> dict[str, Any]:
    """Classes of one school year (school_year_id) or of every year, by grade level then name."""
    answer = students().ListClasses(
        students_pb2.ListClassesRequest(
            school_year_id=args["school_year_id"], page_size=args["page_size"], page_token=args["page_token"]
        )
    )
    return {"items": [convert.school_class(c) for c in answer.classes], "next_page_token": answer.next_page_token}


@blp.route("/classes", methods=["POST"])
@permission("students:class:write")
@blp.arguments(CreateClassSchema)
@blp.response(201, ClassSchema)
@blp.alt_response(409, response="CONFLICT")
def create_class(body: dict[str, Any]) -> dict[str, Any]:
    """Open a class (lớp) in a school year."""
    try:
        answer = students().CreateClass(
            students_pb2.CreateClassRequest(
                school_year_id=body["school_year_id"],
                name=body["name"],
                grade_level=body["grade_level"],
                max_size=body["max_size"],
                room=body["room"],
            )
        )
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.NOT_FOUND:
            raise from_rpc_error(err, {"school_year_id": _("This school year does not exist.")}) from None
        raise name_taken(err) or err from None
    return convert.school_class(answer.school_class)


@blp.route("/classes/<id:class_id>", methods=["GET"])
@permission("students:class:read")
@blp.response(200, ClassSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_class(class_id: str) -> dict[str, Any]:
    """One class with its current size (sĩ số)."""
    answer = students().GetClass(students_pb2.GetClassRequest(class_id=class_id))
    found = convert.school_class(answer.school_class)
    teachers = homeroom_teachers(answer.school_class.school_year_id, [class_id])
    if teachers is not None:
        found["homeroom_teachers"] = teachers.get(class_id, [])
    return found


@blp.route("/classes/<id:class_id>/students", methods=["GET"])
@permission("students:student:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, StudentPageSchema)
def list_class_students(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """The class list from the student register, by name."""
    answer = students().ListStudents(
        students_pb2.ListStudentsRequest(class_id=class_id, page_size=args["page_size"], page_token=args["page_token"])
    )
    return {"items": [convert.student(s) for s in answer.students], "next_page_token": answer.next_page_token}


@blp.route("/students", methods=["POST"])
@permission("students:student:write")
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(EnrolStudentSchema)
@blp.response(201, StudentSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def enrol_student(headers: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Register a student and enrol them in a class (one transaction, one event for the other services)."""
    request = students_pb2.EnrollStudentRequest(
        class_id=body["class_id"],
        full_name=body["full_name"],
        date_of_birth=body["date_of_birth"].isoformat(),
        gender=convert.gender_to_proto(body["gender"]),
        student_code=body.get("student_code", ""),
        idempotency_key=headers["idempotency_key"],
    )
    try:
        answer = students().EnrollStudent(request)
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.NOT_FOUND:
            raise from_rpc_error(err, {"class_id": _("This class does not exist.")}) from None
        raise
    return convert.student(answer.student)


@blp.route("/students/search", methods=["GET"])
@permission("students:student:read")
@blp.arguments(StudentSearchArgs, location="query")
@blp.response(200, StudentSearchPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def search_students(args: dict[str, Any]) -> dict[str, Any]:
    """Find students by name (with or without diacritics) or exact code, optionally in one class or year.

    Sorted like a class list (given name first). A teacher without a school-wide duty finds only
    students of their own classes.
    """
    answer = students().SearchStudents(
        students_pb2.SearchStudentsRequest(
            query=args["q"],
            class_id=args["class_id"],
            school_year_id=args["school_year_id"],
            page_size=args["page_size"],
            page_token=args["page_token"],
        )
    )
    return {"items": [convert.found_student(s) for s in answer.students], "next_page_token": answer.next_page_token}


@blp.route("/students/<id:student_id>", methods=["GET"])
@permission("students:student:read")
@blp.response(200, StudentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_student(student_id: str) -> dict[str, Any]:
    """One student from the register."""
    answer = students().GetStudent(students_pb2.GetStudentRequest(student_id=student_id))
    return convert.student(answer.student)
