"""Request and response bodies of the core plugin's JSON API (sign-in, session, me)."""

from __future__ import annotations

from marshmallow import validate

from school_gateway.errors import N_
from school_gateway.schemas import Boolean, Nested, PrincipalSchema, Schema, String, Text

_USERNAME = validate.Length(max=150, error=N_("Too long."))
# Long passphrases are welcome (quality bar S4 asks for 64+ characters); the cap only bounds the request.
_PASSWORD = validate.Length(min=1, max=1024, error=N_("Must be 1 to 1024 characters."))


class LoginSchema(Schema):
    username = Text(required=True, validate=_USERNAME, metadata={"label": N_("Username")})
    password = String(required=True, validate=_PASSWORD, metadata={"label": N_("Password")})


class LoginResponseSchema(Schema):
    csrf_token = String(required=True, metadata={"description": "Send it as X-CSRFToken on every POST."})
    principal = Nested(PrincipalSchema, required=True)


class SessionResponseSchema(Schema):
    authenticated = Boolean(required=True)
    csrf_token = String(required=True, metadata={"description": "Send it as X-CSRFToken on every POST."})
    principal = Nested(PrincipalSchema, allow_none=True, required=True)


class MeResponseSchema(Schema):
    principal = Nested(PrincipalSchema, required=True)
