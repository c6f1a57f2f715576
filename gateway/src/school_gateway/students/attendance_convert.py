"""Attendance: proto messages of the students service ⇄ the gateway's JSON/page dictionaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from school.students.v1 import attendance_pb2 as pb
from school_gateway.errors import N_
from school_gateway.schemas import iso_date, timestamp

MARKS = ("present", "excused", "unexcused", "late")
MARK_OUT = {
    pb.ATTENDANCE_MARK_PRESENT: "present",
    pb.ATTENDANCE_MARK_EXCUSED: "excused",
    pb.ATTENDANCE_MARK_UNEXCUSED: "unexcused",
    pb.ATTENDANCE_MARK_LATE: "late",
}
MARK_IN = {v: k for k, v in MARK_OUT.items()}
#: Short labels for the tap targets, and full names for lists and tables.
MARK_SHORT = {"present": N_("Present"), "excused": N_("Absent (P)"), "unexcused": N_("Absent (K)"), "late": N_("Late")}
MARK_LABELS = {
    "present": N_("Present"),
    "excused": N_("Excused absence"),
    "unexcused": N_("Unexcused absence"),
    "late": N_("Late"),
}
MARK_CELL = {"present": "", "excused": "P", "unexcused": "K", "late": "M", "": "–"}
RULES = {pb.ABSENCE_RULE_CONSECUTIVE: "consecutive", pb.ABSENCE_RULE_FREQUENT: "frequent"}
RULE_LABELS = {"consecutive": N_("Absent %(n)s school days in a row"), "frequent": N_("%(n)s absences in 30 days")}


def mark_to_proto(value: str) -> pb.AttendanceMark:
    return MARK_IN.get(value, pb.ATTENDANCE_MARK_UNSPECIFIED)


def counts(message: Any) -> dict[str, int]:
    return {
        "enrolled": message.enrolled,
        "present": message.present,
        "excused": message.excused,
        "unexcused": message.unexcused,
        "late": message.late,
    }


def day(message: Any) -> dict[str, Any]:
    return {
        "class_id": message.class_id,
        "class_name": message.class_name,
        "date": iso_date(message.date),
        "version": message.version,
        "counts": counts(message.counts),
        "entries": [
            {
                "student_id": e.student_id,
                "student_code": e.student_code,
                "full_name": e.full_name,
                "mark": MARK_OUT.get(e.mark, "present"),
                "note": e.note,
            }
            for e in message.entries
        ],
        "recorded_by_name": message.recorded_by_name,
        "recorded_at": timestamp(message, "recorded_at"),
        "updated_by_name": message.updated_by_name,
        "updated_at": timestamp(message, "updated_at"),
        "corrections": [
            {
                "student_id": c.student_id,
                "full_name": c.full_name,
                "old_mark": MARK_OUT.get(c.old_mark, ""),
                "new_mark": MARK_OUT.get(c.new_mark, ""),
                "reason": c.reason,
                "corrected_by_name": c.corrected_by_name,
                "corrected_at": timestamp(c, "corrected_at"),
            }
            for c in message.corrections
        ],
    }


def month(message: Any) -> dict[str, Any]:
    return {
        "class_id": message.class_id,
        "class_name": message.class_name,
        "month": message.month,
        "days": [{"date": iso_date(d.date), "recorded": d.recorded, "counts": counts(d.counts)} for d in message.days],
        "rows": [
            {
                "student_id": r.student_id,
                "student_code": r.student_code,
                "full_name": r.full_name,
                "marks": [MARK_OUT.get(m, "") for m in r.marks],
                "excused": r.excused,
                "unexcused": r.unexcused,
                "late": r.late,
            }
            for r in message.rows
        ],
    }


def alert(message: Any) -> dict[str, Any]:
    return {
        "id": message.alert_id,
        "student_id": message.student_id,
        "student_code": message.student_code,
        "full_name": message.full_name,
        "class_id": message.class_id,
        "class_name": message.class_name,
        "rule": RULES.get(message.rule, "unspecified"),
        "raised_on": iso_date(message.raised_on),
        "count": message.count,
    }


def history(message: Any) -> dict[str, Any]:
    return {
        "student_id": message.student_id,
        "days": [
            {
                "date": iso_date(d.date),
                "class_id": d.class_id,
                "class_name": d.class_name,
                "mark": MARK_OUT.get(d.mark, ""),
                "note": d.note,
            }
            for d in message.days
        ],
        "excused": message.excused,
        "unexcused": message.unexcused,
        "late": message.late,
    }


def parse_day(text: str) -> dt.date | None:
    """A date typed as YYYY-MM-DD (date inputs) or dd/mm/yyyy (people); None when neither."""
    value = text.strip()
    try:
        if len(value) == 10 and value[4] == "-":
            return dt.date.fromisoformat(value)
        if len(value) == 10 and value[2] == "/" and value[5] == "/":
            return dt.date(int(value[6:]), int(value[3:5]), int(value[:2]))
    except ValueError:
        return None
    return None
