"""The student record's pages: "Hồ sơ học sinh", "Rà soát hồ sơ đầu năm" (per class and per
school) and "Con của tôi" for parents. Sections are shown by what the service returns."""

from __future__ import annotations

from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.identity.v1 import identity_pb2
from school.students.v1 import records_pb2
from school_gateway.authz import permission
from school_gateway.errors import normalise_fields
from school_gateway.i18n import gettext as _
from school_gateway.pages import FormResult, form_failure, load_form, render
from school_gateway.sessions import loaded_principal
from school_gateway.students import convert
from school_gateway.students import records_convert as rc
from school_gateway.students.records_schemas import (
    GuardianInputSchema,
    LinkUsernameSchema,
    RecordFormSchema,
    UpdateGuardianSchema,
)
from school_gateway.students.years import chosen_year, school_years
from school_gateway.upstream import stub
from schoolkit.grpc_errors import field_violations

bp = flask.Blueprint("student_records", __name__)


def records() -> Any:
    return stub("students.records")


def _may(permission_name: str) -> bool:
    principal = loaded_principal()
    return principal is not None and principal.has(permission_name)


def _reference() -> dict[str, Any]:
    ref = rc.reference(records().GetRecordReference(records_pb2.GetRecordReferenceRequest()))
    return {name: {e["code"]: e["name"] for e in entries} for name, entries in ref.items()}


def _refused(form: FormResult, err: grpc.RpcError) -> bool:
    """Put an upstream refusal on the form, naming the field also for duplicates and stale versions."""
    if not form_failure(form, err):
        return False
    for key, message in normalise_fields(field_violations(err)).items():
        form.errors.setdefault(key, message)
    return True


def _empty() -> FormResult:
    return FormResult({}, {}, {})


# --- Hồ sơ học sinh ---------------------------------------------------------------------------


def _record_page(
    student_id: str,
    form: FormResult | None = None,
    guardian_form: FormResult | None = None,
    status: int = 200,
    link_form: FormResult | None = None,
) -> ResponseReturnValue:
    answer = records().GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=student_id))
    view = rc.record(answer)
    return render(
        "students/records_record.html",
        status,
        view=view,
        ref=_reference(),
        form=form or _empty(),
        guardian_form=guardian_form or _empty(),
        link_form=link_form or _empty(),
        can_link=_may("students:guardian:link"),
        # After a refused save the boxes show what was ticked, not what is stored.
        policy_selected=request.form.getlist("policy_categories") if form is not None else None,
    )


@bp.get("/students/<id:student_id>/record")
@permission("students:student:read")
def record(student_id: str) -> ResponseReturnValue:
    return _record_page(student_id)


@bp.post("/students/<id:student_id>/record")
@permission("students:student:write")
def update_record(student_id: str) -> ResponseReturnValue:
    form = load_form(RecordFormSchema())
    if not form.errors:
        data = form.data
        body = {
            **data,
            "permanent_address": {
                "province_code": data["permanent_province"],
                "commune": data["permanent_commune"],
                "detail": data["permanent_detail"],
            },
            "current_address": {
                "province_code": data["current_province"],
                "commune": data["current_commune"],
                "detail": data["current_detail"],
            },
            "policy_categories": [c[:40] for c in request.form.getlist("policy_categories")[:20]],
        }
        try:
            records().UpdateStudentRecord(
                records_pb2.UpdateStudentRecordRequest(
                    student_id=student_id,
                    expected_version=data["expected_version"],
                    full_name=data["full_name"],
                    date_of_birth=data["date_of_birth"].isoformat(),
                    gender=convert.gender_to_proto(data["gender"]),
                    record=rc.record_fields_in(body),
                )
            )
        except grpc.RpcError as err:
            if not _refused(form, err):
                raise
            _flatten_address_errors(form)
        else:
            return flask.redirect(url_for("student_records.record", student_id=student_id, notice="record_saved"), 303)
    return _record_page(student_id, form=form, status=400)


def _flatten_address_errors(form: FormResult) -> None:
    """The service names "permanent_address.commune"; the page's inputs are "permanent_commune"."""
    for key in list(form.errors):
        if key.startswith(("permanent_address.", "current_address.")):
            prefix, _, part = key.partition("_address.")
            form.errors[f"{prefix}_{part.replace('province_code', 'province')}"] = form.errors.pop(key)


@bp.post("/students/<id:student_id>/guardians")
@permission("students:student:write")
def add_guardian(student_id: str) -> ResponseReturnValue:
    form = load_form(GuardianInputSchema())
    if not form.errors:
        try:
            records().AddGuardian(
                records_pb2.AddGuardianRequest(student_id=student_id, guardian=rc.guardian_in(form.data))
            )
        except grpc.RpcError as err:
            if not _refused(form, err):
                raise
            form.errors = {k.removeprefix("guardian."): v for k, v in form.errors.items()}
        else:
            target = url_for("student_records.record", student_id=student_id, notice="guardian_added")
            return flask.redirect(target, 303)
    return _record_page(student_id, guardian_form=form, status=400)


