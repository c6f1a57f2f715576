"""The staff plugin's pages: "Hồ sơ CBGVNV" (list with completeness, create/edit form, Excel import and
export) and "Tổ chuyên môn" (departments).

Dates are typed and shown as dd/mm/yyyy. The citizen id (số CCCD) appears, as a value or as an
input, only for holders of identity:staff:read_sensitive; an export that includes it needs a fresh
step-up, and the step-up page brings the person back to the export form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.identity.v1 import staff_pb2
from school_gateway.authz import permission
from school_gateway.errors import GatewayError, translate
from school_gateway.i18n import gettext as _
from school_gateway.identity import convert
from school_gateway.identity.convert import EMPLOYMENT_STATUSES, GENDERS, POSITIONS, STAFF_FIELDS, label
from school_gateway.pages import FormResult, form_failure, load_form, render
from school_gateway.principal import Principal
from school_gateway.staff.common import export_refusal, may_see_sensitive, me
from school_gateway.staff.schemas import CreateDepartmentSchema, StaffFormSchema
from school_gateway.upstream import stub
from school_gateway.workbooks import UPLOAD_BODY_BYTES, max_body, read_workbook, send_workbook

bp = flask.Blueprint("staff", __name__)

# Primary grades (khối 1..5) a subject group may cover.
GRADE_CHOICES = (1, 2, 3, 4, 5)

PAGE_SIZE = 50
_TOKEN_MAX = 512
_ID_MAX = 64


def staff() -> Any:
    return stub("identity.staff")


def _empty() -> FormResult:
    return FormResult({}, {}, {})


def _departments() -> list[dict[str, Any]]:
    answer = staff().ListDepartments(staff_pb2.ListDepartmentsRequest())
    return [convert.department(d) for d in answer.departments]


def _options(table: Mapping[str, str], blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(code, label(table, code)) for code in table]


# --- List --------------------------------------------------------------------------------------------


@bp.get("/staff")
@permission("identity:staff:read")
def staff_list() -> ResponseReturnValue:
    principal = me()
    department_id = request.args.get("department_id", "")[:_ID_MAX]
    incomplete = request.args.get("incomplete") == "1"
    answer = staff().ListStaff(
        staff_pb2.ListStaffRequest(
            page_size=PAGE_SIZE,
            page_token=request.args.get("page_token", "")[:_TOKEN_MAX],
            department_id=department_id,
            incomplete_only=incomplete,
        )
    )
    departments = _departments()
    share = round(100 * answer.complete / answer.total) if answer.total else 0
    return render(
        "staff/list.html",
        records=[convert.staff_record(r, show_sensitive=False) for r in answer.records],
        next_page_token=answer.next_page_token,
        total=answer.total,
        complete=answer.complete,
        share=share,
        departments=departments,
        department_names={d["id"]: d["name"] for d in departments},
        selected_department=department_id,
        incomplete=incomplete,
        field_labels={k: translate(v) for k, v in STAFF_FIELDS.items()},
        positions={k: translate(v) for k, v in POSITIONS.items()},
        statuses={k: translate(v) for k, v in EMPLOYMENT_STATUSES.items()},
        can_write=principal.has("identity:staff:write"),
        can_import=principal.has("identity:staff:import"),
        can_export=principal.has("identity:staff:export"),
    )


# --- Create and edit ---------------------------------------------------------------------------------


def _form_values(record: dict[str, Any] | None) -> dict[str, str]:
    """A record as the form shows it (dates dd/mm/yyyy); nothing sensitive unless the record holds it."""
    if record is None:
        return {"employment_status": "active"}
    values = {k: str(v) for k, v in record.items() if isinstance(v, str)}
    for name in ("date_of_birth", "start_date"):
        value = record.get(name)
        values[name] = value.strftime("%d/%m/%Y") if value else ""
    values["version"] = str(record.get("version", 0))
    return values


def _record_page(
    principal: Principal,
    form: FormResult,
    record: dict[str, Any] | None,
    status: int = 200,
    one_time_code: str = "",
) -> ResponseReturnValue:
    values = {**_form_values(record), **form.raw}
    return render(
        "staff/form.html",
        status,
        record=record,
        form=form,
        values=values,
        departments=[("", _("No subject group"))] + [(d["id"], d["name"]) for d in _departments()],
        positions=_options(POSITIONS, _("Choose a position")),
        genders=_options(GENDERS, _("Not given")),
        statuses=[(code, translate(text)) for code, text in EMPLOYMENT_STATUSES.items()],
        show_sensitive=may_see_sensitive(principal),
        can_write=principal.has("identity:staff:write"),
        field_labels={k: translate(v) for k, v in STAFF_FIELDS.items()},
        one_time_code=one_time_code,
    )


def _load_staff_form(principal: Principal) -> FormResult:
    form = load_form(StaffFormSchema())
    if "citizen_id" in form.raw and not may_see_sensitive(principal):
        # The form never offers the field to such a person: a posted value is tampering.
        form.raw.pop("citizen_id")
        form.data.pop("citizen_id", None)
        raise GatewayError(403, "permission_denied", _("You may not enter citizen IDs."))
    return form


@bp.get("/staff/new")
@permission("identity:staff:write")
def staff_new() -> ResponseReturnValue:
    return _record_page(me(), _empty(), None)


@bp.post("/staff/new")
@permission("identity:staff:write")
def staff_create() -> ResponseReturnValue:
    principal = me()
    form = _load_staff_form(principal)
    if not form.errors:
        try:
            answer = staff().CreateStaff(
                staff_pb2.CreateStaffRequest(
                    record=convert.staff_to_proto(form.data),
                    create_account_username=form.data.get("create_account_username", ""),
                )
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            record = convert.staff_record(answer.record, show_sensitive=may_see_sensitive(principal))
            if answer.one_time_code:
                # The new account's one-time code is shown in this answer only, never again.
                return _record_page(principal, _empty(), record, 201, one_time_code=answer.one_time_code)
            return flask.redirect(url_for("staff.staff_detail", staff_id=record["id"], notice="staff_created"), 303)
    return _record_page(principal, form, None, 400)


@bp.get("/staff/<id:staff_id>")
@permission("identity:staff:read")
def staff_detail(staff_id: str) -> ResponseReturnValue:
    principal = me()
    answer = staff().GetStaff(staff_pb2.GetStaffRequest(staff_id=staff_id))
    record = convert.staff_record(answer.record, show_sensitive=may_see_sensitive(principal))
    return _record_page(principal, _empty(), record)


@bp.post("/staff/<id:staff_id>")
@permission("identity:staff:write")
def staff_update(staff_id: str) -> ResponseReturnValue:
    principal = me()
    form = _load_staff_form(principal)
    if not form.errors:
        try:
            staff().UpdateStaff(
                staff_pb2.UpdateStaffRequest(
                    record=convert.staff_to_proto(form.data, staff_id=staff_id, version=form.data.get("version", 0))
                )
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            return flask.redirect(url_for("staff.staff_detail", staff_id=staff_id, notice="staff_saved"), 303)
    current = staff().GetStaff(staff_pb2.GetStaffRequest(staff_id=staff_id)).record
    record = convert.staff_record(current, show_sensitive=may_see_sensitive(principal))
    return _record_page(principal, form, record, 400)


# --- Excel import ---------------------------------------------------------------------------------------


@bp.get("/staff/import")
@permission("identity:staff:import")
def staff_import() -> ResponseReturnValue:
    return render("staff/import.html", result=None, problem="", dry_run=True)


@bp.post("/staff/import")
@permission("identity:staff:import")
@max_body(UPLOAD_BODY_BYTES)
def staff_import_submit() -> ResponseReturnValue:
    dry_run = request.form.get("action") != "import"
    data, problem = read_workbook(request.files.get("workbook"))
    if problem:
        return render("staff/import.html", 400, result=None, problem=translate(problem), dry_run=dry_run)
    answer = staff().ImportStaff(staff_pb2.ImportStaffRequest(workbook=data, dry_run=dry_run))
    result = {
        "created": answer.created,
        "updated": answer.updated,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in answer.errors],
    }
    status = 400 if result["errors"] else 200
    return render("staff/import.html", status, result=result, problem="", dry_run=dry_run)


# --- Excel export ---------------------------------------------------------------------------------------


@bp.get("/staff/export")
@permission("identity:staff:export")
def staff_export() -> ResponseReturnValue:
    principal = me()
    return render(
        "staff/export.html",
        can_include_sensitive=may_see_sensitive(principal),
        include_sensitive=request.args.get("sensitive") == "1" and may_see_sensitive(principal),
        stepped_up=principal.stepped_up(),
    )


@bp.post("/staff/export")
@permission("identity:staff:export")
def staff_export_submit() -> ResponseReturnValue:
    principal = me()
    include_sensitive = request.form.get("include_sensitive") == "1"
    refusal = export_refusal(principal, include_sensitive)
    if refusal is not None:
        if refusal.code == "step_up_required":
            back = url_for("staff.staff_export", sensitive="1")
            return flask.redirect(url_for("core.step_up_page", next=back), 303)
        raise refusal
    answer = staff().ExportStaff(staff_pb2.ExportStaffRequest(include_sensitive=include_sensitive))
    return send_workbook(answer.workbook, answer.filename, "ho-so-cbgvnv")


# --- Tổ chuyên môn ------------------------------------------------------------------------------------------


def _departments_page(
    form: FormResult, status: int = 200, grades_form: FormResult | None = None, grades_for: str = ""
) -> ResponseReturnValue:
    return render(
        "staff/departments.html",
        status,
        departments=_departments(),
        form=form,
        grades_form=grades_form or _empty(),
        grades_for=grades_for,
        grade_choices=GRADE_CHOICES,
        can_create=me().has("identity:department:write"),
    )


@bp.get("/departments")
@permission("identity:staff:read")
def departments() -> ResponseReturnValue:
    return _departments_page(_empty())


@bp.post("/departments")
@permission("identity:department:write")
def create_department() -> ResponseReturnValue:
    form = load_form(CreateDepartmentSchema())
    if not form.errors:
        try:
            staff().CreateDepartment(staff_pb2.CreateDepartmentRequest(name=form.data["name"]))
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            return flask.redirect(url_for("staff.departments", notice="department_created"), 303)
    return _departments_page(form, 400)


@bp.post("/departments/<id:department_id>/grade-levels")
@permission("identity:department:write")
def set_department_grades(department_id: str) -> ResponseReturnValue:
    """The ticked grade levels of one subject group; none ticked clears them."""
    chosen = request.form.getlist("grade_levels")
    form = FormResult({}, {}, {"grade_levels": ",".join(chosen)})
    levels = [int(c) for c in chosen if c.isdigit() and int(c) in GRADE_CHOICES]
    if len(levels) != len(chosen):
        form.errors["grade_levels"] = _("Grade levels are 1 to 5.")
        return _departments_page(_empty(), 400, form, department_id)
    try:
        staff().SetDepartmentGrades(
            staff_pb2.SetDepartmentGradesRequest(department_id=department_id, grade_levels=levels)
        )
    except grpc.RpcError as err:
        if not form_failure(form, err):
            raise
        return _departments_page(_empty(), 400, form, department_id)
    return flask.redirect(url_for("staff.departments", notice="department_grades_saved"), 303)
