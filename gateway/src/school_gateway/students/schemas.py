"""Request and response bodies of the students plugin's JSON API and page forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import validate, validates_schema

from school_gateway.errors import N_
from school_gateway.schemas import Date, Integer, List, Nested, PageArgs, Schema, String, Text, not_in_future

GENDERS = ("male", "female")
_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error=N_("Invalid id."))


class SchoolYearSchema(Schema):
    id = String(required=True)
    name = String(required=True, metadata={"description": "YYYY-YYYY, e.g. 2025-2026."})
    start_date = Date(required=True, allow_none=True)
    end_date = Date(required=True, allow_none=True)
    semesters = List(
        Nested("SemesterSchema"), required=True, metadata={"description": "HK I (term 1) and HK II (term 2)."}
    )
    version = Integer(required=True, metadata={"description": "Send it back to PUT (optimistic concurrency)."})


class SemesterSchema(Schema):
    term = Integer(required=True, metadata={"description": "1 = HK I, 2 = HK II."})
    start_date = Date(required=True, allow_none=True)
    end_date = Date(required=True, allow_none=True)
    teaching_weeks = Integer(required=True, metadata={"description": "Số tuần thực học; 0 when not recorded."})


class SemesterInSchema(Schema):
    """A semester in a request: both dates, optionally the teaching weeks."""

    start_date = Date(required=True, metadata={"label": N_("Semester start date")})
    end_date = Date(required=True, metadata={"label": N_("Semester end date")})
    teaching_weeks = Integer(
        load_default=0,
        validate=validate.Range(min=0, max=30, error=N_("Teaching weeks must be 0 to 30.")),
        metadata={"label": N_("Teaching weeks")},
    )


class SchoolYearPageSchema(Schema):
    items = List(Nested(SchoolYearSchema), required=True)
    next_page_token = String(required=True, metadata={"description": "Empty on the last page."})


class CreateSchoolYearSchema(Schema):
    name = Text(
        required=True,
        validate=validate.Regexp(r"^\d{4}-\d{4}$", error=N_("Write the school year as YYYY-YYYY, e.g. 2025-2026.")),
        metadata={"label": N_("School year"), "example": "2025-2026"},
    )
    start_date = Date(required=True, metadata={"label": N_("Start date")})
    end_date = Date(required=True, metadata={"label": N_("End date")})
    hk1 = Nested(
        SemesterInSchema,
        metadata={"label": N_("Semester 1"), "description": "Absent with hk2: the configured defaults."},
    )
    hk2 = Nested(SemesterInSchema, metadata={"label": N_("Semester 2"), "description": "Starts the day after hk1."})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        problems: dict[str, list[str]] = {}
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end <= start:
            problems["end_date"] = [N_("The end date must be after the start date.")]
        name = data.get("name", "")
        if len(name) == 9 and int(name[5:]) != int(name[:4]) + 1:
            problems["name"] = [N_("The second year must follow the first, e.g. 2025-2026.")]
        if problems:
            raise ma.ValidationError(problems)


class ClassSchema(Schema):
    id = String(required=True)
    school_year_id = String(required=True)
    name = String(required=True)
    grade_level = Integer(required=True, metadata={"description": "Khối 1 to 5."})
    max_size = Integer(required=True, metadata={"description": "Sĩ số tối đa."})
    size = Integer(required=True, metadata={"description": "Sĩ số: students enrolled now."})
    room = String(required=True, metadata={"description": "Phòng học, may be empty."})
    version = Integer(required=True, metadata={"description": "Send it back to PUT (optimistic concurrency)."})
    homeroom_teachers = List(
        String(),
        metadata={
            "description": "Names of the class's GVCN from identity's assignments; present only on "
            "GET /classes/{id} for callers who may read assignments."
        },
    )


class ClassPageSchema(Schema):
    items = List(Nested(ClassSchema), required=True)
    next_page_token = String(required=True)


class ClassListArgs(PageArgs):
    school_year_id = String(
        load_default="", validate=validate.Length(max=64, error=N_("Too long.")), metadata={"label": N_("School year")}
    )


class CreateClassSchema(Schema):
    school_year_id = String(required=True, validate=_ID, metadata={"label": N_("School year")})
    name = Text(
        required=True,
        validate=validate.Length(max=20, error=N_("At most 20 characters.")),
        metadata={"label": N_("Class name"), "example": "3A"},
    )
    grade_level = Integer(
        required=True,
        validate=validate.Range(min=1, max=5, error=N_("The grade level must be 1 to 5.")),
        metadata={"label": N_("Grade level")},
    )
    max_size = Integer(
        load_default=0,
        validate=validate.Range(min=0, max=60, error=N_("The maximum size must be 1 to 60.")),
        metadata={"label": N_("Maximum size"), "description": "1..60; 0 or absent takes the school's default."},
    )
    room = String(
        load_default="",
        validate=validate.Length(max=30, error=N_("The room may have at most 30 characters.")),
        metadata={"label": N_("Room"), "example": "P.203"},
    )


class StudentSchema(Schema):
    id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    date_of_birth = Date(required=True, allow_none=True)
    gender = String(required=True, metadata={"enum": ["male", "female", "unspecified"]})
    class_id = String(required=True)
    version = Integer(required=True)


class StudentPageSchema(Schema):
    items = List(Nested(StudentSchema), required=True)
    next_page_token = String(required=True)


class FoundStudentSchema(StudentSchema):
    class_name = String(required=True, metadata={"description": "Name of the current class, e.g. 3A."})


class StudentSearchPageSchema(Schema):
    items = List(Nested(FoundStudentSchema), required=True)
    next_page_token = String(required=True, metadata={"description": "Empty on the last page."})


class StudentSearchArgs(PageArgs):
    q = Text(
        load_default="",
        validate=validate.Length(max=100, error=N_("At most 100 characters.")),
        metadata={
            "label": N_("Name or student code"),
            "description": "Words of the name with or without diacritics (every word must occur), "
            "or an exact student code; at least 2 letters unless class_id is given.",
            "example": "nguyen van an",
        },
    )
    class_id = String(
        load_default="", validate=validate.Length(max=64, error=N_("Too long.")), metadata={"label": N_("Class")}
    )
    school_year_id = String(
        load_default="", validate=validate.Length(max=64, error=N_("Too long.")), metadata={"label": N_("School year")}
    )


class EnrolStudentSchema(Schema):
    class_id = String(required=True, validate=_ID, metadata={"label": N_("Class")})
    full_name = Text(
        required=True,
        validate=validate.Length(min=2, max=100, error=N_("The full name must be 2 to 100 characters.")),
        metadata={"label": N_("Full name"), "example": "Nguyễn Thị Mai"},
    )
    date_of_birth = Date(required=True, validate=not_in_future, metadata={"label": N_("Date of birth")})
    gender = String(
        required=True,
        validate=validate.OneOf(GENDERS, error=N_("Choose male or female.")),
        metadata={"label": N_("Gender"), "enum": list(GENDERS)},
    )
    student_code = Text(
        validate=validate.Length(max=20, error=N_("At most 20 characters.")),
        metadata={"label": N_("Student code"), "description": "Absent: the service assigns one."},
    )


class EnrolFormSchema(EnrolStudentSchema):
    """The enrol form on a class page: the class comes from the URL, not from the form."""

    class Meta:
        exclude = ("class_id",)


class IdempotencyHeaderSchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = String(
        data_key="Idempotency-Key",
        load_default="",
        validate=validate.Length(max=128, error=N_("Too long.")),
        metadata={"description": "Optional: a retried request with the same key creates only one student."},
    )
