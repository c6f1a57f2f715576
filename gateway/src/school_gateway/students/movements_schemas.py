"""Bodies of the movements JSON API and forms (transfers, dropouts, returns, class changes, report)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate, validates_schema

from school_gateway.errors import N_
from school_gateway.schemas import REQUIRED, Boolean, Date, Integer, List, Nested, Schema, String, Text
from school_gateway.students.schemas import StudentSchema

DOCUMENTS = ("DON_XIN_CHUYEN_TRUONG", "HOC_BA", "TIEN_DO_VA_KET_QUA", "KE_HOACH_GIAO_DUC_CA_NHAN")
_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error=N_("Invalid id."))
_REASON = validate.Length(max=40, error=N_("At most 40 characters."))
_NOTE = validate.Length(max=500, error=N_("At most 500 characters."))
_SCHOOL = validate.Length(max=200, error=N_("At most 200 characters."))
_CODE = validate.Length(max=20, error=N_("At most 20 characters."))


def _documents() -> List:
    return List(
        String(validate=validate.OneOf(DOCUMENTS, error=N_("Unknown document."))),
        load_default=list,
        metadata={"label": N_("Documents"), "description": "Codes: " + ", ".join(DOCUMENTS)},
    )


class _MovementBase(Schema):
    effective_date = Date(required=True, metadata={"label": N_("Effective date")})
    reason_code = Text(required=True, validate=_REASON, metadata={"label": N_("Reason")})
    note = Text(load_default="", validate=_NOTE, metadata={"label": N_("Note")})


class TransferOutSchema(_MovementBase):
    to_school_name = Text(required=True, validate=_SCHOOL, metadata={"label": N_("Receiving school")})
    to_school_code = Text(load_default="", validate=_CODE, metadata={"label": N_("School code")})
    application_received_on = Date(required=True, metadata={"label": N_("Application received on")})
    receiving_school_agreed = Boolean(load_default=False, metadata={"label": N_("Receiving school agreed")})
    handed_over_on = Date(load_default=None, allow_none=True, metadata={"label": N_("Documents handed over on")})
    documents = _documents()


class DropoutSchema(_MovementBase):
    withdrawal = Boolean(
        load_default=False,
        metadata={"label": N_("Withdrawal"), "description": "True: withdrawn on the parents' request (THOI_HOC)."},
    )


class MovementPlacementSchema(_MovementBase):
    class_id = String(required=True, validate=_ID, metadata={"label": N_("Class")})


class TransferInSchema(_MovementBase):
    class_id = String(required=True, validate=_ID, metadata={"label": N_("Class")})
    student_id = String(
        load_default="",
        validate=validate.Length(max=64, error=N_("Too long.")),
        metadata={
            "label": N_("Student"),
            "description": "A student of this school who had transferred out and comes back; "
            "then the name, birth date, gender and code are not needed.",
        },
    )
    full_name = Text(
        load_default="",
        validate=validate.Length(max=100, error=N_("The full name must be 2 to 100 characters.")),
        metadata={"label": N_("Full name")},
    )
    date_of_birth = Date(load_default=None, metadata={"label": N_("Date of birth")})
    gender = String(
        load_default="",
        validate=validate.OneOf(("male", "female", ""), error=N_("Choose male or female.")),
        metadata={"label": N_("Gender")},
    )
    student_code = Text(load_default="", validate=_CODE, metadata={"label": N_("Student code")})
    from_school_name = Text(required=True, validate=_SCHOOL, metadata={"label": N_("Sending school")})
    from_school_code = Text(load_default="", validate=_CODE, metadata={"label": N_("School code")})
    documents = _documents()
    earlier_results = Text(
        load_default="",
        validate=validate.Length(max=2000, error=N_("At most 2000 characters.")),
        metadata={"label": N_("Earlier results")},
    )

    @validates_schema
    def _new_student_needs_identity(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("student_id"):
            return
        problems: dict[str, list[str]] = {}
        if len(data.get("full_name", "")) < 2:
            problems["full_name"] = [N_("The full name must be 2 to 100 characters.")]
        if data.get("date_of_birth") is None:
            problems["date_of_birth"] = [REQUIRED]
        if not data.get("gender"):
            problems["gender"] = [N_("Choose male or female.")]
        if problems:
            raise ma.ValidationError(problems)


class MovementSchema(Schema):
    id = String(required=True)
    student_id = String(required=True)
    kind = String(required=True, metadata={"description": "TRANSFER_IN, TRANSFER_OUT, DROPOUT, WITHDRAWAL, ..."})
    effective_date = Date(required=True, allow_none=True)
    reason_code = String(required=True)
    note = String(required=True)
    status_before = String(required=True)
    status_after = String(required=True)
    from_class_id = String(required=True)
    from_class_name = String(required=True)
    to_class_id = String(required=True)
    to_class_name = String(required=True)
    other_school_name = String(required=True)
    other_school_code = String(required=True)
    documents = List(String(), required=True)
    application_received_on = Date(required=True, allow_none=True)
    receiving_school_agreed = Boolean(required=True)
    handed_over_on = Date(required=True, allow_none=True)
    handover_deadline = Date(required=True, allow_none=True)
    earlier_results = String(required=True)
    recorded_by = String(required=True)
    recorded_at = String(required=True)


class TransferInResultSchema(Schema):
    student = Nested(StudentSchema, required=True)
    movement = Nested(MovementSchema, required=True)


class MovementHistorySchema(Schema):
    student = Nested(StudentSchema, required=True)
    status = String(required=True, metadata={"description": "DANG_HOC, CHUYEN_DI, BO_HOC, THOI_HOC, ..."})
    transferred_in = Boolean(required=True)
    movements = List(Nested(MovementSchema), required=True)


class MovementCountsSchema(Schema):
    start = Integer(required=True)
    transfers_in = Integer(required=True)
    other_in = Integer(required=True)
    transfers_out = Integer(required=True)
    dropouts = Integer(required=True)
    other_out = Integer(required=True)
    end = Integer(required=True)


class MovementClassRowSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    counts = Nested(MovementCountsSchema, required=True)


class MovementGradeRowSchema(Schema):
    grade_level = Integer(required=True)
    counts = Nested(MovementCountsSchema, required=True)


class MovementReportSchema(Schema):
    period_from = Date(required=True, allow_none=True)
    period_to = Date(required=True, allow_none=True)
    classes = List(Nested(MovementClassRowSchema), required=True)
    grades = List(Nested(MovementGradeRowSchema), required=True)
    total = Nested(MovementCountsSchema, required=True)


class MovementReportArgs(Schema):
    school_year_id = String(required=True, validate=_ID, metadata={"label": N_("School year")})
    period_from = Date(load_default=None, metadata={"label": N_("From")})
    period_to = Date(load_default=None, metadata={"label": N_("To")})


class MovementReasonSchema(Schema):
    kind = String(required=True)
    code = String(required=True)
    label = String(required=True)


class MovementReasonListSchema(Schema):
    items = List(Nested(MovementReasonSchema), required=True)


class RepeatSchema(Schema):
    repeat = Boolean(load_default=True, metadata={"label": N_("Repeats the grade")})
    note = Text(load_default="", validate=_NOTE, metadata={"label": N_("Note")})


class RepeatResultSchema(Schema):
    school_year_id = String(required=True)
    repeat = Boolean(required=True)


class ClassTargetSchema(Schema):
    from_class_id = String(required=True, validate=_ID, metadata={"label": N_("Class")})
    to_class_id = String(required=True, validate=_ID, metadata={"label": N_("Target class")})


class RollOverSchema(Schema):
    from_school_year_id = String(required=True, validate=_ID, metadata={"label": N_("School year")})
    to_school_year_id = String(required=True, validate=_ID, metadata={"label": N_("Next school year")})
    targets = List(Nested(ClassTargetSchema), load_default=list, metadata={"label": N_("Target classes")})
    repeater_student_ids = List(
        String(validate=_ID), load_default=list, metadata={"label": N_("Students repeating the grade")}
    )


class ClassRolledOverSchema(Schema):
    from_class_name = String(required=True)
    to_class_name = String(required=True)
    repeat_class_name = String(required=True)
    promoted = Integer(required=True)
    repeated = Integer(required=True)
    completed = Integer(required=True)


class RollOverResultSchema(Schema):
    classes = List(Nested(ClassRolledOverSchema), required=True)
    created_class_names = List(String(), required=True)


class DeleteStudentSchema(Schema):
    reason = Text(
        required=True,
        validate=validate.Length(min=1, max=500, error=N_("At most 500 characters.")),
        metadata={"label": N_("Reason")},
    )
    confirm_student_code = Text(required=True, validate=_CODE, metadata={"label": N_("Student code (confirmation)")})


class DeleteStudentResultSchema(Schema):
    student_code = String(required=True)


class MergeStudentsSchema(DeleteStudentSchema):
    merged_student_id = String(required=True, validate=_ID, metadata={"label": N_("Duplicate record")})


class HandoverSchema(Schema):
    movement_id = String(required=True, validate=_ID, metadata={"label": N_("Transfer")})
    handed_over_on = Date(required=True, metadata={"label": N_("Documents handed over on")})
    documents = _documents()
