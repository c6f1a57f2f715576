"""Pages of the grade-book checks and locking: "Kiểm tra sổ điểm" (per period, each class's counts,
drill-down to what is missing with a link to the grid) and "Khóa sổ" (lock a class, a grade or the
school; unlock with a reason; the lock log). Plain forms: they work without JavaScript."""

from __future__ import annotations

from typing import Any

import flask
import grpc
import marshmallow as ma
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.grades.v1 import checks_pb2
from school_gateway.authz import permission
from school_gateway.errors import field_errors
from school_gateway.grades import checks_convert as convert
from school_gateway.grades.checks_api import CHECK_READ, PERIOD_LOCK, class_detail, list_checks, locks
from school_gateway.grades.checks_schemas import ChecksArgs, LockBody, LockManyBody, UnlockBody
from school_gateway.i18n import gettext as _
from school_gateway.pages import FormResult, can_open, form_failure, render
from school_gateway.sessions import loaded_principal

bp = flask.Blueprint("grades_checks", __name__)


def _filters() -> tuple[dict[str, Any], dict[str, str]]:
    """The page's year, period and grade from the query string, or the defaults and the problems."""
    raw = {k: v for k, v in request.args.items() if k in ("school_year_id", "period", "grade_level") and v.strip()}
    try:
        return ChecksArgs().load(raw), {}
    except ma.ValidationError as err:
        return ChecksArgs().load({}), field_errors(err.messages)


def _common(args: dict[str, Any], years: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "args": args,
        "periods": [(p, _(convert.PERIOD_LABELS[p])) for p in convert.PERIODS],
        "period_label": _(convert.PERIOD_LABELS[args["period"]]),
        "grade_options": [(0, _("All grades")), *((n, _("Grade %(n)s", n=n)) for n in convert.GRADE_LEVELS)],
        "year_options": [(y["id"], y["name"]) for y in years or []],
    }


# --- Kiểm tra sổ điểm ---------------------------------------------------------------------------------


@bp.get("/grades/checks")
@permission(CHECK_READ)
def checks_page() -> ResponseReturnValue:
    args, errors = _filters()
    found = list_checks(args)
    return render(
        "grades/checks.html",
        400 if errors else 200,
        errors=errors,
        year=found["school_year"],
        years=found["school_years"],
        classes=found["items"],
        can_lock=can_open("grades_checks.locks_page"),
        **_common(args, found["school_years"]),
    )


@bp.get("/grades/checks/<id:class_id>")
@permission(CHECK_READ)
def class_page(class_id: str) -> ResponseReturnValue:
    args, errors = _filters()
    detail = class_detail(class_id, args["period"])
    rows = []
    for s in detail["subjects"]:
        rows.append({**s, "grid_url": convert.gradebook_url(class_id, s["code"], args["period"])})
    return render(
        "grades/checks_class.html",
        400 if errors else 200,
        errors=errors,
        summary=detail["summary"],
        subjects=rows,
        missing=detail["missing"],
        names={s["code"]: s["name"] for s in detail["subjects"]},
        grid_url=lambda code: convert.gradebook_url(class_id, code, args["period"]),
        can_lock=can_open("grades_checks.locks_page"),
        **_common(args),
    )


# --- Khóa sổ ----------------------------------------------------------------------------------------------


def _locks_page(
    args: dict[str, Any],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: FormResult | None = None,
    form_class: str = "",
    outcomes: list[dict[str, Any]] | None = None,
) -> ResponseReturnValue:
    found = list_checks(args)
    log = (
        locks().ListLockLog(checks_pb2.ListLockLogRequest(school_year_id=found["school_year"]["id"], limit=100)).entries
    )
    principal = loaded_principal()
    return render(
        "grades/checks_locks.html",
        status,
        errors=errors or {},
        year=found["school_year"],
        years=found["school_years"],
        classes=found["items"],
        log=[convert.log_entry(e) for e in log],
        form=form or FormResult({}, {}, {}),
        form_class=form_class,
        outcomes=outcomes,
        outcome_labels={k: _(v) for k, v in convert.OUTCOME_LABELS.items()},
        my_name=principal.full_name if principal else "",
        **_common(args, found["school_years"]),
    )


