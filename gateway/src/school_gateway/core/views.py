"""The core plugin's pages: sign-in and its steps, sign-out, step-up, the home page and "Tài khoản của tôi".

Sign-in steps ("Đổi mật khẩu lần đầu", "Thiết lập xác thực hai lớp", "Nhập mã xác thực") are public
routes, because no session exists yet, but each one serves only the step identity is waiting for:
without a pending sign-in they lead back to the sign-in form, and with another step pending they
lead to that step. Every protected page leads to the pending step too (authz.enforce_access).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import flask
import grpc
from flask import request, session, url_for
from flask.typing import ResponseReturnValue

from school.identity.v1 import access_pb2, identity_pb2, staff_pb2
from school_gateway.authz import authenticated, permission, public, safe_next
from school_gateway.core.schemas import (
    ChangePasswordFormSchema,
    ContactSchema,
    LoginSchema,
    NewPasswordFormSchema,
    RecoverySchema,
    TotpSchema,
)
from school_gateway.errors import SIGNIN_THROTTLED, GatewayError, from_rpc_error
from school_gateway.i18n import gettext as _
from school_gateway.identity import convert, lookups
from school_gateway.pages import FormResult, form_failure, load_form, render
from school_gateway.plugins import DashboardCard, enabled_plugins
from school_gateway.principal import Principal
from school_gateway.qr import group_secret, qr_svg
from school_gateway.sessions import (
    MFA_ENROLMENT_REQUIRED,
    MFA_REQUIRED,
    PASSWORD_CHANGE_REQUIRED,
    SIGNED_IN,
    PendingSignIn,
    SignInExpiredError,
    SignInResult,
    continue_sign_in,
    current_principal,
    current_session_id,
    pending_sign_in,
    refresh_principal,
    sign_out,
    start_sign_in,
    step_up,
)
from school_gateway.upstream import stub
from schoolkit.logging import get_logger

log = get_logger(__name__)

bp = flask.Blueprint("core", __name__)

#: identity's password rule, repeated as a hint (identity enforces it and names the field when refused).
PASSWORD_MIN_LENGTH = 8
#: A TOTP enrolment started on the account page waits this long for its code (like identity's challenge).
ENROLMENT_LIFETIME_S = 600
_ENROLMENT_KEY = "mfa_enrolment"


def _empty() -> FormResult:
    return FormResult({}, {}, {})


def _refusal(form: FormResult, err: grpc.RpcError, *, signin: bool = False) -> tuple[int, dict[str, str]]:
    """Put an upstream refusal on the form: status and headers for the page, or re-raise for an error page."""
    if err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
        mapped = from_rpc_error(err, message=SIGNIN_THROTTLED if signin else None)
        form.message = mapped.message
        return 429, {"Retry-After": str(mapped.retry_after or 30)}
    if form_failure(form, err):
        return 400, {}
    raise err


def _password_hint() -> str:
    return _(
        "At least %(n)s characters. A sentence of several words is easy to remember and hard to guess; "
        "common passwords are refused.",
        n=PASSWORD_MIN_LENGTH,
    )


# --- Sign-in ----------------------------------------------------------------------------------------


@bp.get("/signin")
@public
def signin() -> ResponseReturnValue:
    return render("core/signin.html", errors={}, message="", values={}, next=safe_next(request.args.get("next")))


@bp.post("/signin")
@public
def signin_submit() -> ResponseReturnValue:
    form = load_form(LoginSchema())
    next_url = safe_next(request.form.get("next"))
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            result = start_sign_in(form.data["username"], form.data["password"], next_url)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.UNAUTHENTICATED:
                form.message, status = _("Wrong username or password."), 401
            else:
                status, headers = _refusal(form, err, signin=True)
        else:
            return _after_step(result)
    # The password is never sent back into the page.
    values = {"username": form.raw.get("username", "")}
    html, status = render(
        "core/signin.html", status, errors=form.errors, message=form.message, values=values, next=next_url
    )
    return html, status, headers


def _after_step(result: SignInResult) -> ResponseReturnValue:
    """Where a browser goes after identity's answer: the next step, the recovery codes, or in."""
    if result.outcome != SIGNED_IN and result.pending is not None:
        return flask.redirect(url_for(result.pending.endpoint), 303)
    destination = result.next_url or url_for("core.dashboard")
    if result.recovery_codes:
        return _recovery_codes_page(result.recovery_codes, destination)
    return flask.redirect(destination, 303)


