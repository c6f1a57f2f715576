"""Helpers shared by the server-rendered pages of every plugin: forms, notices and "may this user open that page"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask
import grpc
import marshmallow as ma
from flask import request

from school_gateway import authz
from school_gateway.errors import N_, GatewayError, field_errors, from_rpc_error, translate
from school_gateway.sessions import loaded_principal

#: Messages shown after a redirect (?notice=…): fixed keys, so no user text travels in URLs or cookies.
NOTICES: dict[str, str] = {
    "signed_out": N_("You have signed out."),
    "year_created": N_("The school year was created."),
    "class_created": N_("The class was created."),
    "year_updated": N_("The school year was saved."),
    "class_updated": N_("The class was saved."),
    "student_enrolled": N_("The student was enrolled."),
    "signin_expired": N_("Your sign-in has expired. Please sign in again."),
    "password_changed": N_("Your password was changed. Your other sessions were signed out."),
    "contact_saved": N_("Your contact details were saved."),
    "mfa_enabled": N_("Two-factor authentication is on."),
    "mfa_disabled": N_("Two-factor authentication is off."),
    "stepped_up": N_("Confirmed. You can export for a few minutes."),
    "staff_created": N_("The staff record was created."),
    "staff_saved": N_("The staff record was saved."),
    "department_created": N_("The subject group was created."),
    "department_grades_saved": N_("The grade levels of the subject group were saved."),
    "period_locked": N_("The period was locked for the class."),
    "period_unlocked": N_("The period was unlocked; every change from now on needs a reason."),
    "role_saved": N_("The role's permissions were saved."),
    "assignment_granted": N_("The assignment was granted."),
    "assignment_ended": N_("The assignment was ended."),
    "account_disabled": N_("The account was disabled and its sessions were ended."),
    "account_enabled": N_("The account was enabled."),
    "reminder_sent": N_("The reminder was sent."),
    "reminder_failed": N_("The reminder could not be sent."),
}

#: Role codes as identity defines them, with names for people (the code stays visible: staff know "GVCN").
ROLE_LABELS: dict[str, str] = {
    "HT": N_("Principal"),
    "PHT": N_("Vice principal"),
    "TTCM": N_("Head of subject group"),
    "GVCN": N_("Homeroom teacher"),
    "GVBM": N_("Subject teacher"),
    "VP": N_("Office staff"),
    "KT": N_("Accountant"),
    "TV": N_("Librarian"),
    "YT": N_("School nurse"),
    "TB": N_("Equipment and IT staff"),
    "QTHT": N_("System administrator"),
    "CMHS": N_("Parent"),
}

#: Upstream refusals that a form can explain next to its fields instead of on an error page.
FORM_STATUSES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.NOT_FOUND,
    }
)


class FormResult:
    """A submitted form after validation: the typed values, or the errors and what was typed."""

    def __init__(self, data: Mapping[str, Any], errors: Mapping[str, str], raw: Mapping[str, str]):
        self.data = dict(data)
        self.errors = dict(errors)
        self.raw = dict(raw)
        self.message = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message

    def fail(self, error: GatewayError) -> None:
        self.errors.update(error.fields)
        self.message = error.message


def load_form(schema: ma.Schema) -> FormResult:
    """Validate the posted form with ``schema``; blank inputs count as missing."""
    raw = {k: v for k, v in request.form.items() if k != "csrf_token"}
    present = {k: v for k, v in raw.items() if v.strip() != ""}
    try:
        data = schema.load(present, unknown=ma.EXCLUDE)
    except ma.ValidationError as err:
        return FormResult({}, field_errors(err.messages), raw)
    return FormResult(data, {}, raw)


def form_failure(form: FormResult, err: grpc.RpcError) -> bool:
    """Record an upstream refusal on the form; False when the error belongs on an error page instead."""
    code = err.code() if isinstance(err, grpc.Call) else None
    if code not in FORM_STATUSES:
        return False
    form.fail(from_rpc_error(err))
    return True


def notice() -> str:
    key = request.args.get("notice", "")
    return translate(NOTICES[key]) if key in NOTICES else ""


def can_open(endpoint: str, method: str = "GET") -> bool:
    """True when ``endpoint`` exists and the current principal passes its access declaration."""
    app = flask.current_app._get_current_object()  # type: ignore[attr-defined]
    if endpoint not in app.view_functions:
        return False
    declaration = authz.registry(app).lookup(app, endpoint, method)
    if declaration is None:
        return False
    if declaration == authz.PUBLIC:
        return True
    principal = loaded_principal()
    if principal is None:
        return False
    return declaration == authz.AUTHENTICATED or principal.has(declaration)


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return flask.render_template(template, notice=notice(), **context), status


def role_label(code: str) -> str:
    label = ROLE_LABELS.get(code)
    return translate(label) if label else code
