"""The core plugin's JSON API: sign-in and its steps, sign-out, step-up, the current session and "me".

Sign-in mirrors the pages: POST /auth/login answers where the sign-in stands
(``outcome`` = signed_in | password_change_required | mfa_enrolment_required | mfa_required) and
POST /auth/continue answers the pending step. The challenge lives only in the signed cookie, never
in a body or URL; a session id is issued only with signed_in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
from flask_wtf.csrf import generate_csrf

from school.identity.v1 import access_pb2, identity_pb2, staff_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import authenticated, permission, public
from school_gateway.core.schemas import (
    ChangePasswordSchema,
    ContactSchema,
    ContinueSchema,
    LoginResponseSchema,
    LoginSchema,
    MeResponseSchema,
    MfaStartResponseSchema,
    RecoveryCodesSchema,
    SessionResponseSchema,
    StepUpResponseSchema,
    StepUpSchema,
    TotpSchema,
)
from school_gateway.errors import SIGNIN_THROTTLED, GatewayError, from_rpc_error
from school_gateway.i18n import gettext as _
from school_gateway.identity import convert
from school_gateway.identity.schemas import AssignmentPageSchema, StaffRecordSchema
from school_gateway.principal import Principal
from school_gateway.schemas import PageArgs
from school_gateway.sessions import (
    MFA_ENROLMENT_REQUIRED,
    MFA_REQUIRED,
    PASSWORD_CHANGE_REQUIRED,
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

blp = ApiBlueprint(
    "auth",
    __name__,
    url_prefix="/api/v1",
    description="Sign-in and its steps, sign-out, step-up, the current session and the signed-in user.",
)

#: Which answer each pending step takes.
_STEP_FIELDS = {
    PASSWORD_CHANGE_REQUIRED: ("new_password",),
    MFA_ENROLMENT_REQUIRED: ("totp_code",),
    MFA_REQUIRED: ("totp_code", "recovery_code"),
}


def wrong_credentials() -> GatewayError:
    # One answer for unknown users, wrong passwords and disabled accounts: no username enumeration.
    return GatewayError(401, "unauthenticated", _("Wrong username or password."))


def signin_expired() -> GatewayError:
    return GatewayError(401, "signin_expired", _("Your sign-in has expired. Please sign in again."))


def signin_refused(err: grpc.RpcError) -> GatewayError:
    """A refused sign-in step: throttling says how long to wait in words; the rest maps as usual."""
    if err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return from_rpc_error(err, message=SIGNIN_THROTTLED)
    return from_rpc_error(err)


def _answer(result: SignInResult) -> dict[str, Any]:
    body: dict[str, Any] = {"outcome": result.outcome, "csrf_token": generate_csrf()}
    if result.principal is not None:
        body["principal"] = result.principal.to_dict()
    if result.pending is not None and result.pending.outcome == MFA_ENROLMENT_REQUIRED:
        body["mfa_secret"] = {
            "secret": result.pending.mfa_secret,
            "provisioning_uri": result.pending.provisioning_uri,
        }
    if result.recovery_codes:
        body["recovery_codes"] = list(result.recovery_codes)
    return body


@blp.route("/auth/login", methods=["POST"])
@public
@blp.arguments(LoginSchema)
@blp.response(200, LoginResponseSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Check the password. A session (new cookie) exists only when ``outcome`` is signed_in.

    Otherwise answer the named step with POST /api/v1/auth/continue within 5 minutes. Not exempt
    from CSRF: a forged sign-in could plant the attacker's session in a victim's browser, so
    clients first call GET /api/v1/session for a token.
    """
    try:
        result = start_sign_in(body["username"], body["password"])
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.UNAUTHENTICATED:
            raise wrong_credentials() from None
        raise signin_refused(err) from None
    return _answer(result)


