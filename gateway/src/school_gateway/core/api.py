"""The core plugin's JSON API: sign-in and sign-out, the current session (with its CSRF token) and the current user."""

from __future__ import annotations

from typing import Any

import grpc
from flask_wtf.csrf import generate_csrf

from school.identity.v1 import identity_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import authenticated, permission, public
from school_gateway.core.schemas import LoginResponseSchema, LoginSchema, MeResponseSchema, SessionResponseSchema
from school_gateway.errors import GatewayError
from school_gateway.i18n import gettext as _
from school_gateway.principal import Principal
from school_gateway.sessions import current_principal, sign_in, sign_out
from school_gateway.upstream import stub

blp = ApiBlueprint(
    "auth",
    __name__,
    url_prefix="/api/v1",
    description="Sign-in and sign-out, the current session and the signed-in user.",
)


def wrong_credentials() -> GatewayError:
    # One answer for unknown users, wrong passwords and disabled accounts: no username enumeration.
    return GatewayError(401, "unauthenticated", _("Wrong username or password."))


@blp.route("/auth/login", methods=["POST"])
@public
@blp.arguments(LoginSchema)
@blp.response(200, LoginResponseSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Sign in; starts a new session (new cookie) and returns its CSRF token.

    Not exempt from CSRF: a forged sign-in could plant the attacker's session in a victim's
    browser, so clients first call GET /api/v1/session for a token.
    """
    try:
        principal = sign_in(body["username"], body["password"])
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.UNAUTHENTICATED:
            raise wrong_credentials() from None
        raise
    return {"csrf_token": generate_csrf(), "principal": principal.to_dict()}


@blp.route("/auth/logout", methods=["POST"])
@authenticated
@blp.response(204)
def logout() -> None:
    """Sign out: identity revokes the session and the cookie is cleared."""
    sign_out()


@blp.route("/session", methods=["GET"])
@public
@blp.response(200, SessionResponseSchema)
def session_info() -> dict[str, Any]:
    """The current session (if any) and a CSRF token for the next POST, including sign-in."""
    principal = current_principal()
    return {
        "authenticated": principal is not None,
        "csrf_token": generate_csrf(),
        "principal": principal.to_dict() if principal else None,
    }


@blp.route("/me", methods=["GET"])
@permission("identity:me:read")
@blp.response(200, MeResponseSchema)
def me() -> dict[str, Any]:
    """The signed-in user as identity knows them now."""
    answer = stub("identity").GetMe(identity_pb2.GetMeRequest())
    return {"principal": Principal.from_proto(answer.principal).to_dict()}
