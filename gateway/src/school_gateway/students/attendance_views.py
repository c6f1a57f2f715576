"""Attendance pages (điểm danh): the day's sheet for a class (phone first, works without
JavaScript), the monthly sheet with its Excel export, and the school's absence alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.students.v1 import attendance_pb2 as pb
from school.students.v1 import students_pb2
from school_gateway.authz import permission
from school_gateway.errors import from_rpc_error
from school_gateway.i18n import VIETNAM
from school_gateway.i18n import gettext as _
from school_gateway.pages import FormResult, can_open, form_failure, render
from school_gateway.sessions import loaded_principal
from school_gateway.students import attendance_convert as convert
from school_gateway.students.attendance_api import UPSTREAM
from school_gateway.upstream import stub
from school_gateway.workbooks import send_workbook

bp = flask.Blueprint("attendance", __name__)

NOTE_MAX = 200
REASON_MAX = 300


def attendance() -> Any:
    return stub(UPSTREAM)


def _may(permission_name: str) -> bool:
    principal = loaded_principal()
    return principal is not None and principal.has(permission_name)


def _today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def _mark_choices() -> list[tuple[str, str]]:
    return [(value, _(convert.MARK_SHORT[value])) for value in convert.MARKS]


# --- Index: classes and the school's alerts -------------------------------------------------------


@bp.get("/attendance")
@permission("students:attendance:read")
def index() -> ResponseReturnValue:
    """Điểm danh: the classes the user reaches (current year first) and the open alerts."""
    classes = stub("students").ListClasses(students_pb2.ListClassesRequest(page_size=200)).classes
    alerts = attendance().ListAbsenceAlerts(pb.ListAbsenceAlertsRequest()).alerts
    return render(
        "students/attendance_index.html",
        classes=[{"id": c.class_id, "name": c.name, "size": c.size} for c in classes],
        alerts=[convert.alert(a) for a in alerts],
        rule_labels=convert.RULE_LABELS,
    )


# --- One class, one day ------------------------------------------------------------------------


def _day_page(
    class_id: str, wanted: str, form: FormResult | None = None, status: int = 200, saved: bool = False
) -> ResponseReturnValue:
    date_error = ""
    day: dict[str, Any] | None = None
    try:
        answer = attendance().GetClassAttendance(pb.GetClassAttendanceRequest(class_id=class_id, date=wanted))
        day = convert.day(answer.day)
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        failure = from_rpc_error(err)
        date_error = failure.fields.get("date", failure.message)
        status = 400
    form = form or FormResult({}, {}, {})
    if day is not None and form.raw:
        # Show what was submitted (not what is stored) next to the errors.
        for entry in day["entries"]:
            entry["mark"] = form.raw.get(f"mark-{entry['student_id']}", entry["mark"])
            entry["note"] = form.raw.get(f"note-{entry['student_id']}", entry["note"])
    return render(
        "students/attendance_day.html",
        status,
        class_id=class_id,
        day=day,
        wanted=wanted,
        date_error=date_error,
        today=_today(),
        form=form,
        saved=saved,
        can_write=_may("students:attendance:write"),
        choices=_mark_choices(),
        mark_labels=convert.MARK_LABELS,
        show_month=can_open("attendance.month"),
    )


def _wanted_date() -> tuple[str, str]:
    """(ISO date or "" for the latest school day, the error when the typed date is not a date)."""
    raw = request.args.get("date", "")[:20]
    if not raw.strip():
        return "", ""
    parsed = convert.parse_day(raw)
    if parsed is None:
        return "", _("The date is not valid: write it as dd/mm/yyyy.")
    return parsed.isoformat(), ""


@bp.get("/classes/<id:class_id>/attendance")
@permission("students:attendance:read")
def day_page(class_id: str) -> ResponseReturnValue:
    wanted, error = _wanted_date()
    if error:
        return render(
            "students/attendance_day.html",
            400,
            class_id=class_id,
            day=None,
            wanted="",
            date_error=error,
            today=_today(),
            form=FormResult({}, {}, {}),
            saved=False,
            can_write=False,
            choices=_mark_choices(),
            mark_labels=convert.MARK_LABELS,
            show_month=False,
        )
    return _day_page(class_id, wanted, saved=request.args.get("saved") == "1")


@bp.post("/classes/<id:class_id>/attendance")
@permission("students:attendance:write")
def save_day(class_id: str) -> ResponseReturnValue:
    raw = {k: v for k, v in request.form.items() if k != "csrf_token"}
    form = FormResult({}, {}, raw)
    day = convert.parse_day(raw.get("date", ""))
    if day is None:
        form.errors["date"] = _("The date is not valid: write it as dd/mm/yyyy.")
    try:
        version = int(raw.get("expected_version", ""))
    except ValueError:
        version = -1
    if not 0 <= version < 2**31:
        form.errors["expected_version"] = _("Reload the page before saving.")
    reason = raw.get("correction_reason", "")
    if len(reason) > REASON_MAX:
        form.errors["correction_reason"] = _("At most %(n)s characters.", n=REASON_MAX)
    marks: list[pb.MarkInput] = []
    for key, value in raw.items():
        if not key.startswith("mark-"):
            continue
        student_id = key[5:]
        note = raw.get(f"note-{student_id}", "")
        if value not in convert.MARKS:
            form.errors[f"marks.{student_id}"] = _("Unknown mark: use present, excused, unexcused or late.")
        elif len(note) > NOTE_MAX:
            form.errors[f"marks.{student_id}"] = _("At most %(n)s characters.", n=NOTE_MAX)
        elif value != "present" or note.strip():
            marks.append(pb.MarkInput(student_id=student_id[:64], mark=convert.mark_to_proto(value), note=note))
    if form.errors:
        form.message = _("Please correct the marked fields.")
        return _day_page(class_id, day.isoformat() if day else "", form, 400)
    assert day is not None  # an unreadable date was reported above
    try:
        attendance().SaveClassAttendance(
            pb.SaveClassAttendanceRequest(
                class_id=class_id,
                date=day.isoformat(),
                expected_version=version,
                marks=marks,
                correction_reason=reason,
            )
        )
    except grpc.RpcError as err:
        if not form_failure(form, err):
            raise
        if err.code() == grpc.StatusCode.NOT_FOUND:
            raise
        status = 409 if err.code() == grpc.StatusCode.ABORTED else 400
        if "date" in form.errors:
            return _day_page(class_id, "", form, status)
        return _day_page(class_id, day.isoformat(), form, status)
    return flask.redirect(url_for("attendance.day_page", class_id=class_id, date=day.isoformat(), saved="1"), 303)


# --- Monthly sheet --------------------------------------------------------------------------------


def _wanted_month() -> str:
    raw = request.args.get("month", "")[:7]
    return raw if raw else f"{_today():%Y-%m}"


@bp.get("/classes/<id:class_id>/attendance/month")
@permission("students:attendance:read")
def month(class_id: str) -> ResponseReturnValue:
    """Sổ theo dõi chuyên cần: pupils by school days with totals and the class size per day."""
    wanted = _wanted_month()
    sheet: dict[str, Any] | None = None
    error = ""
    status = 200
    try:
        sheet = convert.month(
            attendance().GetMonthlyAttendance(pb.GetMonthlyAttendanceRequest(class_id=class_id, month=wanted))
        )
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        failure = from_rpc_error(err)
        error, status = failure.fields.get("month", failure.message), 400
    first = dt.date.fromisoformat(f"{sheet['month']}-01") if sheet else None
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m") if first else ""
    following = (first + dt.timedelta(days=32)).strftime("%Y-%m") if first else ""
    return render(
        "students/attendance_month.html",
        status,
        class_id=class_id,
        sheet=sheet,
        wanted=wanted,
        error=error,
        cells=convert.MARK_CELL,
        previous=previous,
        following=following,
    )


@bp.get("/classes/<id:class_id>/attendance/month/export")
@permission("students:attendance:read")
def export_month(class_id: str) -> ResponseReturnValue:
    """The monthly sheet as an Excel workbook."""
    wanted = _wanted_month()
    try:
        answer = attendance().ExportMonthlyAttendance(
            pb.ExportMonthlyAttendanceRequest(class_id=class_id, month=wanted)
        )
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        return flask.redirect(url_for("attendance.month", class_id=class_id, month=wanted), 303)
    return send_workbook(answer.workbook, answer.filename, f"chuyen-can-{wanted}")


# --- The class page's panel -----------------------------------------------------------------------


@bp.app_context_processor
def class_panel() -> dict[str, Any]:
    """``attendance_panel(class_id)`` for the class page: links and the class's open alerts."""

    def attendance_panel(class_id: str) -> dict[str, Any]:
        if not can_open("attendance.day_page"):
            return {"show": False, "alerts": []}
        try:
            alerts = attendance().ListAbsenceAlerts(pb.ListAbsenceAlertsRequest(class_id=class_id)).alerts
        except grpc.RpcError:
            alerts = []  # the class page itself still shows; the alerts have their own page
        return {"show": True, "alerts": [convert.alert(a) for a in alerts], "rule_labels": convert.RULE_LABELS}

    return {"attendance_panel": attendance_panel}