@blp.route("/auth/continue", methods=["POST"])
@public
@blp.arguments(ContinueSchema)
@blp.response(200, LoginResponseSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def continue_login(body: dict[str, Any]) -> dict[str, Any]:
    """Answer the pending sign-in step: new_password, totp_code, or recovery_code (for mfa_required).

    The answer has the login's shape; recovery_codes comes once, right after a TOTP enrolment.
    401 signin_expired when no sign-in is pending (or identity's 5 minutes are over).
    """
    pending = pending_sign_in()
    if pending is None:
        raise signin_expired()
    allowed = _STEP_FIELDS[pending.outcome]
    given = next(k for k in ("new_password", "totp_code", "recovery_code") if body.get(k))
    if given not in allowed:
        message = _("This step needs: %(fields)s.", fields=", ".join(allowed))
        raise GatewayError(400, "invalid_argument", message, {given: message})
    try:
        result = continue_sign_in(**{given: body[given]})
    except SignInExpiredError:
        raise signin_expired() from None
    except grpc.RpcError as err:
        raise signin_refused(err) from None
    return _answer(result)


@blp.route("/auth/logout", methods=["POST"])
@authenticated
@blp.response(204)
def logout() -> None:
    """Sign out: identity revokes the session and the cookie is cleared."""
    sign_out()


@blp.route("/auth/step-up", methods=["POST"])
@authenticated
@blp.arguments(StepUpSchema)
@blp.response(200, StepUpResponseSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def step_up_session(body: dict[str, Any]) -> dict[str, Any]:
    """Confirm the second factor again; bulk exports are allowed for a few minutes afterwards."""
    try:
        principal = step_up(body["totp_code"])
    except SignInExpiredError:
        raise GatewayError(401, "unauthenticated", _("Please sign in to continue.")) from None
    return {
        "stepped_up_until": dt.datetime.fromtimestamp(principal.stepped_up_until, dt.UTC),
        "principal": principal.to_dict(),
    }


@blp.route("/session", methods=["GET"])
@public
@blp.response(200, SessionResponseSchema)
def session_info() -> dict[str, Any]:
    """The current session (if any), a pending sign-in step (if any) and a CSRF token for the next POST."""
    principal = current_principal()
    pending = pending_sign_in() if principal is None else None
    return {
        "authenticated": principal is not None,
        "csrf_token": generate_csrf(),
        "principal": principal.to_dict() if principal else None,
        "pending_step": pending.outcome if pending else None,
    }


@blp.route("/me", methods=["GET"])
@permission("identity:me:read")
@blp.response(200, MeResponseSchema)
def me() -> dict[str, Any]:
    """The signed-in user as identity knows them now."""
    answer = stub("identity").GetMe(identity_pb2.GetMeRequest())
    return {"principal": Principal.from_proto(answer.principal).to_dict()}


def _me() -> Principal:
    principal = current_principal()
    if principal is None:  # enforce_access has already refused anonymous callers
        raise GatewayError(401, "unauthenticated", _("Please sign in to continue."))
    return principal


@blp.route("/me/assignments", methods=["GET"])
@permission("identity:me:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, AssignmentPageSchema)
def my_assignments(args: dict[str, Any]) -> dict[str, Any]:
    """My roles as assignments (phân công): current ones first, ended ones too."""
    answer = stub("identity.access").ListAssignments(
        access_pb2.ListAssignmentsRequest(
            user_id=_me().user_id, include_ended=True, page_size=args["page_size"], page_token=args["page_token"]
        )
    )
    return {"items": [convert.assignment(a) for a in answer.assignments], "next_page_token": answer.next_page_token}


@blp.route("/me/staff", methods=["GET"])
@permission("identity:me:read")
@blp.response(200, StaffRecordSchema)
@blp.alt_response(404, response="NOT_FOUND")
def my_staff_record() -> dict[str, Any]:
    """My own staff record (404 for accounts without one, e.g. parents)."""
    answer = stub("identity.staff").GetStaff(staff_pb2.GetStaffRequest())
    return convert.staff_record(answer.record, show_sensitive=_me().has("identity:staff:read_sensitive"))


@blp.route("/me/contact", methods=["PUT"])
@permission("identity:me:write")
@blp.arguments(ContactSchema)
@blp.response(200, StaffRecordSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_my_contact(body: dict[str, Any]) -> dict[str, Any]:
    """Correct my own phone, email and address (send the version last read)."""
    answer = stub("identity.staff").UpdateOwnContact(
        staff_pb2.UpdateOwnContactRequest(
            phone=body["phone"], email=body["email"], address=body["address"], expected_version=body["version"]
        )
    )
    return convert.staff_record(answer.record, show_sensitive=_me().has("identity:staff:read_sensitive"))


@blp.route("/me/password", methods=["POST"])
@authenticated
@blp.arguments(ChangePasswordSchema)
@blp.response(204)
@blp.alt_response(400, response="BAD_REQUEST")
def change_password(body: dict[str, Any]) -> None:
    """Change my password; every other session of mine is signed out, this one stays."""
    stub("identity").ChangePassword(
        identity_pb2.ChangePasswordRequest(
            current_password=body["current_password"],
            new_password=body["new_password"],
            keep_session_id=current_session_id(),
        )
    )


@blp.route("/me/mfa/start", methods=["POST"])
@authenticated
@blp.response(200, MfaStartResponseSchema)
def start_mfa() -> dict[str, Any]:
    """Start a TOTP enrolment: a new secret, inactive until confirmed with a code."""
    answer = stub("identity").StartMfaEnrolment(identity_pb2.StartMfaEnrolmentRequest())
    return {"mfa_secret": {"secret": answer.mfa_secret.secret, "provisioning_uri": answer.mfa_secret.provisioning_uri}}


@blp.route("/me/mfa/confirm", methods=["POST"])
@authenticated
@blp.arguments(TotpSchema)
@blp.response(200, RecoveryCodesSchema)
@blp.alt_response(400, response="BAD_REQUEST")
def confirm_mfa(body: dict[str, Any]) -> dict[str, Any]:
    """Activate the pending secret with a code from the app; returns ten recovery codes, only now."""
    answer = stub("identity").ConfirmMfaEnrolment(identity_pb2.ConfirmMfaEnrolmentRequest(totp_code=body["totp_code"]))
    refresh_principal()
    return {"recovery_codes": list(answer.recovery_codes)}


@blp.route("/me/mfa/disable", methods=["POST"])
@authenticated
@blp.arguments(TotpSchema)
@blp.response(204)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(409, response="CONFLICT")
def disable_mfa(body: dict[str, Any]) -> None:
    """Remove my second factor (409 when a role I hold requires it)."""
    stub("identity").DisableMfa(identity_pb2.DisableMfaRequest(totp_code=body["totp_code"]))
    refresh_principal()
