"""Bodies of the school-structure routes: editing a year (dates, semesters) and a class, as JSON and forms."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate, validates_schema

from school_gateway.errors import N_
from school_gateway.schemas import INVALID_VN_DATE, Date, Integer, Nested, Schema, String, Text, messages
from school_gateway.students.schemas import SemesterInSchema

_VERSION = {"label": N_("Version of the record"), "description": "The version last read (GET); 409 when it is stale."}
# Versions are int64 upstream; anything past 2**53 is not a version this system ever handed out.
_VERSION_RANGE = validate.Range(min=1, max=2**53, error=N_("The version is missing: reload the page."))
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_VN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _end_after_start(data: Mapping[str, Any], start: str, end: str) -> dict[str, list[str]]:
    first, last = data.get(start), data.get(end)
    if isinstance(first, dt.date) and isinstance(last, dt.date) and last <= first:
        return {end: [N_("The end date must be after the start date.")]}
    return {}


# --- JSON API ---------------------------------------------------------------------------------------


class UpdateSchoolYearSchema(Schema):
    version = Integer(
        required=True,
        validate=_VERSION_RANGE,
        metadata=_VERSION,
    )
    start_date = Date(required=True, metadata={"label": N_("Start date")})
    end_date = Date(required=True, metadata={"label": N_("End date")})
    hk1 = Nested(SemesterInSchema, metadata={"label": N_("Semester 1"), "description": "Absent with hk2: kept."})
    hk2 = Nested(SemesterInSchema, metadata={"label": N_("Semester 2"), "description": "Starts the day after hk1."})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        problems = _end_after_start(data, "start_date", "end_date")
        if problems:
            raise ma.ValidationError(problems)


class UpdateClassSchema(Schema):
    version = Integer(
        required=True,
        validate=_VERSION_RANGE,
        metadata=_VERSION,
    )
    name = Text(
        required=True,
        validate=validate.Length(max=20, error=N_("At most 20 characters.")),
        metadata={"label": N_("Class name"), "example": "3A"},
    )
    room = String(
        load_default="",
        validate=validate.Length(max=30, error=N_("The room may have at most 30 characters.")),
        metadata={"label": N_("Room"), "example": "P.203"},
    )
    max_size = Integer(
        required=True,
        validate=validate.Range(min=1, max=60, error=N_("The maximum size must be 1 to 60.")),
        metadata={"label": N_("Maximum size"), "description": "At least the current size, at most the school's limit."},
    )


# --- Page forms -------------------------------------------------------------------------------------


class FormDate(ma.fields.Date):
    """A date typed on a page as dd/mm/yyyy; the ISO form a date picker sends is accepted too."""

    default_error_messages = messages(invalid=INVALID_VN_DATE, format=INVALID_VN_DATE)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> dt.date:
        text = value.strip() if isinstance(value, str) else ""
        iso, vn = _ISO.match(text), _VN.match(text)
        try:
            if iso:
                return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            if vn:
                return dt.date(int(vn.group(3)), int(vn.group(2)), int(vn.group(1)))
        except ValueError:
            pass
        raise self.make_error("invalid")


def _weeks(label: str) -> Integer:
    return Integer(
        load_default=0,
        validate=validate.Range(min=0, max=30, error=N_("Teaching weeks must be 0 to 30.")),
        metadata={"label": label},
    )


class _SemesterFields(Schema):
    """The six semester inputs of a year form; all empty means "defaults" (new) or "keep" (edit)."""

    hk1_start_date = FormDate(metadata={"label": N_("Semester 1 start date")})
    hk1_end_date = FormDate(metadata={"label": N_("Semester 1 end date")})
    hk1_teaching_weeks = _weeks(N_("Semester 1 teaching weeks"))
    hk2_start_date = FormDate(metadata={"label": N_("Semester 2 start date")})
    hk2_end_date = FormDate(metadata={"label": N_("Semester 2 end date")})
    hk2_teaching_weeks = _weeks(N_("Semester 2 teaching weeks"))

    @validates_schema(skip_on_field_errors=False)
    def _semesters(self, data: dict[str, Any], **_: Any) -> None:
        problems: dict[str, list[str]] = {}
        dates = [f"hk{t}_{edge}_date" for t in (1, 2) for edge in ("start", "end")]
        weeks = any(data.get(f"hk{t}_teaching_weeks") for t in (1, 2))
        if weeks or any(name in data for name in dates):
            for name in dates:
                if name not in data:
                    problems[name] = [N_("This field is required.")]
        problems.update(_end_after_start(data, "hk1_start_date", "hk1_end_date"))
        problems.update(_end_after_start(data, "hk2_start_date", "hk2_end_date"))
        problems.update(_end_after_start(data, "start_date", "end_date"))
        if problems:
            raise ma.ValidationError(problems)


class YearFormSchema(_SemesterFields):
    """The "new school year" form."""

    name = Text(
        required=True,
        validate=validate.Regexp(r"^\d{4}-\d{4}$", error=N_("Write the school year as YYYY-YYYY, e.g. 2025-2026.")),
        metadata={"label": N_("School year")},
    )
    start_date = FormDate(required=True, metadata={"label": N_("Start date")})
    end_date = FormDate(required=True, metadata={"label": N_("End date")})


class YearEditFormSchema(_SemesterFields):
    """The "edit school year" form (the name stays)."""

    version = Integer(required=True, validate=_VERSION_RANGE)
    start_date = FormDate(required=True, metadata={"label": N_("Start date")})
    end_date = FormDate(required=True, metadata={"label": N_("End date")})


class ClassEditFormSchema(UpdateClassSchema):
    """The "edit class" form: same fields as the JSON body."""


def semester_fields(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's flat semester inputs as the hk1/hk2 request parts (empty when none was given)."""
    out: dict[str, dict[str, Any]] = {}
    for term in (1, 2):
        start, end = data.get(f"hk{term}_start_date"), data.get(f"hk{term}_end_date")
        if start is None or end is None:
            continue
        out[f"hk{term}"] = {
            "start_date": start,
            "end_date": end,
            "teaching_weeks": int(data.get(f"hk{term}_teaching_weeks", 0)),
        }
    return out


def form_field(name: str) -> str:
    """A service field name as the page form names it ("hk1.start_date" → "hk1_start_date")."""
    return name.replace(".", "_")
