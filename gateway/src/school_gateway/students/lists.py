"""Student lists in Excel (students service StudentListsService): the template, import, export.

Both the pages ("Nhập danh sách học sinh", "Xuất danh sách học sinh") and the JSON API live here,
since they share every rule: the gateway checks the upload looks like an .xlsx and that a bulk or
sensitive export comes after a fresh step-up; the service reads the workbook and judges the rows.
"""

from __future__ import annotations

from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_smorest.fields import Upload

from school.students.v1 import lists_pb2, students_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import N_, GatewayError, from_rpc_error, translate
from school_gateway.i18n import gettext as _
from school_gateway.identity.guards import step_up_required
from school_gateway.pages import FORM_STATUSES, render
from school_gateway.principal import Principal
from school_gateway.schemas import Boolean, ImportArgs, Integer, List, Nested, RowErrorSchema, Schema, String
from school_gateway.sessions import loaded_principal
from school_gateway.students import convert
from school_gateway.students.years import chosen_year, school_years
from school_gateway.upstream import stub
from school_gateway.workbooks import UPLOAD_BODY_BYTES, XLSX_MIMETYPE, max_body, read_workbook, send_workbook

IMPORT = "students:student:import"
EXPORT = "students:student:export"
SENSITIVE = "students:student:read_sensitive"
FALLBACK_NAME = "danh-sach-hoc-sinh"

bp = flask.Blueprint("student_lists", __name__)
blp = ApiBlueprint(
    "student_lists_api",
    __name__,
    url_prefix="/api/v1",
    description="Student lists as Excel workbooks: the template, import (all rows or none) and export.",
)


def lists() -> Any:
    return stub("students.lists")


def me() -> Principal:
    principal = loaded_principal()
    assert principal is not None  # every route here requires a permission, so a session exists
    return principal


def export_refusal(principal: Principal, include_sensitive: bool, whole_school: bool) -> GatewayError | None:
    """Why this export may not run now; None when it may (the service checks the same again)."""
    if include_sensitive and not principal.has(SENSITIVE):
        return GatewayError(403, "permission_denied", _("You may not export students' sensitive information."))
    if (include_sensitive or whole_school) and not principal.stepped_up():
        return step_up_required()
    return None


# --- Schemas ------------------------------------------------------------------------------------------


class ImportFormSchema(Schema):
    school_year_id = String(load_default="", metadata={"description": "The school year of the classes."})
    class_id = String(
        load_default="", metadata={"description": "Put every row into this class; empty: column «Lớp» names it."}
    )


class ImportUploadSchema(ImportFormSchema):
    # Documents the file part of the multipart body; the view reads it with read_workbook, which
    # checks size and format before anything reaches the service.
    workbook = Upload(metadata={"label": N_("Excel file"), "description": ".xlsx, at most 5 MB."})


class ClassCountSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    added = Integer(required=True)
    size_after = Integer(required=True)


class StudentImportResultSchema(Schema):
    dry_run = Boolean(required=True)
    written = Boolean(required=True, metadata={"description": "false when any row is invalid or on a dry run."})
    created = Integer(required=True)
    rows = Integer(required=True)
    errors = List(Nested(RowErrorSchema), required=True)
    classes = List(Nested(ClassCountSchema), required=True)


class StudentExportSchema(Schema):
    school_year_id = String(load_default="", metadata={"description": "Every class of this year (step-up)."})
    class_id = String(load_default="", metadata={"description": "One class; takes precedence over the year."})
    include_sensitive = Boolean(
        load_default=False,
        metadata={
            "label": N_("Include sensitive information"),
            "description": "Citizen ids, addresses, family and policy data: needs "
            "students:student:read_sensitive and a recent step-up.",
        },
    )


def _import(workbook: bytes, school_year_id: str, class_id: str, dry_run: bool) -> dict[str, Any]:
    answer = lists().ImportStudents(
        lists_pb2.ImportStudentsRequest(
            school_year_id=school_year_id, class_id=class_id, workbook=workbook, dry_run=dry_run
        )
    )
    errors = [{"row": e.row, "column": e.column, "message": e.message} for e in answer.errors]
    return {
        "dry_run": dry_run,
        "written": not errors and not dry_run,
        "created": answer.created,
        "rows": answer.rows,
        "errors": errors,
        "classes": [
            {"class_id": c.class_id, "class_name": c.class_name, "added": c.added, "size_after": c.size_after}
            for c in answer.classes
        ],
    }


def _export(school_year_id: str, class_id: str, include_sensitive: bool) -> flask.Response:
    answer = lists().ExportStudents(
        lists_pb2.ExportStudentsRequest(
            school_year_id=school_year_id, class_id=class_id, include_sensitive=include_sensitive
        )
    )
    return send_workbook(answer.workbook, answer.filename, FALLBACK_NAME)


# --- JSON API -----------------------------------------------------------------------------------------


@blp.route("/students/import-template", methods=["GET"])
@permission(IMPORT)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
def api_template() -> flask.Response:
    """The empty import template (sheet HocSinh, a guide and the reference lists)."""
    answer = lists().GetImportTemplate(lists_pb2.GetImportTemplateRequest())
    return send_workbook(answer.workbook, answer.filename, "mau-danh-sach-hoc-sinh")