def _recovery_codes_page(codes: Sequence[str], destination: str) -> ResponseReturnValue:
    """The ten recovery codes, in this answer only (never stored): a reload cannot show them again."""
    parts = urlsplit(destination)
    return render(
        "core/recovery_codes.html",
        codes=list(codes),
        continue_path=parts.path or "/",
        continue_params=parse_qsl(parts.query),
    )


def _pending(outcome: str) -> PendingSignIn | ResponseReturnValue:
    """The pending sign-in if it waits for ``outcome``; otherwise where the browser should go instead."""
    pending = pending_sign_in()
    if pending is None:
        if current_principal() is not None:
            return flask.redirect(url_for("core.dashboard"), 303)
        return flask.redirect(url_for("core.signin", notice="signin_expired"), 303)
    if pending.outcome != outcome:
        return flask.redirect(url_for(pending.endpoint), 303)
    return pending


def _continue(form: FormResult, answer: dict[str, str], template: str, **context: Any) -> ResponseReturnValue:
    """Send a step's answer to identity and go wherever the sign-in stands next."""
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            result = continue_sign_in(**answer)
        except SignInExpiredError:
            return flask.redirect(url_for("core.signin", notice="signin_expired"), 303)
        except grpc.RpcError as err:
            status, headers = _refusal(form, err, signin=True)
        else:
            return _after_step(result)
    html, status = render(template, status, form=form, **context)
    return html, status, headers


@bp.get("/signin/password")
@public
def signin_password() -> ResponseReturnValue:
    pending = _pending(PASSWORD_CHANGE_REQUIRED)
    if not isinstance(pending, PendingSignIn):
        return pending
    return render("core/signin_password.html", form=_empty(), pending=pending, hint=_password_hint())


@bp.post("/signin/password")
@public
def signin_password_submit() -> ResponseReturnValue:
    pending = _pending(PASSWORD_CHANGE_REQUIRED)
    if not isinstance(pending, PendingSignIn):
        return pending
    form = load_form(NewPasswordFormSchema())
    answer = {"new_password": form.data.get("new_password", "")}
    return _continue(form, answer, "core/signin_password.html", pending=pending, hint=_password_hint())


def _enrolment_context(secret: str, uri: str) -> dict[str, Any]:
    return {
        "qr": qr_svg(uri, _("QR code to scan with an authenticator app")) if uri else "",
        "secret_groups": group_secret(secret),
    }


@bp.get("/signin/mfa-setup")
@public
def signin_mfa_setup() -> ResponseReturnValue:
    pending = _pending(MFA_ENROLMENT_REQUIRED)
    if not isinstance(pending, PendingSignIn):
        return pending
    context = _enrolment_context(pending.mfa_secret, pending.provisioning_uri)
    return render("core/signin_mfa_setup.html", form=_empty(), pending=pending, **context)


@bp.post("/signin/mfa-setup")
@public
def signin_mfa_setup_submit() -> ResponseReturnValue:
    pending = _pending(MFA_ENROLMENT_REQUIRED)
    if not isinstance(pending, PendingSignIn):
        return pending
    form = load_form(TotpSchema())
    context = _enrolment_context(pending.mfa_secret, pending.provisioning_uri)
    answer = {"totp_code": form.data.get("totp_code", "")}
    return _continue(form, answer, "core/signin_mfa_setup.html", pending=pending, **context)


def _use_recovery() -> bool:
    return (request.args.get("method") or request.form.get("method")) == "recovery"


@bp.get("/signin/mfa")
@public
def signin_mfa() -> ResponseReturnValue:
    pending = _pending(MFA_REQUIRED)
    if not isinstance(pending, PendingSignIn):
        return pending
    return render("core/signin_mfa.html", form=_empty(), pending=pending, recovery=_use_recovery())


