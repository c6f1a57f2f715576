"""Pages "Tổng hợp kết quả" (the class summary sheet per period) and "Kết quả cuối năm" (year
results with the plain-language explanation per pupil, nominations, supplementary assessment and
the principal's decisions). No ranking: pupils appear in roster order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import validate

from school.grades.v1 import results_pb2
from school_gateway.authz import permission
from school_gateway.errors import N_, GatewayError
from school_gateway.grades import results_convert as rc
from school_gateway.grades.results_api import (
    approval_request,
    decision_request,
    nomination_request,
    supplementary_request,
)
from school_gateway.grades.results_convert import PERIODS, results
from school_gateway.grades.results_schemas import version_field
from school_gateway.i18n import gettext as _
from school_gateway.pages import NOTICES, FormResult, can_open, form_failure, load_form, render
from school_gateway.schemas import Boolean, Schema, String, Text, VnDate

bp = flask.Blueprint("results", __name__)
NOTICES.setdefault("results_computed", N_("The year results were computed."))
NOTICES.setdefault("result_saved", N_("Saved."))


class _WriteForm(Schema):
    school_year_id = String(load_default="", validate=validate.Length(max=64))
    expected_version = version_field()


class SupplementaryForm(_WriteForm):
    assessed_on = VnDate(required=True, metadata={"label": N_("Date of the supplementary assessment")})
    outcome = String(
        required=True, validate=validate.OneOf(("HOAN_THANH", "CHUA_HOAN_THANH"), error=N_("Choose an outcome."))
    )
    note = String(load_default="", validate=validate.Length(max=1000, error=N_("At most 1000 characters.")))


class NominationForm(_WriteForm):
    evidence = String(load_default="", validate=validate.Length(max=1000, error=N_("At most 1000 characters.")))
    recognised_by_class = Boolean(load_default=False, truthy={"on", "true", "1"})
    withdraw = Boolean(load_default=False, truthy={"on", "true", "1"})


class ApprovalForm(_WriteForm):
    approve = Boolean(required=True, truthy={"on", "true", "1", "yes"}, falsy={"false", "0", "no"})


class DecisionForm(_WriteForm):
    decision = String(
        required=True,
        validate=validate.OneOf(("LEN_LOP", "O_LAI_LOP"), error=N_("Choose moves up or repeats the grade.")),
    )
    decision_ref = Text(required=True, validate=validate.Length(max=100, error=N_("At most 100 characters.")))
    decided_on = VnDate(required=True)


def _period() -> str:
    wanted = request.args.get("period", "CN").strip().upper()
    return wanted if wanted in PERIODS else "CN"


@bp.get("/classes/<id:class_id>/summary")
@permission("grades:score:read")
def class_summary(class_id: str) -> ResponseReturnValue:
    period = _period()
    answer = results().GetClassSummary(results_pb2.GetClassSummaryRequest(class_id=class_id, period=period))
    sheet = rc.summary(answer.summary)
    return render(
        "grades/results_summary.html",
        sheet=sheet,
        periods=PERIODS,
        show_results_link=can_open("results.class_results"),
    )


def _class_page(class_id: str, status: int = 200, compute_errors: dict[str, str] | None = None) -> ResponseReturnValue:
    answer = results().ListYearResults(results_pb2.ListYearResultsRequest(class_id=class_id))
    return render(
        "grades/results_class.html",
        status,
        data=rc.class_results(answer.results),
        compute_errors=compute_errors or {},
        may_compute=can_open("results.compute", "POST"),
    )


@bp.get("/classes/<id:class_id>/year-results")
@permission("grades:score:read")
def class_results(class_id: str) -> ResponseReturnValue:
    return _class_page(class_id)


@bp.post("/classes/<id:class_id>/year-results")
@permission("grades:result:write")
def compute(class_id: str) -> ResponseReturnValue:
    try:
        results().ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=class_id))
    except grpc.RpcError as err:
        form = FormResult({}, {}, {})
        if err.code() != grpc.StatusCode.INVALID_ARGUMENT or not form_failure(form, err):
            raise
        return _class_page(class_id, 400, {**form.errors, "": form.message} if form.errors else {"": form.message})
    return flask.redirect(url_for("results.class_results", class_id=class_id, notice="results_computed"), 303)


def _student_page(
    student_id: str, forms: dict[str, FormResult] | None = None, status: int = 200
) -> ResponseReturnValue:
    year = request.values.get("school_year_id", "")[:64]
    answer = results().GetYearResult(results_pb2.GetYearResultRequest(student_id=student_id, school_year_id=year))
    data = rc.year_result(answer.result)
    return render(
        "grades/results_student.html",
        status,
        r=data,
        forms=forms or {},
        may={
            "supplementary": can_open("results.supplementary", "POST"),
            "nomination": can_open("results.nomination", "POST"),
            "approval": can_open("results.approval", "POST"),
            "decision": can_open("results.decision", "POST"),
            "class": bool(data["class_id"]) and can_open("results.class_results"),
        },
    )


@bp.get("/students/<id:student_id>/year-result")
@permission("grades:score:read")
def student_result(student_id: str) -> ResponseReturnValue:
    return _student_page(student_id)


def _submit(student_id: str, name: str, form: FormResult, call: Callable[[dict[str, Any]], Any]) -> ResponseReturnValue:
    """Send a valid form upstream, then back to the pupil's page; refusals show on the form (400)."""
    if not form.errors:
        try:
            call(form.data)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                raise GatewayError(404, "not_found", _("This student does not exist.")) from None
            if not form_failure(form, err):
                raise
        else:
            target = url_for(
                "results.student_result",
                student_id=student_id,
                school_year_id=form.data.get("school_year_id", ""),
                notice="result_saved",
            )
            return flask.redirect(target, 303)
    return _student_page(student_id, {name: form}, 400)


@bp.post("/students/<id:student_id>/year-result/supplementary")
@permission("grades:result:write")
def supplementary(student_id: str) -> ResponseReturnValue:
    form = load_form(SupplementaryForm())
    subjects = [s.strip().upper() for s in request.form.getlist("subjects") if s.strip()][:30]  # checkboxes
    if not subjects:
        form.errors["subjects"] = _("Choose at least one subject or quality/competency.")
    form.raw["subjects"] = ",".join(subjects)
    return _submit(
        student_id,
        "supplementary",
        form,
        lambda data: results().RecordSupplementary(supplementary_request(student_id, {**data, "subjects": subjects})),
    )


@bp.post("/students/<id:student_id>/year-result/nomination")
@permission("grades:result:write")
def nomination(student_id: str) -> ResponseReturnValue:
    form = load_form(NominationForm())
    return _submit(
        student_id, "nomination", form, lambda data: results().Nominate(nomination_request(student_id, data))
    )


@bp.post("/students/<id:student_id>/year-result/approval")
@permission("grades:decision:write")
def approval(student_id: str) -> ResponseReturnValue:
    form = load_form(ApprovalForm())
    return _submit(
        student_id, "approval", form, lambda data: results().ApproveAward(approval_request(student_id, data))
    )


@bp.post("/students/<id:student_id>/year-result/decision")
@permission("grades:decision:write")
def decision(student_id: str) -> ResponseReturnValue:
    form = load_form(DecisionForm())
    return _submit(
        student_id, "decision", form, lambda data: results().DecidePromotion(decision_request(student_id, data))
    )
