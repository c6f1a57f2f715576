"""Pages of student movements: a student's history and actions, transfer-in, the report, the dossier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import flask
import grpc
import marshmallow as ma
from flask import request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import validate

from school.students.v1 import movements_pb2, students_pb2
from school_gateway.authz import permission
from school_gateway.errors import N_, GatewayError, field_errors
from school_gateway.i18n import gettext as _
from school_gateway.pages import NOTICES, FormResult, form_failure, load_form, render
from school_gateway.schemas import Boolean, Schema, String, Text, VnDate
from school_gateway.sessions import loaded_principal
from school_gateway.students import convert
from school_gateway.students.movements_api import (
    delete_request,
    dropout_request,
    handover_request,
    merge_request,
    placement_fields,
    repeat_request,
    roll_over_result,
    transfer_in_request,
    transfer_out_request,
)
from school_gateway.students.movements_convert import movement, report
from school_gateway.students.movements_schemas import (
    DOCUMENTS,
    DropoutSchema,
    MovementPlacementSchema,
    TransferInSchema,
    TransferOutSchema,
)
from school_gateway.students.years import chosen_year, school_years
from school_gateway.upstream import stub

T = TypeVar("T")
bp = flask.Blueprint("movements", __name__)
NOTICES.setdefault("movement_recorded", N_("The movement was recorded."))
NOTICES.setdefault("student_deleted", N_("The student record was deleted."))
NOTICES.setdefault("students_merged", N_("The two records were merged."))

ACTIONS = {
    "transfer-out": (N_("Transfer to another school"), "TRANSFER_OUT"),
    "dropout": (N_("Drop out"), "DROPOUT"),
    "return": (N_("Return to school"), "RETURN"),
    "class-change": (N_("Change class"), "CLASS_CHANGE"),
}
FORM_ENDPOINTS = {
    "repeat": "movements.repeat_form",
    "delete": "movements.delete_form",
    "merge": "movements.merge_form",
    "transfer-out": "movements.transfer_out_form",
    "dropout": "movements.dropout_form",
    "return": "movements.return_form",
    "class-change": "movements.class_change_form",
}
POST_ENDPOINTS = {
    "transfer-out": "movements.transfer_out",
    "dropout": "movements.dropout",
    "return": "movements.return_to_school",
    "class-change": "movements.class_change",
}
KIND_LABELS = {
    "TRANSFER_IN": N_("Transferred in"),
    "TRANSFER_OUT": N_("Transferred out"),
    "DROPOUT": N_("Dropped out"),
    "WITHDRAWAL": N_("Withdrawn"),
    "RETURN": N_("Returned"),
    "CLASS_CHANGE": N_("Class changed"),
    "ROLL_OVER": N_("Rolled over"),
    "COMPLETION": N_("Completed primary school"),
}
STATUS_LABELS = {
    "DANG_HOC": N_("Enrolled"),
    "CHUYEN_DI": N_("Transferred out"),
    "NGHI_HOC_TAM_THOI": N_("On temporary leave"),
    "BO_HOC": N_("Dropped out"),
    "THOI_HOC": N_("Withdrawn"),
    "HOAN_THANH_TIEU_HOC": N_("Completed primary school"),
}
DOCUMENT_LABELS = {
    "DON_XIN_CHUYEN_TRUONG": N_("Transfer application (with the receiving school's agreement)"),
    "HOC_BA": N_("School record (học bạ)"),
    "TIEN_DO_VA_KET_QUA": N_("Programme progress and summary of results"),
    "KE_HOACH_GIAO_DUC_CA_NHAN": N_("Individual education plan (if any)"),
}


# Forms take dates as dd/mm/yyyy; checkboxes arrive as "on".
class TransferOutForm(TransferOutSchema):
    effective_date = VnDate(required=True, metadata={"label": N_("Effective date")})  # type: ignore[assignment]
    application_received_on = VnDate(required=True, metadata={"label": N_("Application received on")})  # type: ignore[assignment]
    handed_over_on = VnDate(load_default=None, allow_none=True, metadata={"label": N_("Documents handed over on")})  # type: ignore[assignment]
    # The checked documents are read from the form's list, see _documents().
    documents = String(load_default="")  # type: ignore[assignment]
    receiving_school_agreed = Boolean(load_default=False, truthy={"on", "true", "1"})


class DropoutForm(DropoutSchema):
    effective_date = VnDate(required=True, metadata={"label": N_("Effective date")})  # type: ignore[assignment]
    withdrawal = Boolean(load_default=False, truthy={"on", "true", "1"})


class PlacementForm(MovementPlacementSchema):
    effective_date = VnDate(required=True, metadata={"label": N_("Effective date")})  # type: ignore[assignment]


class TransferInForm(TransferInSchema):
    effective_date = VnDate(required=True, metadata={"label": N_("Effective date")})  # type: ignore[assignment]
    date_of_birth = VnDate(load_default=None, metadata={"label": N_("Date of birth")})  # type: ignore[assignment]
    documents = String(load_default="")  # type: ignore[assignment]


class ReportForm(Schema):
    school_year_id = String(load_default="", validate=validate.Length(max=64, error=N_("Too long.")))
    period_from = VnDate(load_default=None, metadata={"label": N_("From")})
    period_to = VnDate(load_default=None, metadata={"label": N_("To")})
    view = Text(load_default="")


def movements() -> Any:
    return stub("students.movements")


def _may(name: str) -> bool:
    principal = loaded_principal()
    return principal is not None and principal.has(name)


def _documents() -> list[str]:
    return [d for d in request.form.getlist("documents") if d in DOCUMENTS]


def _reasons(kind: str) -> list[tuple[str, str]]:
    answer = movements().ListReasons(movements_pb2.ListReasonsRequest())
    return [("", _("Choose a reason"))] + [(r.code, r.label) for r in answer.reasons if r.kind == kind]


def _class_options(year_id: str = "") -> list[tuple[str, str]]:
    if not _may("students:class:read"):
        return []
    answer = stub("students").ListClasses(students_pb2.ListClassesRequest(school_year_id=year_id, page_size=200))
    return [("", _("Choose a class"))] + [
        (c.class_id, _("%(name)s (size %(size)s/%(max)s)", name=c.name, size=c.size, max=c.max_size))
        for c in answer.classes
    ]


def _history(student_id: str) -> Any:
    try:
        return movements().GetMovementHistory(movements_pb2.GetMovementHistoryRequest(student_id=student_id))
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.NOT_FOUND:
            raise GatewayError(404, "not_found", _("This student does not exist.")) from None
        raise


def _school_years() -> list[dict[str, Any]]:
    return school_years() if _may("students:school_year:read") else []


def _document_choices() -> dict[str, Any]:
    """The documents checklist of a form: every document with its label, and those ticked when posted."""
    return {
        "documents": [(d, _(DOCUMENT_LABELS[d])) for d in DOCUMENTS],
        "checked": set(request.form.getlist("documents")) if request.method == "POST" else set(),
    }


def _submit(form: FormResult, call: Callable[[], T], not_found: str) -> T | None:
    """Send a valid form upstream. The answer; None when the form is shown again with its errors or the
    service's refusal. An object that does not exist is a 404 page saying ``not_found``."""
    if form.errors:
        return None
    try:
        return call()
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.NOT_FOUND:
            raise GatewayError(404, "not_found", not_found) from None
        if not form_failure(form, err):
            raise
        return None


