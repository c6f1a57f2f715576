"""The attendance JSON API (điểm danh): a class's day, saving it, the monthly sheet, alerts and
one pupil's history, from the students service's AttendanceService."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import validate

from school.students.v1 import attendance_pb2 as pb
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import N_
from school_gateway.i18n import VIETNAM
from school_gateway.schemas import Boolean, Date, DateTime, Integer, List, Nested, Schema, String
from school_gateway.students import attendance_convert as convert
from school_gateway.upstream import stub

blp = ApiBlueprint(
    "attendance_api",
    __name__,
    url_prefix="/api/v1",
    description="Daily attendance per class (điểm danh), the monthly sheet and repeated-absence alerts.",
)

UPSTREAM = "students.attendance"
_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error=N_("Invalid id."))
_MARK = validate.OneOf(convert.MARKS, error=N_("Unknown mark: use present, excused, unexcused or late."))


def attendance() -> Any:
    return stub(UPSTREAM)


# --- Schemas -------------------------------------------------------------------------------------


class CountsSchema(Schema):
    enrolled = Integer(required=True, metadata={"description": "Sĩ số: pupils in the class that day."})
    present = Integer(required=True, metadata={"description": "Có mặt (late included)."})
    excused = Integer(required=True, metadata={"description": "Vắng có phép (P)."})
    unexcused = Integer(required=True, metadata={"description": "Vắng không phép (K)."})
    late = Integer(required=True)


class EntrySchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    mark = String(required=True, metadata={"enum": list(convert.MARKS)})
    note = String(required=True)


class CorrectionSchema(Schema):
    student_id = String(required=True)
    full_name = String(required=True)
    old_mark = String(required=True, metadata={"enum": list(convert.MARKS)})
    new_mark = String(required=True, metadata={"enum": list(convert.MARKS)})
    reason = String(required=True)
    corrected_by_name = String(required=True)
    corrected_at = DateTime(required=True, allow_none=True)


class AttendanceDaySchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    date = Date(required=True, allow_none=True)
    version = Integer(
        required=True, metadata={"description": "0 while not recorded; send it back as expected_version."}
    )
    counts = Nested(CountsSchema, required=True)
    entries = List(Nested(EntrySchema), required=True)
    recorded_by_name = String(required=True)
    recorded_at = DateTime(required=True, allow_none=True)
    updated_by_name = String(required=True)
    updated_at = DateTime(required=True, allow_none=True)
    corrections = List(Nested(CorrectionSchema), required=True)


class SavedDaySchema(Schema):
    day = Nested(AttendanceDaySchema, required=True)
    changed = Boolean(required=True, metadata={"description": "False when the same marks were saved again."})


class DayArgs(Schema):
    date = Date(metadata={"label": N_("Attendance date"), "description": "ISO date; absent: the latest school day."})


class MarkInputSchema(Schema):
    student_id = String(required=True, validate=_ID, metadata={"label": N_("Pupil")})
    mark = String(required=True, validate=_MARK, metadata={"label": N_("Attendance mark"), "enum": list(convert.MARKS)})
    note = String(
        load_default="",
        validate=validate.Length(max=200, error=N_("At most 200 characters.")),
        metadata={"label": N_("Note on the mark")},
    )


class SaveDaySchema(Schema):
    date = Date(required=True, metadata={"label": N_("Attendance date")})
    expected_version = Integer(
        required=True,
        validate=validate.Range(min=0, max=2**31 - 1, error=N_("Must be 0 or more.")),
        metadata={"label": N_("Sheet version"), "description": "The version read with GET (0 for a day not recorded)."},
    )
    marks = List(
        Nested(MarkInputSchema),
        load_default=list,
        validate=validate.Length(max=100, error=N_("Too many pupils.")),
        metadata={
            "label": N_("Attendance marks"),
            "description": "Pupils who are not simply present; the others are present.",
        },
    )
    correction_reason = String(
        load_default="",
        validate=validate.Length(max=300, error=N_("At most 300 characters.")),
        metadata={"label": N_("Reason for the correction")},
    )


class MonthArgs(Schema):
    month = String(
        load_default="",
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error=N_("Write the month as YYYY-MM.")),
        metadata={"label": N_("Month of the sheet"), "example": "2026-11", "description": "Absent: this month."},
    )


class MonthDaySchema(Schema):
    date = Date(required=True, allow_none=True)
    recorded = Boolean(required=True)
    counts = Nested(CountsSchema, required=True)


class MonthRowSchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    marks = List(String(), required=True, metadata={"description": "One per day of `days`; empty: not recorded."})
    excused = Integer(required=True)
    unexcused = Integer(required=True)
    late = Integer(required=True)


class MonthSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    month = String(required=True)
    days = List(Nested(MonthDaySchema), required=True)
    rows = List(Nested(MonthRowSchema), required=True)


class AlertSchema(Schema):
    id = String(required=True)
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    class_id = String(required=True)
    class_name = String(required=True)
    rule = String(required=True, metadata={"enum": ["consecutive", "frequent"]})
    raised_on = Date(required=True, allow_none=True)
    count = Integer(required=True)


class AlertListSchema(Schema):
    items = List(Nested(AlertSchema), required=True)


class HistoryDaySchema(Schema):
    date = Date(required=True, allow_none=True)
    class_id = String(required=True)
    class_name = String(required=True)
    mark = String(required=True)
    note = String(required=True)


class HistorySchema(Schema):
    student_id = String(required=True)
    days = List(Nested(HistoryDaySchema), required=True)
    excused = Integer(required=True)
    unexcused = Integer(required=True)
    late = Integer(required=True)


# --- Routes --------------------------------------------------------------------------------------


@blp.route("/classes/<id:class_id>/attendance", methods=["GET"])
@permission("students:attendance:read")
@blp.arguments(DayArgs, location="query")
@blp.response(200, AttendanceDaySchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_day(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """A class's sheet for one school day: every pupil in the class that day with their mark."""
    date = args["date"].isoformat() if args.get("date") else ""
    answer = attendance().GetClassAttendance(pb.GetClassAttendanceRequest(class_id=class_id, date=date))
    return convert.day(answer.day)