@blp.route("/students/import", methods=["POST"])
@permission(IMPORT)
@max_body(UPLOAD_BODY_BYTES)
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportUploadSchema, location="form", content_type="multipart/form-data")
@blp.response(200, StudentImportResultSchema)
def api_import(args: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """Import a class or school list (multipart file "workbook"): every row or none; errors name row and column."""
    data, problem = read_workbook(request.files.get("workbook"))
    if problem:
        message = translate(problem)
        raise GatewayError(400, "invalid_argument", message, {"workbook": message})
    return _import(data, form["school_year_id"], form["class_id"], args["dry_run"])


@blp.route("/students/export", methods=["POST"])
@permission(EXPORT)
@blp.arguments(StudentExportSchema)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
@blp.alt_response(403, response="FORBIDDEN")
def api_export(body: dict[str, Any]) -> flask.Response:
    """A class list, or every class of a year, as .xlsx in the import template's layout."""
    refusal = export_refusal(me(), body["include_sensitive"], not body["class_id"])
    if refusal is not None:
        raise refusal
    return _export(body["school_year_id"], body["class_id"], body["include_sensitive"])


# --- Pages --------------------------------------------------------------------------------------------


def _years_and_classes(selected_year: str) -> tuple[list[dict[str, Any]], str, list[dict[str, Any]]]:
    years = school_years()
    year = chosen_year(years, selected_year)
    classes = (
        [
            convert.school_class(c)
            for c in stub("students")
            .ListClasses(students_pb2.ListClassesRequest(school_year_id=year, page_size=200))
            .classes
        ]
        if year
        else []
    )
    return years, year, classes


def _import_page(status: int = 200, **context: Any) -> ResponseReturnValue:
    years, year, classes = _years_and_classes(
        context.pop("school_year_id", "") or request.args.get("school_year_id", "")
    )
    context.setdefault("result", None)
    context.setdefault("problem", "")
    context.setdefault("dry_run", True)
    context.setdefault("class_id", request.args.get("class_id", ""))
    return render("students/lists_import.html", status, years=years, selected_year=year, classes=classes, **context)


@bp.get("/students/import")
@permission(IMPORT)
def import_page() -> ResponseReturnValue:
    return _import_page()


@bp.get("/students/import-template")
@permission(IMPORT)
def template_download() -> ResponseReturnValue:
    answer = lists().GetImportTemplate(lists_pb2.GetImportTemplateRequest())
    return send_workbook(answer.workbook, answer.filename, "mau-danh-sach-hoc-sinh")


@bp.post("/students/import")
@permission(IMPORT)
@max_body(UPLOAD_BODY_BYTES)
def import_submit() -> ResponseReturnValue:
    dry_run = request.form.get("action") != "import"
    year_id = request.form.get("school_year_id", "")[:64]
    class_id = request.form.get("class_id", "")[:64]
    data, problem = read_workbook(request.files.get("workbook"))
    if problem:
        return _import_page(400, problem=translate(problem), dry_run=dry_run, school_year_id=year_id, class_id=class_id)
    try:
        result = _import(data, year_id, class_id, dry_run)
    except grpc.RpcError as err:
        # A refused choice (no such year or class, a class of another year) belongs on the form.
        if not isinstance(err, grpc.Call) or err.code() not in FORM_STATUSES:
            raise
        refused = from_rpc_error(err)
        problem = "; ".join(refused.fields.values()) or refused.message
        return _import_page(refused.status, problem=problem, dry_run=dry_run, school_year_id=year_id, class_id=class_id)
    status = 400 if result["errors"] else 200
    return _import_page(status, result=result, dry_run=dry_run, school_year_id=year_id, class_id=class_id)


@bp.get("/students/export")
@permission(EXPORT)
def export_page() -> ResponseReturnValue:
    principal = me()
    years, year, classes = _years_and_classes(request.args.get("school_year_id", ""))
    return render(
        "students/lists_export.html",
        years=years,
        selected_year=year,
        classes=classes,
        class_id=request.args.get("class_id", ""),
        can_include_sensitive=principal.has(SENSITIVE),
        include_sensitive=request.args.get("sensitive") == "1" and principal.has(SENSITIVE),
        school_wide=principal.caller().school_wide,
        stepped_up=principal.stepped_up(),
    )


@bp.post("/students/export")
@permission(EXPORT)
def export_submit() -> ResponseReturnValue:
    year_id = request.form.get("school_year_id", "")[:64]
    class_id = request.form.get("class_id", "")[:64]
    include_sensitive = request.form.get("include_sensitive") == "1"
    refusal = export_refusal(me(), include_sensitive, not class_id)
    if refusal is not None:
        if refusal.code == "step_up_required":
            back = url_for(
                "student_lists.export_page",
                school_year_id=year_id,
                class_id=class_id,
                sensitive="1" if include_sensitive else "",
            )
            return flask.redirect(url_for("core.step_up_page", next=back), 303)
        raise refusal
    return _export(year_id, class_id, include_sensitive)