def _redirect(endpoint: str, **params: Any) -> ResponseReturnValue:
    return flask.redirect(url_for(endpoint, **params), 303)


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {k: _(v) for k, v in KIND_LABELS.items()},
        "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "document_labels": {k: _(v) for k, v in DOCUMENT_LABELS.items()},
    }


# --- A student's movements --------------------------------------------------------------------


@bp.get("/students/<id:student_id>/movements")
@permission("students:movement:read")
def history(student_id: str) -> ResponseReturnValue:
    """Biến động của học sinh: status, the audit trail and the actions allowed now."""
    answer = _history(student_id)
    status = answer.status
    actions: list[tuple[str, str]] = []
    if _may("students:movement:write"):
        allowed = {
            "DANG_HOC": ["transfer-out", "dropout", "class-change"],
            "NGHI_HOC_TAM_THOI": ["transfer-out", "dropout", "return"],
            "BO_HOC": ["return"],
            "THOI_HOC": ["return"],
        }.get(status, [])
        actions = [(a, _(ACTIONS[a][0])) for a in allowed]
        if status == "DANG_HOC":
            actions.append(("repeat", _("Repeat the grade")))
    if _may("students:student:delete"):
        actions += [("delete", _("Delete record entered by mistake")), ("merge", _("Merge a duplicate record"))]
    return render(
        "students/movements_history.html",
        student=convert.student(answer.student),
        student_status=status,
        transferred_in=answer.transferred_in,
        movements=[movement(m) for m in answer.movements],
        actions=actions,
        action_endpoints=FORM_ENDPOINTS,
        **_labels(),
    )