@bp.post("/signin/mfa")
@public
def signin_mfa_submit() -> ResponseReturnValue:
    pending = _pending(MFA_REQUIRED)
    if not isinstance(pending, PendingSignIn):
        return pending
    recovery = _use_recovery()
    if recovery:
        form = load_form(RecoverySchema())
        answer = {"recovery_code": form.data.get("recovery_code", "")}
    else:
        form = load_form(TotpSchema())
        answer = {"totp_code": form.data.get("totp_code", "")}
    return _continue(form, answer, "core/signin_mfa.html", pending=pending, recovery=recovery)


@bp.post("/signout")
@authenticated
def signout() -> ResponseReturnValue:
    sign_out()
    return flask.redirect(url_for("core.signin", notice="signed_out"), 303)


# --- Home -------------------------------------------------------------------------------------------


@bp.get("/")
@authenticated
def dashboard() -> ResponseReturnValue:
    cards: list[DashboardCard] = []
    incomplete = False
    for plugin in enabled_plugins():
        if plugin.dashboard is None:
            continue
        try:
            cards.extend(plugin.dashboard())
        except (GatewayError, grpc.RpcError) as err:
            # The home page stays usable when one service is down; the figure is just missing.
            log.warning("dashboard.card_failed", plugin=plugin.name, error_type=type(err).__name__)
            incomplete = True
    return render("core/dashboard.html", cards=cards, incomplete=incomplete)


# --- Step-up ----------------------------------------------------------------------------------------


@bp.get("/step-up")
@authenticated
def step_up_page() -> ResponseReturnValue:
    return render("core/step_up.html", form=_empty(), next=safe_next(request.args.get("next")))


@bp.post("/step-up")
@authenticated
def step_up_submit() -> ResponseReturnValue:
    form = load_form(TotpSchema())
    next_url = safe_next(request.form.get("next"))
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            step_up(form.data["totp_code"])
        except SignInExpiredError:
            return flask.redirect(url_for("core.signin"), 303)
        except grpc.RpcError as err:
            status, headers = _refusal(form, err)
        else:
            return flask.redirect(next_url or url_for("core.account", notice="stepped_up"), 303)
    html, status = render("core/step_up.html", status, form=form, next=next_url)
    return html, status, headers


# --- Tài khoản của tôi ------------------------------------------------------------------------------------


def _me() -> Principal:
    principal = current_principal()
    if principal is None:  # enforce_access has already sent anonymous browsers to the sign-in page
        raise GatewayError(401, "unauthenticated", _("Please sign in to continue."))
    return principal


def _account_page(
    status: int = 200,
    *,
    password_form: FormResult | None = None,
    contact_form: FormResult | None = None,
    mfa_form: FormResult | None = None,
    headers: dict[str, str] | None = None,
) -> ResponseReturnValue:
    principal = _me()
    assignments: list[dict[str, Any]] | None
    try:
        answer = stub("identity.access").ListAssignments(
            access_pb2.ListAssignmentsRequest(user_id=principal.user_id, page_size=100)
        )
        assignments = [convert.assignment(a) for a in answer.assignments]
    except grpc.RpcError as err:
        log.warning("account.assignments_failed", grpc_code=err.code().name if err.code() else "UNKNOWN")
        assignments = None
    record: dict[str, Any] | None = None
    record_failed = False
    try:
        record = convert.staff_record(
            stub("identity.staff").GetStaff(staff_pb2.GetStaffRequest()).record,
            show_sensitive=principal.has("identity:staff:read_sensitive"),
        )
    except grpc.RpcError as err:
        # Parents and service accounts have no staff record; anything else is a service problem.
        record_failed = err.code() != grpc.StatusCode.NOT_FOUND
    names = lookups.load(principal) if assignments else lookups.Lookups()
    html, status = render(
        "core/account.html",
        status,
        me=principal,
        assignments=assignments,
        names=names,
        record=record,
        record_failed=record_failed,
        password_form=password_form or _empty(),
        contact_form=contact_form or _empty(),
        mfa_form=mfa_form or _empty(),
        can_edit_contact=principal.has("identity:me:write"),
        hint=_password_hint(),
        position=convert.label(convert.POSITIONS, record["position"]) if record else "",
    )
    return html, status, headers or {}


