"""The student record's JSON API (StudentRecordsService): record, guardians, parent accounts,
completeness per class and per school, a parent's children, and the reference lists."""

from __future__ import annotations

from typing import Any

import grpc

from school.students.v1 import records_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import from_rpc_error, normalise_fields, rpc_code
from school_gateway.students import convert
from school_gateway.students import records_convert as rc
from school_gateway.students.records_schemas import (
    AddGuardianSchema,
    ChildrenSchema,
    ClassCompletenessSchema,
    GuardianSchema,
    LinkAccountSchema,
    RecordReferenceSchema,
    SchoolCompletenessSchema,
    StudentRecordSchema,
    UpdateGuardianSchema,
    UpdateRecordSchema,
)
from school_gateway.upstream import stub
from schoolkit.grpc_errors import field_violations

blp = ApiBlueprint(
    "student_records_api",
    __name__,
    url_prefix="/api/v1",
    description="The student record (hồ sơ học sinh), guardians and start-of-year completeness (students service).",
)


class _Records:
    """The StudentRecordsService stub, with the field of a duplicate or stale refusal kept (409)."""

    def __getattr__(self, rpc: str) -> Any:
        method = getattr(stub("students.records"), rpc)

        def call(request: Any) -> Any:
            try:
                return method(request)
            except grpc.RpcError as err:
                if rpc_code(err) in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.ABORTED):
                    raise from_rpc_error(err, normalise_fields(field_violations(err))) from None
                raise

        return call


def records() -> Any:
    return _Records()


@blp.route("/students/<id:student_id>/record", methods=["GET"])
@permission("students:student:read")
@blp.response(200, StudentRecordSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_record(student_id: str) -> dict[str, Any]:
    """The student's record, guardians and enrolment history, with the fields the caller may see.

    Family, citizen ID, religion, addresses, policy and disability are returned only to the
    homeroom teacher of the class, school-wide staff holding students:student:read_sensitive,
    and the student's own parent (citizen ID masked for parents).
    """
    answer = records().GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=student_id))
    return rc.record(answer)


@blp.route("/students/<id:student_id>/record", methods=["PUT"])
@permission("students:student:write")
@blp.arguments(UpdateRecordSchema)
@blp.response(200, StudentRecordSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_record(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Replace the record's fields (send the version read; 409 when someone saved in between)."""
    answer = records().UpdateStudentRecord(
        records_pb2.UpdateStudentRecordRequest(
            student_id=student_id,
            expected_version=body["expected_version"],
            full_name=body["full_name"],
            date_of_birth=body["date_of_birth"].isoformat(),
            gender=convert.gender_to_proto(body["gender"]),
            record=rc.record_fields_in(body),
        )
    )
    return rc.record(answer.record)


@blp.route("/students/<id:student_id>/guardians", methods=["POST"])
@permission("students:student:write")
@blp.arguments(AddGuardianSchema)
@blp.response(201, GuardianSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def add_guardian(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Add a guardian, or link a sibling's guardian (guardian_id) with a relation."""
    answer = records().AddGuardian(
        records_pb2.AddGuardianRequest(
            student_id=student_id, guardian=rc.guardian_in(body), guardian_id=body.get("guardian_id", "")
        )
    )
    return rc.guardian(answer.guardian)


@blp.route("/students/<id:student_id>/guardians/<id:guardian_id>", methods=["PUT"])
@permission("students:student:write")
@blp.arguments(UpdateGuardianSchema)
@blp.response(200, GuardianSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_guardian(body: dict[str, Any], student_id: str, guardian_id: str) -> dict[str, Any]:
    """Correct a guardian's contacts and relation (send the guardian's version)."""
    answer = records().UpdateGuardian(
        records_pb2.UpdateGuardianRequest(
            student_id=student_id,
            guardian_id=guardian_id,
            expected_version=body["expected_version"],
            guardian=rc.guardian_in(body),
        )
    )
    return rc.guardian(answer.guardian)


@blp.route("/students/<id:student_id>/guardians/<id:guardian_id>", methods=["DELETE"])
@permission("students:student:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def remove_guardian(student_id: str, guardian_id: str) -> None:
    """Remove a guardian from this student (they stay for the student's siblings); idempotent."""
    records().RemoveGuardian(records_pb2.RemoveGuardianRequest(student_id=student_id, guardian_id=guardian_id))


@blp.route("/students/<id:student_id>/guardians/<id:guardian_id>/account", methods=["PUT"])
@permission("students:guardian:link")
@blp.arguments(LinkAccountSchema)
@blp.response(200, GuardianSchema)
@blp.alt_response(404, response="NOT_FOUND")
def link_account(body: dict[str, Any], student_id: str, guardian_id: str) -> dict[str, Any]:
    """Let a parent account (CMHS) sign in as this guardian: it then sees this guardian's children."""
    answer = records().LinkGuardianAccount(
        records_pb2.LinkGuardianAccountRequest(
            student_id=student_id, guardian_id=guardian_id, parent_account_id=body["parent_account_id"]
        )
    )
    return rc.guardian(answer.guardian)


@blp.route("/students/<id:student_id>/guardians/<id:guardian_id>/account", methods=["DELETE"])
@permission("students:guardian:link")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def unlink_account(student_id: str, guardian_id: str) -> None:
    """End the guardian's link to a parent account (idempotent)."""
    records().UnlinkGuardianAccount(
        records_pb2.UnlinkGuardianAccountRequest(student_id=student_id, guardian_id=guardian_id)
    )


@blp.route("/classes/<id:class_id>/record-completeness", methods=["GET"])
@permission("students:student:read")
@blp.response(200, ClassCompletenessSchema)
@blp.alt_response(404, response="NOT_FOUND")
def class_completeness(class_id: str) -> dict[str, Any]:
    """Rà soát hồ sơ: for each student of the class, the required fields still missing, and the share complete."""
    answer = records().GetClassCompleteness(records_pb2.GetClassCompletenessRequest(class_id=class_id))
    return rc.class_completeness(answer)


@blp.route("/school-years/<id:school_year_id>/record-completeness", methods=["GET"])
@permission("students:student:read")
@blp.response(200, SchoolCompletenessSchema)
@blp.alt_response(404, response="NOT_FOUND")
def school_completeness(school_year_id: str) -> dict[str, Any]:
    """The completeness of every class of a school year (school-wide staff)."""
    answer = records().GetSchoolCompleteness(records_pb2.GetSchoolCompletenessRequest(school_year_id=school_year_id))
    return rc.school_completeness(answer)


@blp.route("/my-children", methods=["GET"])
@permission("students:student:read")
@blp.response(200, ChildrenSchema)
def my_children() -> dict[str, Any]:
    """Con của tôi: the students the signed-in parent is a guardian of."""
    answer = records().ListMyChildren(records_pb2.ListMyChildrenRequest())
    return {"items": [convert.student(s) for s in answer.students]}


@blp.route("/student-record-reference", methods=["GET"])
@permission("students:student:read")
@blp.response(200, RecordReferenceSchema)
def reference() -> dict[str, Any]:
    """Reference lists for record forms: ethnic groups, provinces, policy categories, disabilities, relations."""
    return rc.reference(records().GetRecordReference(records_pb2.GetRecordReferenceRequest()))