def _action_page(student_id: str, action: str, form: FormResult, status: int = 200) -> ResponseReturnValue:
    answer = _history(student_id)
    title, kind = ACTIONS[action]
    if action == "dropout" and form.raw.get("withdrawal"):
        kind = "WITHDRAWAL"
    reasons = _reasons(kind)
    if action == "dropout":
        reasons += [(r, t) for r, t in _reasons("WITHDRAWAL")[1:] if (r, t) not in reasons]
    return render(
        "students/movements_action.html",
        status,
        student=convert.student(answer.student),
        action=action,
        action_endpoint=POST_ENDPOINTS[action],
        title=_(title),
        reasons=reasons,
        class_options=_class_options() if action in ("return", "class-change") else [],
        form=form,
        **_document_choices(),
    )


def _record(student_id: str, action: str) -> ResponseReturnValue:
    schema = {
        "transfer-out": TransferOutForm,
        "dropout": DropoutForm,
        "return": PlacementForm,
        "class-change": PlacementForm,
    }[action]()
    form = load_form(schema)
    data = {**form.data, "documents": _documents()}

    def send() -> Any:
        if action == "transfer-out":
            return movements().TransferOut(transfer_out_request(student_id, data))
        if action == "dropout":
            return movements().RecordDropout(dropout_request(student_id, data))
        if action == "return":
            return movements().RecordReturn(movements_pb2.RecordReturnRequest(**placement_fields(student_id, data)))
        return movements().ChangeClass(movements_pb2.ChangeClassRequest(**placement_fields(student_id, data)))

    if _submit(form, send, _("The requested record was not found.")) is not None:
        return _redirect("movements.history", student_id=student_id, notice="movement_recorded")
    return _action_page(student_id, action, form, 400)


# One page per action (explicit routes, so each declares its permission on its own).
@bp.get("/students/<id:student_id>/transfer-out")
@permission("students:movement:write")
def transfer_out_form(student_id: str) -> ResponseReturnValue:
    return _action_page(student_id, "transfer-out", FormResult({}, {}, {}))


@bp.post("/students/<id:student_id>/transfer-out")
@permission("students:movement:write")
def transfer_out(student_id: str) -> ResponseReturnValue:
    return _record(student_id, "transfer-out")


@bp.get("/students/<id:student_id>/dropout")
@permission("students:movement:write")
def dropout_form(student_id: str) -> ResponseReturnValue:
    return _action_page(student_id, "dropout", FormResult({}, {}, {}))


@bp.post("/students/<id:student_id>/dropout")
@permission("students:movement:write")
def dropout(student_id: str) -> ResponseReturnValue:
    return _record(student_id, "dropout")


@bp.get("/students/<id:student_id>/return")
@permission("students:movement:write")
def return_form(student_id: str) -> ResponseReturnValue:
    return _action_page(student_id, "return", FormResult({}, {}, {}))


@bp.post("/students/<id:student_id>/return")
@permission("students:movement:write")
def return_to_school(student_id: str) -> ResponseReturnValue:
    return _record(student_id, "return")


@bp.get("/students/<id:student_id>/class-change")
@permission("students:movement:write")
def class_change_form(student_id: str) -> ResponseReturnValue:
    return _action_page(student_id, "class-change", FormResult({}, {}, {}))


@bp.post("/students/<id:student_id>/class-change")
@permission("students:movement:write")
def class_change(student_id: str) -> ResponseReturnValue:
    return _record(student_id, "class-change")


# --- Transfer in --------------------------------------------------------------------------------


def _transfer_in_page(form: FormResult, status: int = 200) -> ResponseReturnValue:
    return render(
        "students/movements_transfer_in.html",
        status,
        reasons=_reasons("TRANSFER_IN"),
        class_options=_class_options(),
        form=form,
        **_document_choices(),
    )


@bp.get("/movements/transfer-in")
@permission("students:movement:write")
def transfer_in_form() -> ResponseReturnValue:
    return _transfer_in_page(FormResult({}, {}, {}))


@bp.post("/movements/transfer-in")
@permission("students:movement:write")
def transfer_in() -> ResponseReturnValue:
    form = load_form(TransferInForm())
    answer = _submit(
        form,
        lambda: movements().TransferIn(transfer_in_request({**form.data, "documents": _documents()})),
        _("This class does not exist."),
    )
    if answer is not None:
        return _redirect("movements.history", student_id=answer.student.student_id, notice="movement_recorded")
    return _transfer_in_page(form, 400)


