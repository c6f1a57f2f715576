"""Bodies of the results JSON API: the class summary sheet, year results, and the GVCN's and the
principal's writes after the result."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import validate

from school_gateway.errors import N_
from school_gateway.grades.results_convert import PERIODS
from school_gateway.schemas import Boolean, Date, DateTime, Dict, Integer, List, Nested, Schema, String, Text

_CODE = validate.Regexp(r"^[A-Z0-9_]{1,30}$", error=N_("Invalid code."))
MAX_VERSION = 2**63 - 1  # the proto's int64: a larger number would fail there ("Value out of range")
_ASCII_NUMBER = re.compile(r"\s*[0-9]{1,19}\s*")
_NO_VERSION = N_("The version is missing: reload the page.")


class Version(Integer):
    """The version of the result the user saw: required, 1..int64, and as text only ASCII digits
    (int() would also read "٣" or full-width digits)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not _ASCII_NUMBER.fullmatch(value):
            raise self.make_error("invalid")
        return int(super()._deserialize(value, attr, data, **kwargs))


def version_field(**metadata: Any) -> Version:
    return Version(
        required=True,
        validate=[
            validate.Range(min=1, error=_NO_VERSION),
            validate.Range(max=MAX_VERSION, error=N_("The number is too large.")),
        ],
        error_messages={"required": _NO_VERSION},
        metadata=metadata,
    )


class SummaryArgs(Schema):
    period = String(
        load_default="CN",
        validate=validate.OneOf(PERIODS, error=N_("The assessment period must be GK1, CK1, GK2 or CN.")),
        metadata={"label": N_("Assessment period")},
    )


class YearArgs(Schema):
    school_year_id = String(
        load_default="", validate=validate.Length(max=64), metadata={"description": "Empty: newest"}
    )


class SummaryColumnSchema(Schema):
    code = String(required=True)
    name = String(required=True)
    kind = String(required=True, metadata={"description": "SUBJECT, ACTIVITY, QUALITY or COMPETENCY"})
    tested = Boolean(required=True, metadata={"description": "A periodic test is due in this period"})
    level_counts = Dict(keys=String(), values=Integer(), required=True, metadata={"description": "Counts only"})


class SummaryCellSchema(Schema):
    code = String(required=True)
    level = String(required=True)
    score = Integer(required=True, allow_none=True)


class SummaryRowSchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    left_on = Date(required=True, allow_none=True)
    left_status = String(required=True)
    cells = List(Nested(SummaryCellSchema), required=True)
    missing = Integer(required=True)


class ClassSummarySchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    school_year_id = String(required=True)
    school_year_name = String(required=True)
    period = String(required=True)
    period_name = String(required=True)
    subjects = List(Nested(SummaryColumnSchema), required=True)
    items = List(Nested(SummaryColumnSchema), required=True)
    rows = List(Nested(SummaryRowSchema), required=True, metadata={"description": "Roster order, never a ranking"})


class SupplementaryOutSchema(Schema):
    assessed_on = Date(required=True, allow_none=True)
    subjects = List(String(), required=True)
    subject_names = List(String(), required=True)
    outcome = String(required=True)
    outcome_name = String(required=True)
    note = String(required=True)
    recorded_by_name = String(required=True)
    recorded_at = DateTime(required=True, allow_none=True)


class NominationOutSchema(Schema):
    evidence = String(required=True)
    recognised_by_class = Boolean(required=True)
    nominated_by_name = String(required=True)
    nominated_at = DateTime(required=True, allow_none=True)
    approval = String(required=True, metadata={"description": "PENDING, APPROVED or REJECTED"})
    approved_by_name = String(required=True)
    approved_at = DateTime(required=True, allow_none=True)
    problem = String(required=True)


class CodeNameSchema(Schema):
    code = String(required=True)
    name = String(required=True)


class YearResultSchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    class_id = String(required=True)
    school_year_id = String(required=True)
    grade_level = Integer(required=True)
    computed_result = String(required=True, metadata={"description": "As computed at CN; empty: not computed"})
    result = String(required=True, metadata={"description": "HTXS, HTT, HT, CHT; empty: not computed"})
    result_name = String(required=True)
    explanation = List(String(), required=True, metadata={"description": "Why each higher level was not reached"})
    status_lines = List(String(), required=True)
    completes_grade = Boolean(required=True)
    completion = String(required=True)
    award = String(required=True)
    award_name = String(required=True)
    decision = String(required=True)
    decision_name = String(required=True)
    decision_basis = String(required=True)
    decision_ref = String(required=True)
    decided_on = Date(required=True, allow_none=True)
    supplementary = List(Nested(SupplementaryOutSchema), required=True)
    nomination = Nested(NominationOutSchema, required=True, allow_none=True)
    stale = Boolean(
        required=True,
        metadata={"description": "Computed before CN was last unlocked: compute again after the relock"},
    )
    version = Integer(required=True)
    computed_at = DateTime(required=True, allow_none=True)
    computed_by_name = String(required=True)
    assessable = List(
        Nested(CodeNameSchema), required=True, metadata={"description": "What a supplementary assessment may cover"}
    )


class PupilGapSchema(Schema):
    student_id = String(required=True)
    full_name = String(required=True)
    missing = List(String(), required=True)


class ClassYearResultsSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    school_year_id = String(required=True)
    school_year_name = String(required=True)
    results = List(Nested(YearResultSchema), required=True)
    gaps = List(Nested(PupilGapSchema), required=True)
    changed = Integer(required=True, metadata={"description": "Results changed by this call (compute)"})


class ComputeSchema(Schema):
    """Computing takes nothing but the class in the path; the body is an empty object."""


class _Write(Schema):
    school_year_id = String(
        load_default="", validate=validate.Length(max=64), metadata={"description": "Empty: newest"}
    )
    expected_version = version_field(label=N_("Version"))


class SupplementarySchema(_Write):
    assessed_on = Date(required=True, metadata={"label": N_("Date of the supplementary assessment")})
    subjects = List(
        String(validate=_CODE),
        required=True,
        validate=validate.Length(min=1, max=30, error=N_("Choose at least one subject or quality/competency.")),
        metadata={"label": N_("Subjects assessed")},
    )
    outcome = String(
        required=True,
        validate=validate.OneOf(("HOAN_THANH", "CHUA_HOAN_THANH"), error=N_("Choose an outcome.")),
        metadata={"label": N_("Outcome")},
    )
    note = String(load_default="", validate=validate.Length(max=1000, error=N_("At most 1000 characters.")))


class NominationSchema(_Write):
    evidence = String(load_default="", validate=validate.Length(max=1000, error=N_("At most 1000 characters.")))
    recognised_by_class = Boolean(load_default=False, metadata={"label": N_("Recognised by the class")})
    withdraw = Boolean(load_default=False)


class ApprovalSchema(_Write):
    approve = Boolean(required=True, metadata={"label": N_("Approve")})


class DecisionSchema(_Write):
    decision = String(
        required=True,
        validate=validate.OneOf(("LEN_LOP", "O_LAI_LOP"), error=N_("Choose moves up or repeats the grade.")),
        metadata={"label": N_("Decision")},
    )
    decision_ref = Text(
        required=True,
        validate=validate.Length(max=100, error=N_("At most 100 characters.")),
        metadata={"label": N_("Decision number")},
    )
    decided_on = Date(required=True, metadata={"label": N_("Decision date")})
