"""Response bodies for identity's records (staff, departments, assignments, accounts, roles, review, audit)
and the request fields several plugins share (TOTP codes, reasons, passwords)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import validate

from school_gateway.errors import N_
from school_gateway.identity.convert import EMPLOYMENT_STATUSES, FINDING_KINDS, SCOPE_KINDS
from school_gateway.schemas import (
    Boolean,
    Date,
    DateTime,
    Integer,
    List,
    Nested,
    PageSchema,
    Schema,
    String,
    messages,
)

ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error=N_("Invalid id."))
_TOTP = re.compile(r"^\d{6}$")
_RECOVERY = re.compile(r"^[A-Za-z0-9-]{6,32}$")


class TotpCode(String):
    """A 6-digit authenticator code; spaces typed between the digits are ignored."""

    default_error_messages = messages(invalid_code=N_("Enter the 6 digits shown in your authenticator app."))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = "".join(super()._deserialize(value, attr, data, **kwargs).split())
        if not _TOTP.match(text):
            raise self.make_error("invalid_code")
        return text


class RecoveryCode(String):
    """A one-time recovery code as printed (letters, digits and dashes; spaces ignored)."""

    default_error_messages = messages(invalid_code=N_("Enter one of your recovery codes exactly as written."))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = "".join(super()._deserialize(value, attr, data, **kwargs).split())
        if not _RECOVERY.match(text):
            raise self.make_error("invalid_code")
        return text


#: Why a change is made, for the audit log (identity requires 5..500 characters).
REASON = validate.Length(min=5, max=500, error=N_("Give a reason of 5 to 500 characters."))
#: Long passphrases are welcome (quality bar S4); identity applies the length and common-password rules.
PASSWORD = validate.Length(min=1, max=1024, error=N_("Must be 1 to 1024 characters."))


class MfaSecretSchema(Schema):
    secret = String(required=True, metadata={"description": "Base32 TOTP secret to type into an authenticator app."})
    provisioning_uri = String(required=True, metadata={"description": "otpauth:// URI (for a QR code)."})


class StaffRecordSchema(Schema):
    id = String(required=True)
    staff_code = String(required=True)
    full_name = String(required=True)
    date_of_birth = Date(required=True, allow_none=True)
    gender = String(required=True, metadata={"enum": ["male", "female", ""]})
    citizen_id = String(metadata={"description": "Số CCCD; present only for holders of identity:staff:read_sensitive."})
    position = String(required=True, metadata={"description": "HT, PHT, GV, NV …"})
    qualification = String(required=True)
    phone = String(required=True)
    email = String(required=True)
    address = String(required=True)
    start_date = Date(required=True, allow_none=True)
    department_id = String(required=True)
    employment_status = String(required=True, metadata={"enum": [*EMPLOYMENT_STATUSES, "unspecified"]})
    user_id = String(required=True)
    missing_fields = List(String(), required=True, metadata={"description": "Required fields still empty."})
    complete = Boolean(required=True)
    version = Integer(required=True, metadata={"description": "Send it back when updating (optimistic locking)."})
    updated_at = DateTime(required=True, allow_none=True)


class DepartmentSchema(Schema):
    id = String(required=True)
    name = String(required=True)
    grade_levels = List(
        Integer(),
        required=True,
        metadata={"description": "Grade levels (khối 1..5) the department covers; its TTCM reaches those classes."},
    )


class AssignmentSchema(Schema):
    id = String(required=True)
    user_id = String(required=True)
    full_name = String(required=True)
    role = String(required=True)
    school_year_id = String(required=True)
    scope_kind = String(required=True, metadata={"enum": [*SCOPE_KINDS, "unspecified"]})
    department_id = String(required=True)
    class_id = String(required=True)
    subject_code = String(required=True)
    starts_on = Date(required=True, allow_none=True)
    ends_on = Date(required=True, allow_none=True)
    ended_at = DateTime(required=True, allow_none=True)
    granted_by = String(required=True)
    current = Boolean(required=True, metadata={"description": "Not ended and not past its last day."})


class AssignmentPageSchema(PageSchema):
    items = List(Nested(AssignmentSchema), required=True)


class AccountSchema(Schema):
    id = String(required=True)
    username = String(required=True)
    full_name = String(required=True)
    active = Boolean(required=True)
    roles = List(String(), required=True)
    mfa_enrolled = Boolean(required=True)
    mfa_required = Boolean(required=True)
    last_login_at = DateTime(required=True, allow_none=True)
    password_changed_at = DateTime(required=True, allow_none=True)
    must_change_password = Boolean(required=True)
    locked_until = DateTime(required=True, allow_none=True)
    staff_id = String(required=True)


class RoleSchema(Schema):
    code = String(required=True)
    name = String(required=True)
    permissions = List(String(), required=True)
    mfa_required = Boolean(required=True)
    scope_kind = String(required=True, metadata={"enum": [*SCOPE_KINDS, "unspecified"]})
    year_scoped = Boolean(required=True)


class PermissionSchema(Schema):
    name = String(required=True)
    description = String(required=True)


class FindingSchema(Schema):
    user_id = String(required=True)
    username = String(required=True)
    full_name = String(required=True)
    kind = String(required=True, metadata={"enum": [*FINDING_KINDS, "unspecified"]})
    detail = String(required=True)
    last_reminded_at = DateTime(required=True, allow_none=True)


class AuditEventSchema(Schema):
    id = Integer(required=True)
    at = DateTime(required=True, allow_none=True)
    actor = String(required=True)
    actor_username = String(required=True)
    action = String(required=True)
    outcome = String(required=True)
    target = String(required=True)
    ip = String(required=True)
    request_id = String(required=True)
    detail = String(required=True)