@bp.get("/account")
@authenticated
def account() -> ResponseReturnValue:
    return _account_page()


@bp.post("/account/password")
@authenticated
def account_password() -> ResponseReturnValue:
    form = load_form(ChangePasswordFormSchema())
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            stub("identity").ChangePassword(
                identity_pb2.ChangePasswordRequest(
                    current_password=form.data["current_password"],
                    new_password=form.data["new_password"],
                    keep_session_id=current_session_id(),
                )
            )
        except grpc.RpcError as err:
            status, headers = _refusal(form, err)
        else:
            return flask.redirect(url_for("core.account", notice="password_changed"), 303)
    return _account_page(status, password_form=form, headers=headers)


@bp.post("/account/contact")
@permission("identity:me:write")
def account_contact() -> ResponseReturnValue:
    form = load_form(ContactSchema())
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            stub("identity.staff").UpdateOwnContact(
                staff_pb2.UpdateOwnContactRequest(
                    phone=form.data["phone"],
                    email=form.data["email"],
                    address=form.data["address"],
                    expected_version=form.data["version"],
                )
            )
        except grpc.RpcError as err:
            status, headers = _refusal(form, err)
        else:
            return flask.redirect(url_for("core.account", notice="contact_saved"), 303)
    return _account_page(status, contact_form=form, headers=headers)


def _pending_enrolment() -> dict[str, Any] | None:
    data = session.get(_ENROLMENT_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int | float) or data["exp"] <= time.time():
        session.pop(_ENROLMENT_KEY, None)
        return None
    return data


@bp.post("/account/mfa/start")
@authenticated
def account_mfa_start() -> ResponseReturnValue:
    answer = stub("identity").StartMfaEnrolment(identity_pb2.StartMfaEnrolmentRequest())
    # Kept in the signed cookie only to draw the same QR code again after a mistyped code.
    session[_ENROLMENT_KEY] = {
        "secret": answer.mfa_secret.secret,
        "uri": answer.mfa_secret.provisioning_uri,
        "exp": time.time() + ENROLMENT_LIFETIME_S,
    }
    return flask.redirect(url_for("core.account_mfa"), 303)


def _mfa_setup_page(form: FormResult, status: int = 200, headers: dict[str, str] | None = None) -> ResponseReturnValue:
    enrolment = _pending_enrolment()
    if enrolment is None:
        return flask.redirect(url_for("core.account"), 303)
    context = _enrolment_context(str(enrolment.get("secret", "")), str(enrolment.get("uri", "")))
    html, status = render("core/account_mfa.html", status, form=form, **context)
    return html, status, headers or {}


@bp.get("/account/mfa")
@authenticated
def account_mfa() -> ResponseReturnValue:
    return _mfa_setup_page(_empty())


@bp.post("/account/mfa")
@authenticated
def account_mfa_confirm() -> ResponseReturnValue:
    form = load_form(TotpSchema())
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            answer = stub("identity").ConfirmMfaEnrolment(
                identity_pb2.ConfirmMfaEnrolmentRequest(totp_code=form.data["totp_code"])
            )
        except grpc.RpcError as err:
            status, headers = _refusal(form, err)
        else:
            session.pop(_ENROLMENT_KEY, None)
            refresh_principal()
            return _recovery_codes_page(answer.recovery_codes, url_for("core.account", notice="mfa_enabled"))
    return _mfa_setup_page(form, status, headers)


@bp.post("/account/mfa/disable")
@authenticated
def account_mfa_disable() -> ResponseReturnValue:
    form = load_form(TotpSchema())
    status = 400
    headers: dict[str, str] = {}
    if not form.errors:
        try:
            stub("identity").DisableMfa(identity_pb2.DisableMfaRequest(totp_code=form.data["totp_code"]))
        except grpc.RpcError as err:
            status, headers = _refusal(form, err)
        else:
            refresh_principal()
            return flask.redirect(url_for("core.account", notice="mfa_disabled"), 303)
    return _account_page(status, mfa_form=form, headers=headers)
