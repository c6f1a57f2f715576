"""Request and response bodies of the staff plugin (hồ sơ CBGVNV, tổ chuyên môn) and its page forms.

The JSON API takes ISO dates (YYYY-MM-DD); the pages take dd/mm/yyyy. The citizen id (số CCCD) is
a field only for holders of identity:staff:read_sensitive: the views refuse it from anyone else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import validate, validates_schema

from school_gateway.errors import N_
from school_gateway.identity.convert import EMPLOYMENT_STATUSES, GENDERS, POSITIONS
from school_gateway.identity.schemas import DepartmentSchema, StaffRecordSchema
from school_gateway.schemas import (
    Boolean,
    Date,
    Integer,
    List,
    Nested,
    PageArgs,
    PageSchema,
    RowErrorSchema,
    Schema,
    String,
    Text,
    VnDate,
    not_in_future,
)

_CITIZEN_ID = validate.Regexp(r"^\d{12}$", error=N_("The citizen ID (CCCD) has 12 digits."))
_PHONE = validate.Regexp(r"^0\d{9}$", error=N_("Write a 10-digit mobile number starting with 0."))
_EMAIL = validate.Regexp(
    r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$", error=N_("Write an email address such as ten@truong.edu.vn.")
)
_USERNAME = validate.Regexp(
    r"^[a-z0-9][a-z0-9._]{2,149}$", error=N_("Use 3 to 150 lower-case letters, digits, dots or underscores.")
)
_BLANK_OK_ID = validate.Regexp(r"^([A-Za-z0-9][A-Za-z0-9_-]{0,63})?$", error=N_("Invalid id."))
CITIZEN_ID_MISMATCH = N_("The citizen ID does not match the date of birth or the gender.")


def citizen_id_problem(citizen_id: str, born: dt.date | None, gender: str) -> str | None:
    """The CCCD structure check (TT 59/2021/TT-BCA): digit 4 gives century and gender, digits 5-6 the year.

    20th century: male 0, female 1; 21st century: male 2, female 3. identity checks again; this
    only spares the office a round trip for a mistyped number.
    """
    if len(citizen_id) != 12 or not citizen_id.isdigit() or born is None:
        return None
    century_gender = int(citizen_id[3])
    if century_gender > 3:
        return CITIZEN_ID_MISMATCH
    century = 1900 if century_gender < 2 else 2000
    if born.year // 100 * 100 != century or citizen_id[4:6] != f"{born.year % 100:02d}":
        return CITIZEN_ID_MISMATCH
    if gender and (gender == "female") != (century_gender % 2 == 1):
        return CITIZEN_ID_MISMATCH
    return None


class _StaffFields(Schema):
    """Every editable field of a staff record; subclasses choose the date format."""

    staff_code = Text(
        validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,20}$", error=N_("Use up to 20 letters, digits, dots or dashes.")),
        metadata={"label": N_("Staff code"), "example": "GV012"},
    )
    full_name = Text(
        required=True,
        validate=validate.Length(min=2, max=100, error=N_("The full name must be 2 to 100 characters.")),
        metadata={"label": N_("Full name"), "example": "Nguyễn Thị Hoa"},
    )
    gender = String(
        validate=validate.OneOf(list(GENDERS), error=N_("Choose male or female.")),
        metadata={"label": N_("Gender"), "enum": list(GENDERS)},
    )
    citizen_id = String(
        validate=_CITIZEN_ID,
        metadata={
            "label": N_("Citizen ID (CCCD)"),
            "description": "12 digits; only for holders of identity:staff:read_sensitive.",
        },
    )
    position = String(
        validate=validate.OneOf(list(POSITIONS), error=N_("Choose a position from the list.")),
        metadata={"label": N_("Position"), "enum": list(POSITIONS)},
    )
    qualification = Text(
        validate=validate.Length(max=200, error=N_("At most 200 characters.")),
        metadata={"label": N_("Qualification"), "example": "Đại học Sư phạm Tiểu học"},
    )
    phone = String(validate=_PHONE, metadata={"label": N_("Phone"), "example": "0912345678"})
    email = String(validate=_EMAIL, metadata={"label": N_("Email")})
    address = Text(
        validate=validate.Length(max=300, error=N_("At most 300 characters.")), metadata={"label": N_("Address")}
    )
    department_id = String(validate=_BLANK_OK_ID, metadata={"label": N_("Subject group")})
    employment_status = String(
        load_default="active",
        validate=validate.OneOf(list(EMPLOYMENT_STATUSES), error=N_("Choose a status from the list.")),
        metadata={"label": N_("Employment status"), "enum": list(EMPLOYMENT_STATUSES)},
    )

    @validates_schema
    def _citizen_id_matches(self, data: dict[str, Any], **_: Any) -> None:
        problem = citizen_id_problem(data.get("citizen_id", ""), data.get("date_of_birth"), data.get("gender", ""))
        if problem:
            raise ma.ValidationError(problem, "citizen_id")


class StaffBodySchema(_StaffFields):
    """A staff record in the JSON API (ISO dates)."""

    date_of_birth = Date(validate=not_in_future, metadata={"label": N_("Date of birth")})
    start_date = Date(metadata={"label": N_("Start date at the school")})


class CreateStaffSchema(StaffBodySchema):
    create_account_username = String(
        validate=_USERNAME,
        metadata={
            "label": N_("Sign-in name"),
            "description": "Also create a sign-in account; its one-time code is returned once.",
        },
    )


class UpdateStaffSchema(StaffBodySchema):
    version = Integer(
        required=True,
        validate=validate.Range(min=0, error=N_("Invalid value.")),
        metadata={"description": "The version last read (optimistic locking)."},
    )


class StaffFormSchema(_StaffFields):
    """The page form (dates as dd/mm/yyyy)."""

    date_of_birth = VnDate(validate=not_in_future, metadata={"label": N_("Date of birth")})
    start_date = VnDate(metadata={"label": N_("Start date at the school")})
    create_account_username = String(validate=_USERNAME, metadata={"label": N_("Sign-in name")})
    version = Integer(validate=validate.Range(min=0, error=N_("Invalid value.")))


class StaffListArgs(PageArgs):
    department_id = String(load_default="", validate=_BLANK_OK_ID, metadata={"label": N_("Subject group")})
    incomplete_only = Boolean(
        load_default=False, metadata={"label": N_("Incomplete only"), "description": "Only records missing fields."}
    )


class StaffPageSchema(PageSchema):
    items = List(Nested(StaffRecordSchema), required=True)
    total = Integer(required=True, metadata={"description": "Records in the whole school."})
    complete = Integer(required=True, metadata={"description": "Complete records in the whole school."})


class CreatedStaffSchema(Schema):
    record = Nested(StaffRecordSchema, required=True)
    one_time_code = String(
        required=True, metadata={"description": "The new account's one-time sign-in code (shown once); empty if none."}
    )


class ImportResultSchema(Schema):
    dry_run = Boolean(required=True)
    written = Boolean(required=True, metadata={"description": "false when any row is invalid or on a dry run."})
    created = Integer(required=True)
    updated = Integer(required=True)
    errors = List(Nested(RowErrorSchema), required=True)


class ExportSchema(Schema):
    include_sensitive = Boolean(
        load_default=False,
        metadata={
            "label": N_("Include citizen IDs"),
            "description": "Needs identity:staff:read_sensitive and a recent step-up (POST /api/v1/auth/step-up).",
        },
    )


class DepartmentListSchema(Schema):
    items = List(Nested(DepartmentSchema), required=True)


class CreateDepartmentSchema(Schema):
    name = Text(
        required=True,
        validate=validate.Length(min=2, max=100, error=N_("The name must be 2 to 100 characters.")),
        metadata={"label": N_("Name"), "example": "Tổ 4-5"},
    )


class DepartmentGradesSchema(Schema):
    grade_levels = List(
        Integer(validate=validate.Range(min=1, max=5, error=N_("Grade levels are 1 to 5."))),
        required=True,
        metadata={
            "label": N_("Grade levels"),
            "description": "Replaces the grade levels (1..5) the department covers; [] clears them.",
            "example": [4, 5],
        },
    )