# --- Report ---------------------------------------------------------------------------------------


@bp.get("/movements/report")
@permission("students:movement:read")
def report_page() -> ResponseReturnValue:
    """Biến động học sinh: per class and grade over a period (default: the whole school year)."""
    raw = {k: v for k, v in request.args.items() if v.strip()}
    errors: dict[str, str] = {}
    try:
        args = ReportForm().load(raw, unknown=ma.EXCLUDE)
    except ma.ValidationError as err:
        errors = field_errors(err.messages)
        args = {"school_year_id": raw.get("school_year_id", ""), "period_from": None, "period_to": None}
    years = _school_years()
    wanted = args["school_year_id"]
    selected = chosen_year(years, wanted, otherwise=wanted)
    result: dict[str, Any] | None = None
    status = 200
    if selected and not errors:
        try:
            answer = movements().GetMovementReport(
                movements_pb2.GetMovementReportRequest(
                    school_year_id=selected,
                    period_from=args["period_from"].isoformat() if args["period_from"] else "",
                    period_to=args["period_to"].isoformat() if args["period_to"] else "",
                )
            )
        except grpc.RpcError as err:
            form = FormResult({}, {}, raw)
            if not form_failure(form, err):
                raise
            errors = form.errors or {"school_year_id": form.message}
            status = 400
        else:
            result = report(answer)
    elif errors:
        status = 400
    return render(
        "students/movements_report.html",
        status,
        years=years,
        selected_year=selected,
        period_from=raw.get("period_from", ""),
        period_to=raw.get("period_to", ""),
        errors=errors,
        report=result,
        can_transfer_in=_may("students:movement:write"),
    )


# --- Transfer dossier ---------------------------------------------------------------------------


@bp.get("/students/<id:student_id>/transfer-dossier")
@permission("students:movement:read")
def dossier(student_id: str) -> ResponseReturnValue:
    """Hồ sơ chuyển trường: a printable page of a transfer out (``movement_id``, default the latest)
    with its document checklist; a student never transferred out gets a page saying so."""
    answer = _history(student_id)
    wanted = request.args.get("movement_id", "")[:64]
    transfers = [m for m in answer.movements if m.kind == "TRANSFER_OUT"]
    found = next((m for m in transfers if m.movement_id == wanted), None) if wanted else None
    if found is None and transfers and not wanted:
        found = transfers[-1]
    if found is None and wanted:
        raise GatewayError(404, "not_found", _("The requested record was not found."))
    item = movement(found) if found is not None else None
    return _dossier_page(answer, item, FormResult({}, {}, {}))


def _dossier_page(answer: Any, item: dict[str, Any] | None, form: FormResult, status: int = 200) -> ResponseReturnValue:
    handed = set(item["documents"]) if item else set()
    overdue = bool(
        item
        and item["handed_over_on"]
        and item["handover_deadline"]
        and item["handed_over_on"] > item["handover_deadline"]
    )
    return render(
        "students/movements_dossier.html",
        status,
        student=convert.student(answer.student),
        m=item,
        form=form,
        can_record=_may("students:movement:write"),
        checklist=[(d, _(DOCUMENT_LABELS[d]), d in handed) for d in DOCUMENTS],
        today=dt.date.today(),
        overdue=overdue,
        **_labels(),
    )


# --- Repeating the grade (ở lại lớp) --------------------------------------------------------------


class RepeatForm(Schema):
    repeat = Boolean(load_default=False, truthy={"on", "true", "1"})
    note = Text(load_default="", validate=validate.Length(max=500, error=N_("At most 500 characters.")))


def _simple_page(
    template: str, student_id: str, form: FormResult, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    answer = _history(student_id)
    return render(template, status, student=convert.student(answer.student), form=form, **extra)


@bp.get("/students/<id:student_id>/repeat")
@permission("students:movement:write")
def repeat_form(student_id: str) -> ResponseReturnValue:
    return _simple_page("students/movements_repeat.html", student_id, FormResult({}, {}, {}))


@bp.post("/students/<id:student_id>/repeat")
@permission("students:movement:write")
def repeat(student_id: str) -> ResponseReturnValue:
    form = load_form(RepeatForm())
    answer = _submit(
        form,
        lambda: movements().MarkRepeat(repeat_request(student_id, form.data)),
        _("This student does not exist."),
    )
    if answer is not None:
        return _redirect("movements.history", student_id=student_id, notice="movement_recorded")
    return _simple_page("students/movements_repeat.html", student_id, form, 400)


# --- Deleting and merging records -----------------------------------------------------------------


class DeleteForm(Schema):
    reason = Text(required=True, validate=validate.Length(max=500, error=N_("At most 500 characters.")))
    confirm_student_code = Text(required=True, validate=validate.Length(max=20, error=N_("At most 20 characters.")))


class MergeForm(DeleteForm):
    merged_student_id = String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error=N_("Invalid id.")),
    )