@blp.route("/classes/<id:class_id>/attendance", methods=["POST"])
@permission("students:attendance:write")
@blp.arguments(SaveDaySchema)
@blp.response(200, SavedDaySchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def save_day(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Record the whole class for one day in one call (idempotent; a stale version answers 409).

    A changed mark of a day already recorded needs ``correction_reason`` and is kept in the log.
    """
    answer = attendance().SaveClassAttendance(
        pb.SaveClassAttendanceRequest(
            class_id=class_id,
            date=body["date"].isoformat(),
            expected_version=body["expected_version"],
            marks=[
                pb.MarkInput(student_id=m["student_id"], mark=convert.mark_to_proto(m["mark"]), note=m["note"])
                for m in body["marks"]
            ],
            correction_reason=body["correction_reason"],
        )
    )
    return {"day": convert.day(answer.day), "changed": answer.changed}


@blp.route("/classes/<id:class_id>/attendance/monthly", methods=["GET"])
@permission("students:attendance:read")
@blp.arguments(MonthArgs, location="query")
@blp.response(200, MonthSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_month(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """The monthly sheet (sổ theo dõi chuyên cần): pupils by school days, totals, class size per day."""
    wanted = args["month"] or f"{dt.datetime.now(VIETNAM):%Y-%m}"
    answer = attendance().GetMonthlyAttendance(pb.GetMonthlyAttendanceRequest(class_id=class_id, month=wanted))
    return convert.month(answer)


@blp.route("/classes/<id:class_id>/attendance/alerts", methods=["GET"])
@permission("students:attendance:read")
@blp.response(200, AlertListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def class_alerts(class_id: str) -> dict[str, Any]:
    """Open repeated-absence alerts of one class."""
    answer = attendance().ListAbsenceAlerts(pb.ListAbsenceAlertsRequest(class_id=class_id))
    return {"items": [convert.alert(a) for a in answer.alerts]}


@blp.route("/attendance/alerts", methods=["GET"])
@permission("students:attendance:read")
@blp.response(200, AlertListSchema)
def school_alerts() -> dict[str, Any]:
    """Open repeated-absence alerts of every class the caller reaches (the whole school for HT/PHT/VP)."""
    answer = attendance().ListAbsenceAlerts(pb.ListAbsenceAlertsRequest())
    return {"items": [convert.alert(a) for a in answer.alerts]}


@blp.route("/students/<id:student_id>/attendance", methods=["GET"])
@permission("students:attendance:read")
@blp.response(200, HistorySchema)
@blp.alt_response(404, response="NOT_FOUND")
def student_history(student_id: str) -> dict[str, Any]:
    """One pupil's recorded days, newest first, with totals."""
    answer = attendance().GetStudentAttendance(pb.GetStudentAttendanceRequest(student_id=student_id))
    return convert.history(answer)