@bp.get("/grades/locks")
@permission(PERIOD_LOCK)
def locks_page() -> ResponseReturnValue:
    args, errors = _filters()
    return _locks_page(args, status=400 if errors else 200, errors=errors)


def _posted_args() -> dict[str, Any]:
    """The year, period and grade the lock forms carry (to come back to the same view)."""
    raw = {k: v for k, v in request.form.items() if k in ("school_year_id", "period", "grade_level") and v.strip()}
    try:
        return ChecksArgs().load(raw)
    except ma.ValidationError:
        return ChecksArgs().load({})


def _back(args: dict[str, Any], notice: str) -> ResponseReturnValue:
    target = url_for(
        "grades_checks.locks_page",
        school_year_id=args["school_year_id"] or None,
        period=args["period"],
        grade_level=args["grade_level"] or None,
        notice=notice,
    )
    return flask.redirect(target, 303)


def _bad_period() -> dict[str, str]:
    """The posted period's problem: a lock form never falls back to another period than it names."""
    try:
        LockBody().load({"period": request.form.get("period", "")})
    except ma.ValidationError as err:
        return field_errors(err.messages)
    return {}


@bp.post("/grades/locks/<id:class_id>/lock")
@permission(PERIOD_LOCK)
def lock_class(class_id: str) -> ResponseReturnValue:
    args = _posted_args()
    form = FormResult({}, _bad_period(), {})
    if form.errors:
        form.message = _("Please correct the marked fields.")
        return _locks_page(args, status=400, form=form, form_class=class_id)
    try:
        locks().LockPeriod(checks_pb2.LockPeriodRequest(class_id=class_id, period=args["period"]))
    except grpc.RpcError as err:
        if not form_failure(form, err):
            raise
        return _locks_page(args, status=400, form=form, form_class=class_id)
    return _back(args, "period_locked")


@bp.post("/grades/locks/<id:class_id>/unlock")
@permission(PERIOD_LOCK)
def unlock_class(class_id: str) -> ResponseReturnValue:
    args = _posted_args()
    raw = {k: v for k, v in request.form.items() if k in ("period", "reason")}
    form = FormResult({}, {}, raw)
    try:
        body = UnlockBody().load({"period": raw.get("period", ""), "reason": raw.get("reason", "")})
    except ma.ValidationError as err:
        form.errors.update(field_errors(err.messages))
        form.message = _("Please correct the marked fields.")
        return _locks_page(args, status=400, form=form, form_class=class_id)
    try:
        locks().UnlockPeriod(
            checks_pb2.UnlockPeriodRequest(class_id=class_id, period=body["period"], reason=body["reason"])
        )
    except grpc.RpcError as err:
        if not form_failure(form, err):
            raise
        return _locks_page(args, status=400, form=form, form_class=class_id)
    return _back(args, "period_unlocked")


@bp.post("/grades/locks")
@permission(PERIOD_LOCK)
def lock_many() -> ResponseReturnValue:
    raw = {k: v for k, v in request.form.items() if k in ("school_year_id", "period", "grade_level") and v.strip()}
    form = FormResult({}, {}, raw)
    try:
        body = LockManyBody().load(raw)
    except ma.ValidationError as err:
        form.errors.update(field_errors(err.messages))
        form.message = _("Please correct the marked fields.")
        return _locks_page(_posted_args(), status=400, form=form)
    args = {**body}
    try:
        answer = locks().LockMany(
            checks_pb2.LockManyRequest(
                school_year_id=body["school_year_id"], period=body["period"], grade_level=body["grade_level"]
            )
        )
    except grpc.RpcError as err:
        if not form_failure(form, err):
            raise
        return _locks_page(_posted_args(), status=400, form=form)
    return _locks_page(args, outcomes=[convert.lock_outcome(o) for o in answer.outcomes])
