"""The access plugin's pages: "Phân quyền" (roles and their permissions, R-HT2), "Phân công" (assignments),
"Tài khoản người dùng" (disable, enable, reset password), "Rà soát tài khoản" (R-ID2) and "Nhật ký hệ thống".

Every change asks for a reason, which identity writes to the audit log. A refusal by identity (a
separation-of-duties rule, a missing scope, a stale record) is shown next to the form that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import flask
import grpc
import marshmallow as ma
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.identity.v1 import access_pb2, identity_pb2
from school_gateway.access.common import audit_filter, grant_request
from school_gateway.access.schemas import (
    AuditFilterFormSchema,
    GrantFormSchema,
    ReasonSchema,
    RemindSchema,
    ReviewArgs,
    SetActiveSchema,
    SetRolePermissionsSchema,
)
from school_gateway.authz import permission, safe_next
from school_gateway.errors import N_, field_errors, rpc_code, translate
from school_gateway.i18n import gettext as _
from school_gateway.identity import convert, lookups
from school_gateway.identity.convert import FINDING_KINDS, SCOPE_KINDS, SUBJECTS, label
from school_gateway.identity.guards import me, step_up_refusal
from school_gateway.pages import ROLE_LABELS, FormResult, form_failure, load_form, render, role_label
from school_gateway.schemas import timestamp
from school_gateway.upstream import stub
from school_gateway.workbooks import send_workbook

bp = flask.Blueprint("access", __name__)

PAGE_SIZE = 50
_TOKEN_MAX = 512
_ID_MAX = 64
_QUERY_MAX = 100
_DISPLAY_MAX = 150
#: What each kind of scope needs on the grant form, beyond the person, the role and the year.
SCOPE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "department": ("department_id",),
    "class": ("class_id",),
    "class_subject": ("class_id", "subject_code"),
}
#: Prefixes of identity's audit actions, for the filter (the API takes any prefix).
AUDIT_ACTIONS: Mapping[str, str] = {
    "login.": N_("Sign-in"),
    "mfa.": N_("Two-factor authentication"),
    "password.": N_("Password"),
    "role.": N_("Role permissions"),
    "assignment.": N_("Assignments"),
    "account.": N_("Accounts"),
    "staff.": N_("Staff records"),
    "export.": N_("Exports"),
    "access.denied": N_("Access denied"),
}


def access() -> Any:
    return stub("identity.access")


def _empty() -> FormResult:
    return FormResult({}, {}, {})


def _token() -> str:
    return request.args.get("page_token", "")[:_TOKEN_MAX]


# --- Phân quyền: roles and their permissions --------------------------------------------------------------------------


def _roles_page(
    selected: str, form: FormResult, status: int = 200, checked: Sequence[str] | None = None, sod: str = ""
) -> ResponseReturnValue:
    principal = me()
    roles = [convert.role(r) for r in access().ListRoles(access_pb2.ListRolesRequest()).roles]
    catalogue = [
        convert.permission(p) for p in access().ListPermissions(access_pb2.ListPermissionsRequest()).permissions
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in catalogue:
        groups.setdefault(item["name"].split(":", 1)[0], []).append(item)
    role = next((r for r in roles if r["code"] == selected), None)
    held = set(checked if checked is not None else (role["permissions"] if role else ()))
    return render(
        "access/roles.html",
        status,
        roles=roles,
        catalogue=catalogue,
        groups=sorted(groups.items()),
        role=role,
        held=held,
        form=form,
        sod=sod,
        can_write=principal.has("identity:role:write"),
        scope_label=lambda kind: label(SCOPE_KINDS, kind),
    )


@bp.get("/access/roles")
@permission("identity:role:read")
def roles() -> ResponseReturnValue:
    return _roles_page(request.args.get("role", "")[:_ID_MAX], _empty())


@bp.post("/access/roles/<id:role>")
@permission("identity:role:write")
def save_role(role: str) -> ResponseReturnValue:
    chosen = request.form.getlist("permissions")
    raw = {"reason": request.form.get("reason", "")}
    form = FormResult({}, {}, raw)
    # As on every form, a blank field counts as missing ("required", not "must not be empty").
    body: dict[str, Any] = {"permissions": chosen, **({"reason": raw["reason"]} if raw["reason"].strip() else {})}
    try:
        data = SetRolePermissionsSchema().load(body)
    except ma.ValidationError as err:
        # One message for the checkbox group, whichever box was wrong.
        form.errors = {k.split(".", 1)[0]: v for k, v in field_errors(err.messages).items()}
        return _roles_page(role, form, 400, checked=chosen)
    try:
        access().SetRolePermissions(
            access_pb2.SetRolePermissionsRequest(role=role, permissions=data["permissions"], reason=data["reason"])
        )
    except grpc.RpcError as err:
        if not form_failure(form, err):
            raise
        # A separation-of-duties refusal is the one people must understand: it gets its own box.
        sod = form.message if rpc_code(err) == grpc.StatusCode.FAILED_PRECONDITION else ""
        return _roles_page(role, form, 409 if sod else 400, checked=chosen, sod=sod)
    return flask.redirect(url_for("access.roles", role=role, notice="role_saved"), 303)


# --- Phân công: assignments -------------------------------------------------------------------------------------------


def _assignments_page(
    grant: FormResult,
    status: int = 200,
    *,
    end_form: FormResult | None = None,
    end_target: str = "",
    year: str | None = None,
) -> ResponseReturnValue:
    principal = me()
    names = lookups.load(principal)
    wanted = year if year is not None else request.args.get("school_year_id", "")[:_ID_MAX]
    known_years = [y["id"] for y in names.years]
    selected = wanted if wanted in known_years or not known_years else known_years[0]
    include_ended = request.args.get("include_ended") == "1"
    answer = access().ListAssignments(
        access_pb2.ListAssignmentsRequest(
            school_year_id=selected, include_ended=include_ended, page_size=PAGE_SIZE, page_token=_token()
        )
    )
    can_grant = principal.has("identity:assignment:write")
    people: list[tuple[str, str]] = []
    role_rows: list[dict[str, Any]] = []
    if can_grant:
        if principal.has("identity:account:read"):
            accounts = stub("identity").ListAccounts(identity_pb2.ListAccountsRequest(page_size=200)).accounts
            people = [(a.user_id, f"{a.full_name} ({a.username})") for a in accounts if a.active]
        if principal.has("identity:role:read"):
            role_rows = [convert.role(r) for r in access().ListRoles(access_pb2.ListRolesRequest()).roles]
    role_options = [(r["code"], _role_option(r)) for r in role_rows] or [
        (code, f"{code} — {role_label(code)}") for code in ROLE_LABELS
    ]
    year_classes = [c for c in names.classes if c["school_year_id"] == (grant.raw.get("school_year_id") or selected)]
    return render(
        "access/assignments.html",
        status,
        assignments=[convert.assignment(a) for a in answer.assignments],
        next_page_token=answer.next_page_token,
        names=names,
        selected_year=selected,
        include_ended=include_ended,
        can_grant=can_grant,
        grant=grant,
        people=[("", _("Choose a person")), *people],
        role_options=[("", _("Choose a role")), *role_options],
        year_options=[("", _("No school year (account-level role)"))] + [(y["id"], y["name"]) for y in names.years],
        department_options=[("", "—")] + [(d["id"], d["name"]) for d in names.departments],
        class_options=[("", "—")] + [(c["id"], c["name"]) for c in year_classes or names.classes],
        subject_options=[("", "—")] + [(code, label(SUBJECTS, code)) for code in SUBJECTS],
        end_form=end_form or _empty(),
        end_target=end_target,
    )


def _role_option(role: Mapping[str, Any]) -> str:
    scope = label(SCOPE_KINDS, role["scope_kind"]) if role["scope_kind"] in SCOPE_KINDS else ""
    text = f"{role['code']} — {role_label(role['code'])}"
    return f"{text} ({scope})" if scope else text


@bp.get("/access/assignments")
@permission("identity:assignment:read")
def assignments() -> ResponseReturnValue:
    return _assignments_page(_empty())


def _scope_problems(data: Mapping[str, Any]) -> dict[str, str]:
    """Fields the chosen role needs (from identity's role list); identity checks again."""
    try:
        roles = {r.code: convert.role(r) for r in access().ListRoles(access_pb2.ListRolesRequest()).roles}
    except grpc.RpcError:
        return {}  # identity will answer for itself
    role = roles.get(data.get("role", ""))
    if role is None:
        return {"role": _("Choose a role from the list.")}
    problems: dict[str, str] = {}
    if role["year_scoped"] and not data.get("school_year_id"):
        problems["school_year_id"] = _("This role is held for a school year: choose one.")
    needed = {
        "department_id": _("This role needs a subject group."),
        "class_id": _("This role needs a class."),
        "subject_code": _("This role needs a subject."),
    }
    for name in SCOPE_FIELDS.get(role["scope_kind"], ()):
        if not data.get(name):
            problems[name] = needed[name]
    return problems


@bp.post("/access/assignments")
@permission("identity:assignment:write")
def grant_assignment() -> ResponseReturnValue:
    form = load_form(GrantFormSchema())
    if not form.errors and me().has("identity:role:read"):
        form.errors.update(_scope_problems(form.data))
    if not form.errors:
        try:
            answer = access().GrantAssignment(grant_request(form.data))
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            year = answer.assignment.school_year_id
            return flask.redirect(url_for("access.assignments", school_year_id=year, notice="assignment_granted"), 303)
    return _assignments_page(form, 400, year=form.raw.get("school_year_id") or None)


@bp.post("/access/assignments/<id:assignment_id>/end")
@permission("identity:assignment:write")
def end_assignment(assignment_id: str) -> ResponseReturnValue:
    form = load_form(ReasonSchema())
    if not form.errors:
        try:
            answer = access().EndAssignment(
                access_pb2.EndAssignmentRequest(assignment_id=assignment_id, reason=form.data["reason"])
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            year = answer.assignment.school_year_id
            return flask.redirect(url_for("access.assignments", school_year_id=year, notice="assignment_ended"), 303)
    # The same list as before, so the refused form is on the page again with its message.
    year = request.form.get("school_year_id", "")[:_ID_MAX] or None
    return _assignments_page(_empty(), 400, end_form=form, end_target=assignment_id, year=year)


# --- Tài khoản người dùng ---------------------------------------------------------------------------------------------


def _accounts_page(
    status: int = 200, *, action_form: FormResult | None = None, target: str = "", action: str = ""
) -> ResponseReturnValue:
    principal = me()
    query = request.args.get("q", "")[:_QUERY_MAX]
    answer = stub("identity").ListAccounts(
        identity_pb2.ListAccountsRequest(query=query, page_size=PAGE_SIZE, page_token=_token())
    )
    return render(
        "access/accounts.html",
        status,
        accounts=[convert.account(a) for a in answer.accounts],
        next_page_token=answer.next_page_token,
        query=query,
        can_write=principal.has("identity:account:write"),
        action_form=action_form or _empty(),
        target=target,
        action=action,
    )


@bp.get("/access/accounts")
@permission("identity:account:read")
def accounts() -> ResponseReturnValue:
    return _accounts_page()


@bp.post("/access/accounts/<id:user_id>/active")
@permission("identity:account:write")
def set_account_active(user_id: str) -> ResponseReturnValue:
    form = load_form(SetActiveSchema())
    back = safe_next(request.form.get("return_to"))
    if not form.errors:
        try:
            answer = stub("identity").SetAccountActive(
                identity_pb2.SetAccountActiveRequest(
                    user_id=user_id, active=form.data["active"], reason=form.data["reason"]
                )
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            notice = "account_enabled" if answer.account.active else "account_disabled"
            return flask.redirect(_with_notice(back or url_for("access.accounts"), notice), 303)
    return _accounts_page(400, action_form=form, target=user_id, action="active")


def _with_notice(path: str, notice: str) -> str:
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{urlencode({'notice': notice})}"


@bp.post("/access/accounts/<id:user_id>/reset-password")
@permission("identity:account:write")
def reset_password(user_id: str) -> ResponseReturnValue:
    form = load_form(ReasonSchema())
    if not form.errors:
        try:
            answer = stub("identity").ResetPassword(
                identity_pb2.ResetPasswordRequest(user_id=user_id, reason=form.data["reason"])
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
        else:
            # The one-time code appears in this answer only: never stored, never in a URL.
            return render(
                "access/reset_done.html",
                code=answer.one_time_code,
                expires_at=timestamp(answer, "expires_at"),
                who=request.form.get("username", "")[:_DISPLAY_MAX],
            )
    return _accounts_page(400, action_form=form, target=user_id, action="reset")


# --- Rà soát tài khoản ------------------------------------------------------------------------------------------


def _review_args(source: Mapping[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    present = {k: v for k, v in source.items() if k in ("inactive_days", "password_max_age_days") and v.strip()}
    try:
        return ReviewArgs().load(present), {}
    except ma.ValidationError as err:
        return {"inactive_days": 0, "password_max_age_days": 0}, field_errors(err.messages)


def _review_url(thresholds: Mapping[str, int]) -> str:
    query = urlencode({k: v for k, v in thresholds.items() if v})
    return f"{url_for('access.review')}?{query}" if query else url_for("access.review")


@bp.get("/access/review")
@permission("identity:review:read")
def review() -> ResponseReturnValue:
    principal = me()
    thresholds, errors = _review_args(request.args)
    answer = access().ReviewAccounts(access_pb2.ReviewAccountsRequest(**thresholds))
    findings = [convert.finding(f) for f in answer.findings]
    grouped = [
        (kind, translate(text), [f for f in findings if f["kind"] == kind]) for kind, text in FINDING_KINDS.items()
    ]
    here = _review_url(thresholds)
    return render(
        "access/review.html",
        400 if errors else 200,
        grouped=grouped,
        total=len(findings),
        thresholds=thresholds,
        raw={k: request.args.get(k, "") for k in ("inactive_days", "password_max_age_days")},
        errors=errors,
        here=here,
        can_disable=principal.has("identity:account:write"),
    )


@bp.post("/access/review/remind")
@permission("identity:review:read")
def remind() -> ResponseReturnValue:
    form = load_form(RemindSchema())
    thresholds, _errors = _review_args(request.form)
    back = _review_url(thresholds)
    if form.errors:
        return flask.redirect(_with_notice(back, "reminder_failed"), 303)
    access().RemindAccount(
        access_pb2.RemindAccountRequest(
            user_id=form.data["user_id"], kind=convert.finding_kind_to_proto(form.data["kind"])
        )
    )
    return flask.redirect(_with_notice(back, "reminder_sent"), 303)


# --- Nhật ký hệ thống ------------------------------------------------------------------------------------------


_AUDIT_FIELDS = ("person", "action", "from_date", "to_date")


def _audit_filters(source: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    raw = {k: source.get(k, "")[:_DISPLAY_MAX] for k in _AUDIT_FIELDS}
    present = {k: v for k, v in raw.items() if v.strip()}
    try:
        return AuditFilterFormSchema().load(present), {}, raw
    except ma.ValidationError as err:
        return {}, field_errors(err.messages), raw


@bp.get("/audit-log")
@permission("identity:audit:read")
def audit() -> ResponseReturnValue:
    principal = me()
    filters, errors, raw = _audit_filters(request.args)
    events: list[dict[str, Any]] = []
    next_page_token = ""
    if not errors:
        wanted = audit_filter(filters)
        wanted.page_size = PAGE_SIZE
        wanted.page_token = _token()
        answer = access().ListAuditEvents(wanted)
        events = [convert.audit_event(e) for e in answer.events]
        next_page_token = answer.next_page_token
    return render(
        "access/audit.html",
        400 if errors else 200,
        events=events,
        next_page_token=next_page_token,
        raw=raw,
        errors=errors,
        action_options=[("", _("All actions"))] + [(k, translate(v)) for k, v in AUDIT_ACTIONS.items()],
        can_export=principal.has("identity:audit:export") and not errors,
        stepped_up=principal.stepped_up(),
    )


@bp.post("/audit-log/export")
@permission("identity:audit:export")
def audit_export() -> ResponseReturnValue:
    filters, errors, raw = _audit_filters(request.form)
    back = f"{url_for('access.audit')}?{urlencode({k: v for k, v in raw.items() if v})}"
    if errors:
        return flask.redirect(back, 303)
    if step_up_refusal(me()) is not None:
        return flask.redirect(url_for("core.step_up_page", next=back), 303)
    answer = access().ExportAuditEvents(access_pb2.ExportAuditEventsRequest(filter=audit_filter(filters)))
    return send_workbook(answer.workbook, answer.filename, "nhat-ky-he-thong")
