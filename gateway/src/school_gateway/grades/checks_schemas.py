"""Request and response bodies of the checks and locking JSON API."""

from __future__ import annotations

from marshmallow import validate

from school_gateway.errors import N_
from school_gateway.grades.checks_convert import GRADE_LEVELS, OUTCOMES, PERIODS
from school_gateway.schemas import Boolean, DateTime, Dict, Integer, List, Nested, Schema, String

_PERIOD = validate.OneOf(PERIODS, error=N_("Choose a period: GK1, CK1, GK2 or CN."))
_GRADE = validate.OneOf((0, *GRADE_LEVELS), error=N_("Grade levels are 1 to 5."))
# An id, or empty for "the current year" / "every class".
_ID_OR_BLANK = validate.Regexp(r"^([A-Za-z0-9][A-Za-z0-9_-]{0,63})?$", error=N_("Invalid id."))
_PERIOD_META = {"description": "Assessment period: GK1, CK1, GK2 or CN.", "example": "CK1"}


class ChecksArgs(Schema):
    school_year_id = String(load_default="", validate=_ID_OR_BLANK)
    period = String(load_default="GK1", validate=_PERIOD, metadata=_PERIOD_META)
    grade_level = Integer(load_default=0, validate=_GRADE, metadata={"description": "1..5; 0 for every grade."})


class PeriodArgs(Schema):
    period = String(load_default="GK1", validate=_PERIOD, metadata=_PERIOD_META)


class LockLogArgs(Schema):
    school_year_id = String(load_default="", validate=_ID_OR_BLANK)
    class_id = String(load_default="", validate=_ID_OR_BLANK)
    limit = Integer(load_default=100, validate=validate.Range(min=1, max=500))


class LockBody(Schema):
    period = String(required=True, validate=_PERIOD, metadata=_PERIOD_META)


class UnlockBody(Schema):
    period = String(required=True, validate=_PERIOD, metadata=_PERIOD_META)
    reason = String(
        required=True,
        validate=validate.Length(max=500, error=N_("At most 500 characters.")),
        metadata={"description": "Why the period is opened again, 10 to 500 characters (kept in the lock log)."},
    )


class LockManyBody(Schema):
    school_year_id = String(load_default="", validate=_ID_OR_BLANK)
    period = String(required=True, validate=_PERIOD, metadata=_PERIOD_META)
    grade_level = Integer(load_default=0, validate=_GRADE, metadata={"description": "1..5; 0 for the whole school."})


class YearRefSchema(Schema):
    id = String(required=True)
    name = String(required=True)


class ClassCheckSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    school_year_id = String(required=True)
    period = String(required=True)
    pupils = Integer(required=True)
    expected = Integer(required=True, metadata={"description": "Levels and scores due."})
    missing_levels = Integer(required=True)
    missing_scores = Integer(required=True)
    missing = Integer(required=True)
    complete = Boolean(required=True)
    locked = Boolean(required=True)
    locked_at = DateTime(required=True, allow_none=True)
    locked_by_name = String(required=True)


class ClassChecksSchema(Schema):
    school_year = Nested(YearRefSchema, required=True)
    school_years = List(Nested(YearRefSchema), required=True)
    items = List(Nested(ClassCheckSchema), required=True)


class SubjectCheckSchema(Schema):
    code = String(required=True, metadata={"description": "Subject code, or PC_NL (qualities and competencies)."})
    name = String(required=True)
    expected = Integer(required=True)
    missing_levels = Integer(required=True)
    missing_scores = Integer(required=True)
    entered_by = String(required=True, metadata={"description": "Who last entered a cell of it."})


class MissingEntrySchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    group = String(required=True)
    item_code = String(required=True)
    item_name = String(required=True)
    missing = String(required=True, metadata={"enum": ["LEVEL", "SCORE"]})


class ClassDetailSchema(Schema):
    summary = Nested(ClassCheckSchema, required=True)
    subjects = List(Nested(SubjectCheckSchema), required=True)
    missing = List(Nested(MissingEntrySchema), required=True)


class LockOutcomeSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    outcome = String(required=True, metadata={"enum": list(OUTCOMES)})
    reasons = Dict(keys=String(), values=String(), required=True)


class LockOutcomesSchema(Schema):
    items = List(Nested(LockOutcomeSchema), required=True)


class LockLogEntrySchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    period = String(required=True)
    action = String(required=True, metadata={"enum": ["LOCK", "UNLOCK"]})
    actor_name = String(required=True)
    at = DateTime(required=True, allow_none=True)
    reason = String(required=True)


class LockLogSchema(Schema):
    items = List(Nested(LockLogEntrySchema), required=True)