@bp.post("/students/<id:student_id>/guardians/<id:guardian_id>")
@permission("students:student:write")
def update_guardian(student_id: str, guardian_id: str) -> ResponseReturnValue:
    form = load_form(UpdateGuardianSchema())
    if not form.errors:
        try:
            records().UpdateGuardian(
                records_pb2.UpdateGuardianRequest(
                    student_id=student_id,
                    guardian_id=guardian_id,
                    expected_version=form.data["expected_version"],
                    guardian=rc.guardian_in(form.data),
                )
            )
        except grpc.RpcError as err:
            if not _refused(form, err):
                raise
            form.errors = {k.removeprefix("guardian."): v for k, v in form.errors.items()}
        else:
            target = url_for("student_records.record", student_id=student_id, notice="guardian_saved")
            return flask.redirect(target, 303)
    form.raw["guardian_id"] = guardian_id
    return _record_page(student_id, guardian_form=form, status=400)


@bp.post("/students/<id:student_id>/guardians/<id:guardian_id>/account")
@permission("students:guardian:link")
def link_account(student_id: str, guardian_id: str) -> ResponseReturnValue:
    """Link a guardian to the parent account (role CMHS) with this username."""
    form = load_form(LinkUsernameSchema())
    if not form.errors:
        account_id = _parent_account_id(form.data["username"])
        if not account_id:
            form.errors["username"] = _("No parent account (CMHS) has this username.")
        else:
            try:
                records().LinkGuardianAccount(
                    records_pb2.LinkGuardianAccountRequest(
                        student_id=student_id, guardian_id=guardian_id, parent_account_id=account_id
                    )
                )
            except grpc.RpcError as err:
                if not _refused(form, err):
                    raise
            else:
                target = url_for("student_records.record", student_id=student_id, notice="account_linked")
                return flask.redirect(target, 303)
    form.raw["guardian_id"] = guardian_id
    return _record_page(student_id, link_form=form, status=400)


def _parent_account_id(username: str) -> str:
    """The id of the parent account with exactly this username, or "" (identity's account list)."""
    answer = stub("identity").ListAccounts(identity_pb2.ListAccountsRequest(query=username, page_size=50))
    for account in answer.accounts:
        if account.username == username and "CMHS" in account.roles:
            return str(account.user_id)
    return ""


@bp.post("/students/<id:student_id>/guardians/<id:guardian_id>/account/remove")
@permission("students:guardian:link")
def unlink_account(student_id: str, guardian_id: str) -> ResponseReturnValue:
    records().UnlinkGuardianAccount(
        records_pb2.UnlinkGuardianAccountRequest(student_id=student_id, guardian_id=guardian_id)
    )
    return flask.redirect(url_for("student_records.record", student_id=student_id, notice="account_unlinked"), 303)


@bp.post("/students/<id:student_id>/guardians/<id:guardian_id>/remove")
@permission("students:student:write")
def remove_guardian(student_id: str, guardian_id: str) -> ResponseReturnValue:
    records().RemoveGuardian(records_pb2.RemoveGuardianRequest(student_id=student_id, guardian_id=guardian_id))
    return flask.redirect(url_for("student_records.record", student_id=student_id, notice="guardian_removed"), 303)


# --- Rà soát hồ sơ đầu năm --------------------------------------------------------------------


@bp.get("/classes/<id:class_id>/record-review")
@permission("students:student:read")
def class_review(class_id: str) -> ResponseReturnValue:
    answer = records().GetClassCompleteness(records_pb2.GetClassCompletenessRequest(class_id=class_id))
    return render("students/records_class_review.html", report=rc.class_completeness(answer), ref=_reference())


@bp.get("/record-review")
@permission("students:student:read")
def school_review() -> ResponseReturnValue:
    years = school_years()
    selected = chosen_year(years, request.args.get("school_year_id", ""))
    report = None
    if selected:
        answer = records().GetSchoolCompleteness(records_pb2.GetSchoolCompletenessRequest(school_year_id=selected))
        report = rc.school_completeness(answer)
    return render(
        "students/records_school_review.html",
        years=years,
        selected_year=selected,
        year_options=[(y["id"], y["name"]) for y in years],
        report=report,
    )


# --- Con của tôi ------------------------------------------------------------------------------


@bp.get("/my-children")
@permission("students:student:read")
def my_children() -> ResponseReturnValue:
    answer = records().ListMyChildren(records_pb2.ListMyChildrenRequest())
    return render("students/records_children.html", children=[convert.student(s) for s in answer.students])
