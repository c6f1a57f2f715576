"""Request and response bodies of the access plugin: roles and permissions, assignments (phân công), accounts,
the account review (rà soát tài khoản) and the audit log (nhật ký hệ thống), plus their page forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import validate, validates_schema

from school_gateway.errors import N_
from school_gateway.identity.convert import FINDING_KINDS, SUBJECTS
from school_gateway.identity.schemas import (
    ID,
    REASON,
    AccountSchema,
    AssignmentSchema,
    AuditEventSchema,
    FindingSchema,
    PermissionSchema,
    RoleSchema,
)
from school_gateway.schemas import (
    Boolean,
    Date,
    DateTime,
    Integer,
    List,
    Nested,
    PageArgs,
    PageSchema,
    Schema,
    String,
    Text,
    VnDate,
)

ROLE_CODE = validate.Regexp(r"^[A-Z]{2,10}$", error=N_("Invalid role code."))
PERMISSION_NAME = validate.Regexp(
    r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$", error=N_("Invalid permission name.")
)
_BLANK_OK_ID = validate.Regexp(r"^([A-Za-z0-9][A-Za-z0-9_-]{0,63})?$", error=N_("Invalid id."))
_ACTION = validate.Regexp(r"^[a-z_.]{0,64}$", error=N_("Invalid action."))
_PERSON = validate.Length(max=150, error=N_("Too long."))
END_BEFORE_START = N_("The last day must not be before the first day.")
TO_BEFORE_FROM = N_("The end of the period must not be before its start.")


def _dates_in_order(data: dict[str, Any], start: str, end: str, message: str) -> None:
    first, last = data.get(start), data.get(end)
    if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
        raise ma.ValidationError(message, end)


# --- Roles and permissions -------------------------------------------------------------------------------


class RoleListSchema(Schema):
    items = List(Nested(RoleSchema), required=True)


class PermissionListSchema(Schema):
    items = List(Nested(PermissionSchema), required=True)


class SetRolePermissionsSchema(Schema):
    permissions = List(
        String(validate=PERMISSION_NAME),
        required=True,
        metadata={"label": N_("Permissions"), "description": "The complete new set."},
    )
    reason = Text(required=True, validate=REASON, metadata={"label": N_("Reason")})


class ReasonSchema(Schema):
    reason = Text(required=True, validate=REASON, metadata={"label": N_("Reason")})


# --- Assignments -------------------------------------------------------------------------------------------


class AssignmentListArgs(PageArgs):
    user_id = String(load_default="", validate=_BLANK_OK_ID, metadata={"label": N_("Person")})
    school_year_id = String(load_default="", validate=_BLANK_OK_ID, metadata={"label": N_("School year")})
    include_ended = Boolean(load_default=False, metadata={"label": N_("Include ended assignments")})


class AssignmentListSchema(PageSchema):
    items = List(Nested(AssignmentSchema), required=True)


class _GrantFields(Schema):
    user_id = String(required=True, validate=ID, metadata={"label": N_("Person")})
    role = String(required=True, validate=ROLE_CODE, metadata={"label": N_("Role")})
    school_year_id = String(validate=ID, metadata={"label": N_("School year")})
    department_id = String(validate=ID, metadata={"label": N_("Subject group")})
    class_id = String(validate=ID, metadata={"label": N_("Class")})
    subject_code = String(
        validate=validate.OneOf(list(SUBJECTS), error=N_("Choose a subject from the list.")),
        metadata={"label": N_("Subject"), "enum": list(SUBJECTS)},
    )

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        _dates_in_order(data, "starts_on", "ends_on", END_BEFORE_START)


class GrantSchema(_GrantFields):
    """A new assignment (JSON: ISO dates)."""

    starts_on = Date(metadata={"label": N_("First day"), "description": "Absent: today."})
    ends_on = Date(metadata={"label": N_("Last day"), "description": "Absent: the end of the school year."})


class GrantFormSchema(_GrantFields):
    """The grant form on the page (dates as dd/mm/yyyy)."""

    starts_on = VnDate(metadata={"label": N_("First day")})
    ends_on = VnDate(metadata={"label": N_("Last day")})


# --- Accounts ---------------------------------------------------------------------------------------------------


class AccountListArgs(PageArgs):
    q = String(
        load_default="",
        validate=validate.Length(max=100, error=N_("Too long.")),
        metadata={"label": N_("Search"), "description": "Part of the username or name (diacritics ignored)."},
    )


class AccountListSchema(PageSchema):
    items = List(Nested(AccountSchema), required=True)


class SetActiveSchema(Schema):
    active = Boolean(required=True, metadata={"description": "false disables the account and ends its sessions."})
    reason = Text(required=True, validate=REASON, metadata={"label": N_("Reason")})


class ResetPasswordResponseSchema(Schema):
    one_time_code = String(required=True, metadata={"description": "Hand it to the person; shown only now."})
    expires_at = DateTime(required=True, allow_none=True)


# --- Account review -----------------------------------------------------------------------------------------------


class ReviewArgs(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    inactive_days = Integer(
        load_default=0,
        validate=validate.Range(min=0, max=3650, error=N_("Must be between 0 and 3650.")),
        metadata={"label": N_("Inactive for more than (days)"), "description": "0: the school's policy (90)."},
    )
    password_max_age_days = Integer(
        load_default=0,
        validate=validate.Range(min=0, max=3650, error=N_("Must be between 0 and 3650.")),
        metadata={"label": N_("Password older than (days)"), "description": "0: the school's policy (90)."},
    )


class ReviewSchema(Schema):
    items = List(Nested(FindingSchema), required=True)


class RemindSchema(Schema):
    user_id = String(required=True, validate=ID, metadata={"label": N_("Person")})
    kind = String(
        required=True,
        validate=validate.OneOf(list(FINDING_KINDS), error=N_("Invalid value.")),
        metadata={"enum": list(FINDING_KINDS)},
    )


class RemindResponseSchema(Schema):
    reminded_at = DateTime(required=True, allow_none=True)


# --- Audit log ------------------------------------------------------------------------------------------------------


class _AuditFilterFields(Schema):
    person = Text(validate=_PERSON, metadata={"label": N_("Person"), "description": "Account id or username."})
    action = String(
        validate=_ACTION, metadata={"label": N_("Action"), "description": 'Prefix, e.g. "login." or "role."'}
    )

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        _dates_in_order(data, "from_date", "to_date", TO_BEFORE_FROM)


class AuditExportSchema(_AuditFilterFields):
    """The filters in the JSON API (ISO dates, inclusive, Vietnam time)."""

    from_date = Date(metadata={"label": N_("From")})
    to_date = Date(metadata={"label": N_("To")})


class AuditArgs(AuditExportSchema):
    """The filters as query parameters, with the page."""

    class Meta:
        # Query strings also carry ?lang=…; extra parameters are ignored rather than refused.
        unknown = ma.EXCLUDE

    page_size = Integer(
        load_default=50,
        validate=validate.Range(min=1, max=200, error=N_("Must be between 1 and 200.")),
        metadata={"label": N_("Page size"), "description": "Items per page, 1..200 (default 50)."},
    )
    page_token = String(
        load_default="",
        validate=validate.Length(max=512, error=N_("Too long.")),
        metadata={"label": N_("Page token"), "description": "next_page_token from the previous page."},
    )


class AuditFilterFormSchema(_AuditFilterFields):
    """The filters on the page (dd/mm/yyyy)."""

    class Meta:
        unknown = ma.EXCLUDE

    from_date = VnDate(metadata={"label": N_("From")})
    to_date = VnDate(metadata={"label": N_("To")})


class AuditPageSchema(PageSchema):
    items = List(Nested(AuditEventSchema), required=True)
