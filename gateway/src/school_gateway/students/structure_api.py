"""The school-structure JSON API: read and edit a school year (dates, semesters) and edit a class."""

from __future__ import annotations

from typing import Any

import grpc

from school.students.v1 import students_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import GatewayError, from_rpc_error
from school_gateway.students import convert
from school_gateway.students.schemas import ClassSchema, SchoolYearSchema
from school_gateway.students.structure_schemas import UpdateClassSchema, UpdateSchoolYearSchema
from school_gateway.upstream import stub

blp = ApiBlueprint(
    "structure_api",
    __name__,
    url_prefix="/api/v1",
    description="School structure: school years with their semesters, and class details (students service).",
)


def students() -> Any:
    return stub("students")


def semester_message(body: dict[str, Any] | None) -> students_pb2.Semester:
    if not body:
        return students_pb2.Semester()
    return students_pb2.Semester(
        start_date=body["start_date"].isoformat(),
        end_date=body["end_date"].isoformat(),
        teaching_weeks=body.get("teaching_weeks", 0),
    )


@blp.route("/school-years/<id:school_year_id>", methods=["GET"])
@permission("students:school_year:read")
@blp.response(200, SchoolYearSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_school_year(school_year_id: str) -> dict[str, Any]:
    """One school year with its semesters (HK I, HK II) and version."""
    answer = students().GetSchoolYear(students_pb2.GetSchoolYearRequest(school_year_id=school_year_id))
    return convert.school_year(answer.school_year)


@blp.route("/school-years/<id:school_year_id>", methods=["PUT"])
@permission("students:school_year:write")
@blp.arguments(UpdateSchoolYearSchema)
@blp.response(200, SchoolYearSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_school_year(body: dict[str, Any], school_year_id: str) -> dict[str, Any]:
    """Change a year's dates and semesters (the name stays). Without hk1 and hk2 the stored
    semesters are kept and must still fit. 409 when ``version`` is stale."""
    answer = students().UpdateSchoolYear(
        students_pb2.UpdateSchoolYearRequest(
            school_year_id=school_year_id,
            expected_version=body["version"],
            start_date=body["start_date"].isoformat(),
            end_date=body["end_date"].isoformat(),
            hk1=semester_message(body.get("hk1")),
            hk2=semester_message(body.get("hk2")),
        )
    )
    return convert.school_year(answer.school_year)


@blp.route("/classes/<id:class_id>", methods=["PUT"])
@permission("students:class:write")
@blp.arguments(UpdateClassSchema)
@blp.response(200, ClassSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_class(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Change a class's name, room and size limit (never below its current size, at most the
    school's configured limit; the grade level stays). 409 when ``version`` is stale or the name is taken."""
    try:
        answer = students().UpdateClass(
            students_pb2.UpdateClassRequest(
                class_id=class_id,
                expected_version=body["version"],
                name=body["name"],
                room=body["room"],
                max_size=body["max_size"],
            )
        )
    except grpc.RpcError as err:
        raise name_taken(err) or err from None
    return convert.school_class(answer.school_class)


def name_taken(err: grpc.RpcError) -> GatewayError | None:
    """A taken name (ALREADY_EXISTS: year or class) as a 409 naming the field, with the service's message."""
    if isinstance(err, grpc.Call) and err.code() == grpc.StatusCode.ALREADY_EXISTS:
        return from_rpc_error(err, {"name": err.details() or ""})
    return None
