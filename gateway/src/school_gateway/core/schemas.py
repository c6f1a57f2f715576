"""Request and response bodies of the core plugin: sign-in and its steps, session, step-up, me and its account forms."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate, validates_schema

from school_gateway.errors import N_
from school_gateway.identity.schemas import PASSWORD, MfaSecretSchema, RecoveryCode, TotpCode
from school_gateway.schemas import Boolean, DateTime, Integer, List, Nested, PrincipalSchema, Schema, String, Text
from school_gateway.sessions import MFA_ENROLMENT_REQUIRED, MFA_REQUIRED, PASSWORD_CHANGE_REQUIRED, SIGNED_IN

_USERNAME = validate.Length(max=150, error=N_("Too long."))
OUTCOMES = (SIGNED_IN, PASSWORD_CHANGE_REQUIRED, MFA_ENROLMENT_REQUIRED, MFA_REQUIRED)
PASSWORDS_DIFFER = N_("The two passwords are not the same.")


class LoginSchema(Schema):
    username = Text(required=True, validate=_USERNAME, metadata={"label": N_("Username")})
    password = String(required=True, validate=PASSWORD, metadata={"label": N_("Password")})


class ContinueSchema(Schema):
    """The answer to the pending sign-in step: exactly one of the three fields."""

    new_password = String(
        validate=PASSWORD,
        metadata={"label": N_("New password"), "description": "For outcome password_change_required."},
    )
    totp_code = TotpCode(
        metadata={
            "label": N_("Authentication code"),
            "description": "6 digits; for mfa_enrolment_required and mfa_required.",
        }
    )
    recovery_code = RecoveryCode(
        metadata={"label": N_("Recovery code"), "description": "Instead of totp_code, for mfa_required."}
    )

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **_: Any) -> None:
        given = [k for k in ("new_password", "totp_code", "recovery_code") if data.get(k)]
        if len(given) != 1:
            raise ma.ValidationError(N_("Send exactly one of new_password, totp_code or recovery_code."), "_schema")


class LoginResponseSchema(Schema):
    """Where the sign-in stands; a session exists only when outcome is signed_in."""

    outcome = String(required=True, metadata={"enum": list(OUTCOMES)})
    csrf_token = String(required=True, metadata={"description": "Send it as X-CSRFToken on every POST."})
    principal = Nested(PrincipalSchema, metadata={"description": "Only when outcome is signed_in."})
    mfa_secret = Nested(MfaSecretSchema, metadata={"description": "Only when outcome is mfa_enrolment_required."})
    recovery_codes = List(
        String(), metadata={"description": "Only once, right after the TOTP enrolment step: keep them safe."}
    )


class SessionResponseSchema(Schema):
    authenticated = Boolean(required=True)
    csrf_token = String(required=True, metadata={"description": "Send it as X-CSRFToken on every POST."})
    principal = Nested(PrincipalSchema, allow_none=True, required=True)
    pending_step = String(
        required=True,
        allow_none=True,
        metadata={
            "enum": [PASSWORD_CHANGE_REQUIRED, MFA_ENROLMENT_REQUIRED, MFA_REQUIRED, None],
            "description": "A sign-in waiting for this step (answer it with POST /api/v1/auth/continue).",
        },
    )


class MeResponseSchema(Schema):
    principal = Nested(PrincipalSchema, required=True)


class StepUpSchema(Schema):
    totp_code = TotpCode(required=True, metadata={"label": N_("Authentication code")})


class StepUpResponseSchema(Schema):
    stepped_up_until = DateTime(required=True, metadata={"description": "Bulk exports are allowed until then."})
    principal = Nested(PrincipalSchema, required=True)


class ChangePasswordSchema(Schema):
    current_password = String(required=True, validate=PASSWORD, metadata={"label": N_("Current password")})
    new_password = String(required=True, validate=PASSWORD, metadata={"label": N_("New password")})


class ChangePasswordFormSchema(ChangePasswordSchema):
    """The page form also asks for the new password twice."""

    confirm_password = String(required=True, validate=PASSWORD, metadata={"label": N_("New password again")})

    @validates_schema
    def _same(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("new_password") and data.get("confirm_password") not in (None, data["new_password"]):
            raise ma.ValidationError(PASSWORDS_DIFFER, "confirm_password")


class NewPasswordFormSchema(Schema):
    """First sign-in (or after a reset): the new password, twice."""

    new_password = String(required=True, validate=PASSWORD, metadata={"label": N_("New password")})
    confirm_password = String(required=True, validate=PASSWORD, metadata={"label": N_("New password again")})

    @validates_schema
    def _same(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("new_password") and data.get("confirm_password") not in (None, data["new_password"]):
            raise ma.ValidationError(PASSWORDS_DIFFER, "confirm_password")


class TotpSchema(Schema):
    totp_code = TotpCode(required=True, metadata={"label": N_("Authentication code")})


class RecoverySchema(Schema):
    recovery_code = RecoveryCode(required=True, metadata={"label": N_("Recovery code")})


class MfaStartResponseSchema(Schema):
    mfa_secret = Nested(MfaSecretSchema, required=True)


class RecoveryCodesSchema(Schema):
    recovery_codes = List(String(), required=True, metadata={"description": "Ten one-time codes, shown only now."})


class ContactSchema(Schema):
    """The fields a person may correct on their own staff record."""

    phone = String(
        load_default="",
        validate=validate.Regexp(r"^(0\d{9})?$", error=N_("Write a 10-digit mobile number starting with 0.")),
        metadata={"label": N_("Phone")},
    )
    email = String(
        load_default="",
        validate=validate.Regexp(
            r"^([^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63})?$",
            error=N_("Write an email address such as ten@truong.edu.vn."),
        ),
        metadata={"label": N_("Email")},
    )
    address = String(
        load_default="",
        validate=validate.Length(max=300, error=N_("At most 300 characters.")),
        metadata={"label": N_("Address")},
    )
    version = Integer(
        required=True,
        validate=validate.Range(min=0, error=N_("Invalid value.")),
        metadata={"description": "The record version last read (optimistic locking)."},
    )
