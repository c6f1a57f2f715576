"""The staff plugin's JSON API: staff records (hồ sơ CBGVNV), Excel import and export, departments (tổ chuyên môn)."""

from __future__ import annotations

from typing import Any

import flask

from school.identity.v1 import staff_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import GatewayError, translate
from school_gateway.identity import convert
from school_gateway.identity.schemas import DepartmentSchema, StaffRecordSchema
from school_gateway.schemas import ImportArgs, ImportFileSchema
from school_gateway.staff.common import export_refusal, may_see_sensitive, me, refuse_sensitive_input
from school_gateway.staff.schemas import (
    CreateDepartmentSchema,
    CreatedStaffSchema,
    CreateStaffSchema,
    DepartmentGradesSchema,
    DepartmentListSchema,
    ExportSchema,
    ImportResultSchema,
    StaffListArgs,
    StaffPageSchema,
    UpdateStaffSchema,
)
from school_gateway.upstream import stub
from school_gateway.workbooks import UPLOAD_BODY_BYTES, XLSX_MIMETYPE, max_body, read_workbook, send_workbook

blp = ApiBlueprint(
    "staff_api",
    __name__,
    url_prefix="/api/v1",
    description="Staff records (hồ sơ CBGVNV) and subject groups (tổ chuyên môn), from identity.",
)


def staff() -> Any:
    return stub("identity.staff")


@blp.route("/staff", methods=["GET"])
@permission("identity:staff:read")
@blp.arguments(StaffListArgs, location="query")
@blp.response(200, StaffPageSchema)
def list_staff(args: dict[str, Any]) -> dict[str, Any]:
    """Staff records by name, with the school-wide completeness (citizen ids are never listed)."""
    answer = staff().ListStaff(
        staff_pb2.ListStaffRequest(
            page_size=args["page_size"],
            page_token=args["page_token"],
            department_id=args["department_id"],
            incomplete_only=args["incomplete_only"],
        )
    )
    return {
        # Lists never carry citizen ids (S3: list and bulk endpoints exclude them by default).
        "items": [convert.staff_record(r, show_sensitive=False) for r in answer.records],
        "next_page_token": answer.next_page_token,
        "total": answer.total,
        "complete": answer.complete,
    }


@blp.route("/staff", methods=["POST"])
@permission("identity:staff:write")
@blp.arguments(CreateStaffSchema)
@blp.response(201, CreatedStaffSchema)
@blp.alt_response(409, response="CONFLICT")
def create_staff(body: dict[str, Any]) -> dict[str, Any]:
    """Add a staff record; with create_account_username also a sign-in account (its one-time code, once)."""
    principal = me()
    refuse_sensitive_input(body, principal)
    answer = staff().CreateStaff(
        staff_pb2.CreateStaffRequest(
            record=convert.staff_to_proto(body), create_account_username=body.get("create_account_username", "")
        )
    )
    return {
        "record": convert.staff_record(answer.record, show_sensitive=may_see_sensitive(principal)),
        "one_time_code": answer.one_time_code,
    }


@blp.route("/staff/<id:staff_id>", methods=["GET"])
@permission("identity:staff:read")
@blp.response(200, StaffRecordSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_staff(staff_id: str) -> dict[str, Any]:
    """One staff record; citizen_id only for holders of identity:staff:read_sensitive."""
    answer = staff().GetStaff(staff_pb2.GetStaffRequest(staff_id=staff_id))
    return convert.staff_record(answer.record, show_sensitive=may_see_sensitive(me()))


@blp.route("/staff/<id:staff_id>", methods=["PUT"])
@permission("identity:staff:write")
@blp.arguments(UpdateStaffSchema)
@blp.response(200, StaffRecordSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_staff(body: dict[str, Any], staff_id: str) -> dict[str, Any]:
    """Replace a record's editable fields (send the version last read; 409 when someone changed it meanwhile)."""
    principal = me()
    refuse_sensitive_input(body, principal)
    answer = staff().UpdateStaff(
        staff_pb2.UpdateStaffRequest(record=convert.staff_to_proto(body, staff_id=staff_id, version=body["version"]))
    )
    return convert.staff_record(answer.record, show_sensitive=may_see_sensitive(principal))


@blp.route("/staff/import", methods=["POST"])
@permission("identity:staff:import")
@max_body(UPLOAD_BODY_BYTES)
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportResultSchema)
def import_staff(args: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    """Import an .xlsx in identity's template: every row or none is written; errors name row and column."""
    data, problem = read_workbook(files.get("workbook"))
    if problem:
        message = translate(problem)
        raise GatewayError(400, "invalid_argument", message, {"workbook": message})
    answer = staff().ImportStaff(staff_pb2.ImportStaffRequest(workbook=data, dry_run=args["dry_run"]))
    errors = [{"row": e.row, "column": e.column, "message": e.message} for e in answer.errors]
    return {
        "dry_run": args["dry_run"],
        "written": not errors and not args["dry_run"],
        "created": answer.created,
        "updated": answer.updated,
        "errors": errors,
    }


@blp.route("/staff/export", methods=["POST"])
@permission("identity:staff:export")
@blp.arguments(ExportSchema)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
@blp.alt_response(403, response="FORBIDDEN")
def export_staff(body: dict[str, Any]) -> flask.Response:
    """Every staff record as .xlsx; include_sensitive (citizen ids) needs the capability and a fresh step-up."""
    refusal = export_refusal(me(), body["include_sensitive"])
    if refusal is not None:
        raise refusal
    answer = staff().ExportStaff(staff_pb2.ExportStaffRequest(include_sensitive=body["include_sensitive"]))
    return send_workbook(answer.workbook, answer.filename, "ho-so-cbgvnv")


@blp.route("/departments", methods=["GET"])
@permission("identity:staff:read")
@blp.response(200, DepartmentListSchema)
def list_departments() -> dict[str, Any]:
    """The school's subject groups (tổ chuyên môn), by name."""
    answer = staff().ListDepartments(staff_pb2.ListDepartmentsRequest())
    return {"items": [convert.department(d) for d in answer.departments]}


@blp.route("/departments", methods=["POST"])
@permission("identity:department:write")
@blp.arguments(CreateDepartmentSchema)
@blp.response(201, DepartmentSchema)
@blp.alt_response(409, response="CONFLICT")
def create_department(body: dict[str, Any]) -> dict[str, Any]:
    """Add a subject group (409 when the name is taken)."""
    answer = staff().CreateDepartment(staff_pb2.CreateDepartmentRequest(name=body["name"]))
    return convert.department(answer.department)


@blp.route("/departments/<id:department_id>/grade-levels", methods=["PUT"])
@permission("identity:department:write")
@blp.arguments(DepartmentGradesSchema)
@blp.response(200, DepartmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def set_department_grades(body: dict[str, Any], department_id: str) -> dict[str, Any]:
    """Set the grade levels (khối) a subject group covers: its head (TTCM) then reads those classes."""
    answer = staff().SetDepartmentGrades(
        staff_pb2.SetDepartmentGradesRequest(department_id=department_id, grade_levels=body["grade_levels"])
    )
    return convert.department(answer.department)