@bp.get("/students/<id:student_id>/delete")
@permission("students:student:delete")
def delete_form(student_id: str) -> ResponseReturnValue:
    return _simple_page("students/movements_delete.html", student_id, FormResult({}, {}, {}), merge=False)


@bp.post("/students/<id:student_id>/delete")
@permission("students:student:delete")
def delete_record(student_id: str) -> ResponseReturnValue:
    form = load_form(DeleteForm())
    answer = _submit(
        form,
        lambda: movements().DeleteStudent(delete_request(student_id, form.data)),
        _("This student does not exist."),
    )
    if answer is not None:
        return _redirect("students.search", notice="student_deleted")
    return _simple_page("students/movements_delete.html", student_id, form, 400, merge=False)


@bp.get("/students/<id:student_id>/merge")
@permission("students:student:delete")
def merge_form(student_id: str) -> ResponseReturnValue:
    return _simple_page("students/movements_delete.html", student_id, FormResult({}, {}, {}), merge=True)


@bp.post("/students/<id:student_id>/merge")
@permission("students:student:delete")
def merge_records(student_id: str) -> ResponseReturnValue:
    form = load_form(MergeForm())
    answer = _submit(
        form,
        lambda: movements().MergeStudents(merge_request(student_id, form.data)),
        _("This student does not exist."),
    )
    if answer is not None:
        return _redirect("movements.history", student_id=student_id, notice="students_merged")
    return _simple_page("students/movements_delete.html", student_id, form, 400, merge=True)


# --- Year-end roll-over (kết chuyển) -------------------------------------------------------------


class RollOverForm(Schema):
    from_school_year_id = String(required=True, validate=validate.Length(max=64, error=N_("Too long.")))
    to_school_year_id = String(required=True, validate=validate.Length(max=64, error=N_("Too long.")))


def _roll_over_page(form: FormResult, status: int = 200, result: dict[str, Any] | None = None) -> ResponseReturnValue:
    years = _school_years()
    return render(
        "students/movements_roll_over.html",
        status,
        years=[(y["id"], y["name"]) for y in years],
        form=form,
        result=result,
    )


@bp.get("/roll-over")
@permission("students:school_year:write")
def roll_over_form() -> ResponseReturnValue:
    return _roll_over_page(FormResult({}, {}, {}))


@bp.post("/roll-over")
@permission("students:school_year:write")
def roll_over() -> ResponseReturnValue:
    """Kết chuyển năm học: one click per year; repeaters come from the "ở lại lớp" marks."""
    form = load_form(RollOverForm())
    answer = _submit(
        form,
        lambda: movements().RollOver(
            movements_pb2.RollOverRequest(
                from_school_year_id=form.data["from_school_year_id"],
                to_school_year_id=form.data["to_school_year_id"],
            )
        ),
        _("This school year does not exist."),
    )
    if answer is not None:
        return _roll_over_page(form, 200, roll_over_result(answer))
    return _roll_over_page(form, 400)


class HandoverForm(Schema):
    movement_id = String(required=True, validate=validate.Length(max=64, error=N_("Too long.")))
    handed_over_on = VnDate(required=True, metadata={"label": N_("Documents handed over on")})
    documents = String(load_default="")


@bp.post("/students/<id:student_id>/transfer-dossier")
@permission("students:movement:write")
def record_handover(student_id: str) -> ResponseReturnValue:
    """Record the hand-over on the dossier page: the date and the documents handed over."""
    form = load_form(HandoverForm())
    done = _submit(
        form,
        lambda: movements().RecordHandover(handover_request(student_id, {**form.data, "documents": _documents()})),
        _("The requested record was not found."),
    )
    if done is not None:
        return _redirect(
            "movements.dossier", student_id=student_id, movement_id=form.data["movement_id"], notice="movement_recorded"
        )
    answer = _history(student_id)
    wanted = form.raw.get("movement_id", "")
    found = next((m for m in answer.movements if m.movement_id == wanted and m.kind == "TRANSFER_OUT"), None)
    return _dossier_page(answer, movement(found) if found is not None else None, form, 400)
