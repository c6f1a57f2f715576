"""Marshmallow base schema and fields whose messages are msgids of the Vietnamese catalogue.

Every message here is an English msgid (marked with ``N_``) that the error handler translates
into the request's language: Vietnamese by default ("Trường này là bắt buộc", "Ngày không hợp
lệ (định dạng YYYY-MM-DD)", "Không được để trống", …), English with ?lang=en. Field labels
(``metadata={"label": ...}``) let the top-level message name each bad field in words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate
from marshmallow.types import ErrorMessages

from school_gateway.errors import N_

REQUIRED = N_("This field is required.")
NOT_EMPTY = N_("Must not be empty.")
INVALID_DATE = N_("Invalid date (format YYYY-MM-DD).")
INVALID_VN_DATE = N_("Invalid date (format dd/mm/yyyy).")

_BASE_MESSAGES = {
    "required": REQUIRED,
    "null": NOT_EMPTY,
    "validator_failed": N_("Invalid value."),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def messages(**overrides: str) -> ErrorMessages:
    """A field's message table: the shared Vietnamese-catalogue msgids plus the field's own.

    marshmallow merges ``default_error_messages`` along the class hierarchy, so each field class
    states only what differs.
    """
    table: ErrorMessages = {**_BASE_MESSAGES, **overrides}
    return table


class String(ma.fields.String):
    default_error_messages = messages(invalid=N_("Must be text."), invalid_utf8=N_("Must be text."))


class Text(String):
    """Text that is trimmed and must not be blank (names, titles)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ma.ValidationError(NOT_EMPTY)
        return " ".join(text.split())


class Integer(ma.fields.Integer):
    """A whole number; text such as "3" is accepted because HTML forms and query strings send text."""

    default_error_messages = messages(invalid=N_("Must be a whole number."), too_large=N_("The number is too large."))


class Date(ma.fields.Date):
    """An ISO calendar date, exactly YYYY-MM-DD (no week dates or compact forms)."""

    default_error_messages = messages(invalid=INVALID_DATE, format=INVALID_DATE)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> dt.date:
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class VnDate(ma.fields.Date):
    """A date typed on a page as dd/mm/yyyy (the Vietnamese convention); forms only, the JSON API uses ISO."""

    default_error_messages = messages(invalid=INVALID_VN_DATE, format=INVALID_VN_DATE)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> dt.date:
        match = _VN_DATE.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid")
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise self.make_error("invalid") from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else None


class DateTime(ma.fields.DateTime):
    default_error_messages = messages(
        invalid=N_("Invalid date and time (ISO 8601)."), format=N_("Invalid date and time (ISO 8601).")
    )


class Boolean(ma.fields.Boolean):
    default_error_messages = messages(invalid=N_("Must be true or false."))


class List(ma.fields.List):
    default_error_messages = messages(invalid=N_("Must be a list."))


class Nested(ma.fields.Nested):
    default_error_messages = messages(type=N_("Invalid input type."))


class Dict(ma.fields.Dict):
    default_error_messages = messages(invalid=N_("Must be an object."))


def _schema_messages() -> dict[str, str]:
    return {"unknown": N_("Unknown field."), "type": N_("Invalid input type.")}


class Schema(ma.Schema):
    """Base of every request and response schema: unknown fields are refused (no mass assignment)."""

    error_messages = _schema_messages()

    class Meta:
        unknown = ma.RAISE


def not_in_future(value: dt.date) -> None:
    if value > dt.date.today():
        raise ma.ValidationError(N_("The date cannot be in the future."))


class PageArgs(Schema):
    """Pagination query parameters shared by every list endpoint."""

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


class ErrorBodySchema(Schema):
    code = String(required=True, metadata={"description": "Machine-readable error code, e.g. invalid_argument."})
    message = String(required=True, metadata={"description": "Message for people (Vietnamese by default)."})
    request_id = String(required=True, metadata={"description": "Quote this id when reporting a problem."})
    # Not named "fields": that attribute belongs to marshmallow's Schema.
    field_messages = Dict(
        data_key="fields",
        keys=String(),
        values=String(),
        metadata={"description": "Per-field messages for invalid input (field name → message)."},
    )


class ErrorSchema(Schema):
    """Every JSON error: ``{"error": {"code", "message", "request_id", "fields"}}``."""

    error = Nested(ErrorBodySchema, required=True)


class PrincipalSchema(Schema):
    user_id = String(required=True)
    username = String(required=True)
    full_name = String(required=True)
    school_id = String(required=True)
    roles = List(String(), required=True)
    permissions = List(String(), required=True)
    scopes = List(
        String(),
        required=True,
        metadata={"description": 'Object scopes of current assignments: "school", "class:<id>", "department:<id>", …'},
    )
    mfa_verified = Boolean(required=True, metadata={"description": "The session passed a second factor."})
    stepped_up_until = Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Unix seconds until which the session counts as stepped up (null: not)."},
    )


class PageSchema(Schema):
    """Fields every page of a list answer carries."""

    next_page_token = String(required=True, metadata={"description": "Empty on the last page."})


def timestamp(message: Any, name: str) -> dt.datetime | None:
    """An optional google.protobuf.Timestamp field as an aware UTC datetime (unset: None)."""
    if not message.HasField(name):
        return None
    moment: dt.datetime = getattr(message, name).ToDatetime(tzinfo=dt.UTC)
    return moment


def iso_date(value: str) -> dt.date | None:
    """A proto ISO date string as a date for dumping (empty or malformed: None)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- Excel uploads (every plugin that imports a workbook) ------------------------------------------------


class ImportArgs(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    dry_run = Boolean(load_default=False, metadata={"description": "Only check the rows; write nothing."})


class ImportFileSchema(Schema):
    workbook = Upload(required=True, metadata={"label": N_("Excel file"), "description": ".xlsx, at most 5 MB."})


class RowErrorSchema(Schema):
    row = Integer(required=True, metadata={"description": "Sheet row as Excel shows it (header is row 1)."})
    column = String(required=True)
    message = String(required=True)
