"""The grade book pages (sổ theo dõi chất lượng giáo dục, issue 5): pick a class, the grid of a class
for a period and subject (keyboard entry, paste from a spreadsheet and saving with per-cell
versions in static/js/gradebook.js; a plain form without JavaScript), a cell's history with the
retest form, Excel export/import, the comment bank, and the HT's settings (entry windows and the
programme JSON of a school year)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.grades.v1 import gradebook_pb2 as pb
from school.students.v1 import students_pb2
from school_gateway.authz import permission
from school_gateway.errors import from_rpc_error, translate
from school_gateway.grades import gradebook_convert as convert
from school_gateway.grades.gradebook_api import fetch_sheet, gradebook, period_now
from school_gateway.i18n import gettext as _
from school_gateway.pages import FORM_STATUSES, can_open, render
from school_gateway.students.years import chosen_year, school_years
from school_gateway.upstream import stub
from school_gateway.workbooks import UPLOAD_BODY_BYTES, max_body, read_workbook, send_workbook

bp = flask.Blueprint("gradebook", __name__)

READ, WRITE, PROGRAMME = "grades:score:read", "grades:score:write", "grades:programme:write"
QUALITIES = "PC_NL"
INT32_MAX = 2**31 - 1
PROGRAMME_MAX_BYTES = 200_000


def _wanted() -> tuple[str, str]:
    period = request.values.get("period", "")[:3].upper()
    subject = request.values.get("subject", "")[:40].upper()
    return (period if period in convert.PERIODS else period_now()), subject


def _fetch(class_id: str, period: str, subject: str) -> dict[str, Any]:
    return convert.sheet(fetch_sheet(class_id, period, subject))


def _comments(item_code: str) -> list[dict[str, Any]]:
    answer = gradebook().ListComments(pb.ListCommentsRequest(item_code=item_code))
    return [convert.comment(c) for c in answer.comments]


def _grid(
    class_id: str,
    period: str,
    subject: str,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    conflicts: list[dict[str, Any]] | None = None,
    import_errors: list[dict[str, Any]] | None = None,
    saved: int | None = None,
) -> ResponseReturnValue:
    try:
        sheet = _fetch(class_id, period, subject)
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        failure = from_rpc_error(err)
        return render(
            "grades/gradebook.html",
            400,
            sheet=None,
            class_id=class_id,
            period=period,
            periods=convert.PERIODS,
            error=" ".join(failure.fields.values()) or failure.message,
        )
    by_cell = {(c["sent"]["student_id"], c["sent"]["item_code"]): c for c in conflicts or []}
    return render(
        "grades/gradebook.html",
        status,
        sheet=sheet,
        class_id=class_id,
        period=sheet["period"],
        periods=convert.PERIODS,
        error="",
        message=message,
        errors=errors or {},
        typed=typed or {},
        conflicts=by_cell,
        import_errors=import_errors or [],
        saved=saved if saved is not None else _small_count(request.args.get("saved", "")),
        comments=_comments(sheet["subject_code"] if sheet["subject_code"] != QUALITIES else ""),
        comment_error=request.args.get("comment_error") == "1",
        can_import=can_open("gradebook.import_page", "POST") and sheet["may_write"],
        new_key=uuid.uuid4().hex,
    )


def _small_count(text: str) -> int | None:
    """A count from the query string: ASCII digits only ("²".isdigit() is True but int() refuses it)."""
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 9 else None


def _version(text: str) -> int:
    """A version posted by a form, as the int32 the service takes; anything odd reads as 0 (a
    first save), which the service answers with a conflict rather than a crash."""
    text = text.strip()
    return min(int(text), INT32_MAX) if text.isascii() and text.isdecimal() and len(text) <= 12 else 0


# --- Index ----------------------------------------------------------------------------------------


@bp.get("/gradebook")
@permission(READ)
def index() -> ResponseReturnValue:
    """Sổ theo dõi chất lượng giáo dục: the classes the user reaches, then the grid."""
    classes = stub("students").ListClasses(students_pb2.ListClassesRequest(page_size=200)).classes
    return render(
        "grades/gradebook_index.html",
        classes=[{"id": c.class_id, "name": c.name, "grade_level": c.grade_level} for c in classes],
        period=period_now(),
        periods=convert.PERIODS,
        show_settings=can_open("gradebook.settings"),
    )


# --- The grid -------------------------------------------------------------------------------------


@bp.get("/classes/<id:class_id>/gradebook")
@permission(READ)
def grid(class_id: str) -> ResponseReturnValue:
    period, subject = _wanted()
    return _grid(class_id, period, subject)


def _typed_cells(raw: dict[str, str]) -> tuple[list[pb.CellInput], dict[str, str]]:
    """The cells the form changed: each cell posts its inputs and, hidden, the value and version it
    was shown with (``o-`` JSON, ``v-`` version); unchanged cells are not sent."""
    cells: list[pb.CellInput] = []
    typed: dict[str, str] = {}
    for key, shown in raw.items():
        if not key.startswith("o-"):
            continue
        ident = key[2:]
        student_id, _sep, item_code = ident.partition("~")
        level = raw.get(f"level-{ident}", "")[:10]
        score = raw.get(f"score-{ident}", "")[:20]
        comment = raw.get(f"comment-{ident}", "")[:500]
        typed[f"level-{ident}"], typed[f"score-{ident}"], typed[f"comment-{ident}"] = level, score, comment
        try:
            before = [str(v).strip() for v in json.loads(shown)]
            version = _version(raw.get(f"v-{ident}", "0"))
        except (TypeError, ValueError):
            continue
        if len(before) != 3:
            continue
        if f"comment-{ident}" not in raw:  # the qualities sheet has no comment column: keep the stored one
            comment = before[2]
        if [level.strip().upper(), score.strip(), comment.strip()] == [before[0].upper(), before[1], before[2]]:
            continue
        cells.append(
            pb.CellInput(
                student_id=student_id[:64],
                item_code=item_code[:40],
                level=level,
                score=score,
                comment=comment,
                expected_version=version,
            )
        )
    return cells, typed


@bp.post("/classes/<id:class_id>/gradebook")
@permission(WRITE)
def save_form(class_id: str) -> ResponseReturnValue:
    """The grid without JavaScript: the changed cells in one save."""
    raw = {k: v for k, v in request.form.items() if k != "csrf_token"}
    period, subject = _wanted()
    cells, typed = _typed_cells(raw)
    if not cells:
        return flask.redirect(
            url_for("gradebook.grid", class_id=class_id, period=period, subject=subject, saved=0), 303
        )
    try:
        answer = gradebook().SaveCells(
            pb.SaveCellsRequest(
                class_id=class_id,
                period=period,
                subject_code=subject,
                cells=cells,
                idempotency_key=raw.get("idempotency_key", "")[:100],
                reason=raw.get("reason", "")[:500],
            )
        )
    except grpc.RpcError as err:
        if err.code() not in FORM_STATUSES or err.code() == grpc.StatusCode.NOT_FOUND:
            raise
        failure = from_rpc_error(err)
        return _grid(
            class_id,
            period,
            subject,
            status=failure.status,
            message=failure.message,
            errors=failure.fields,
            typed=typed,
        )
    result = convert.save_result(answer)
    if result["conflicts"]:
        message = _("Some cells were changed by someone else meanwhile; your values are kept below.")
        return _grid(
            class_id, period, subject, status=409, message=message, typed=typed,
            conflicts=result["conflicts"], saved=len(result["saved"]),
        )  # fmt: skip
    return flask.redirect(
        url_for("gradebook.grid", class_id=class_id, period=period, subject=subject, saved=len(result["saved"])), 303
    )


# --- Excel ----------------------------------------------------------------------------------------


@bp.get("/classes/<id:class_id>/gradebook/export")
@permission(READ)
def export(class_id: str) -> ResponseReturnValue:
    period, subject = _wanted()
    answer = gradebook().ExportSheet(pb.ExportSheetRequest(class_id=class_id, period=period, subject_code=subject))
    return send_workbook(answer.workbook, answer.filename, "so-theo-doi")


@bp.post("/classes/<id:class_id>/gradebook/import")
@permission(WRITE)
@max_body(UPLOAD_BODY_BYTES)
def import_page(class_id: str) -> ResponseReturnValue:
    period, subject = _wanted()
    fetch_sheet(class_id, period, subject)  # the class first: 403/404 before looking at the file
    data, problem = read_workbook(request.files.get("workbook"))
    if problem:
        return _grid(class_id, period, subject, status=400, message=translate(problem))
    try:
        answer = gradebook().ImportSheet(
            pb.ImportSheetRequest(
                class_id=class_id,
                period=period,
                subject_code=subject,
                workbook=data,
                idempotency_key=request.form.get("idempotency_key", "")[:100],
                reason=request.form.get("reason", "")[:500],
            )
        )
    except grpc.RpcError as err:
        if err.code() not in FORM_STATUSES or err.code() == grpc.StatusCode.NOT_FOUND:
            raise
        failure = from_rpc_error(err)
        return _grid(class_id, period, subject, status=failure.status, message=failure.message, errors=failure.fields)
    outcome = convert.import_result(answer)
    if outcome["errors"]:
        return _grid(
            class_id, period, subject, status=400,
            message=_("Nothing was imported: correct the rows below and import the file again."),
            import_errors=outcome["errors"],
        )  # fmt: skip
    result = outcome["result"] or {"saved": [], "conflicts": []}
    if result["conflicts"]:
        message = _("Some cells were changed by someone else since the export; they were not overwritten.")
        return _grid(
            class_id, period, subject, status=409, message=message,
            conflicts=result["conflicts"], saved=len(result["saved"]),
        )  # fmt: skip
    return flask.redirect(
        url_for("gradebook.grid", class_id=class_id, period=period, subject=subject, saved=len(result["saved"])), 303
    )


# --- One cell: history and retest -----------------------------------------------------------------


def _history_page(
    class_id: str, student_id: str, status: int = 200, form_error: str = "", errors: dict[str, str] | None = None
) -> ResponseReturnValue:
    period, item = _wanted()
    item = item or "TIENG_VIET"
    answer = gradebook().GetCellHistory(
        pb.GetCellHistoryRequest(class_id=class_id, student_id=student_id, period=period, item_code=item)
    )
    sheet = (
        convert.sheet(gradebook().GetSheet(pb.GetSheetRequest(class_id=class_id, period=period, subject_code=item)))
        if item != QUALITIES and not item.startswith(("PC_", "NL_"))
        else None
    )
    pupil = next((r for r in sheet["rows"] if r["student_id"] == student_id), None) if sheet else None
    return render(
        "grades/gradebook_history.html",
        status,
        class_id=class_id,
        period=period,
        item=item,
        student_id=student_id,
        pupil=pupil,
        sheet=sheet,
        history=convert.history(answer),
        can_retest=bool(sheet and sheet["may_write"] and sheet["columns"][0]["tested"] and pupil and pupil["editable"]),
        form_error=form_error,
        errors=errors or {},
    )


@bp.get("/classes/<id:class_id>/gradebook/students/<id:student_id>/history")
@permission(READ)
def history(class_id: str, student_id: str) -> ResponseReturnValue:
    return _history_page(class_id, student_id)


@bp.post("/classes/<id:class_id>/gradebook/students/<id:student_id>/retest")
@permission(WRITE)
def retest(class_id: str, student_id: str) -> ResponseReturnValue:
    period, item = _wanted()
    version = _version(request.form.get("expected_version", "0"))
    try:
        gradebook().RecordRetest(
            pb.RecordRetestRequest(
                class_id=class_id,
                student_id=student_id,
                period=period,
                subject_code=item,
                score=request.form.get("score", "")[:20],
                raw_total=request.form.get("raw_total", "")[:20],
                reason=request.form.get("reason", "")[:500],
                expected_version=version,
            )
        )
    except grpc.RpcError as err:
        if err.code() not in FORM_STATUSES or err.code() == grpc.StatusCode.NOT_FOUND:
            raise
        failure = from_rpc_error(err)
        return _history_page(class_id, student_id, failure.status, failure.message, failure.fields)
    return flask.redirect(
        url_for("gradebook.history", class_id=class_id, student_id=student_id, period=period, subject=item), 303
    )


# --- Comment bank ---------------------------------------------------------------------------------


@bp.post("/gradebook/comments")
@permission(WRITE)
def add_comment() -> ResponseReturnValue:
    """Add a comment to one's bank from the grid, then back to the grid."""
    back = request.form.get("back", "")
    target = back if back.startswith("/classes/") and "//" not in back else url_for("gradebook.index")
    try:
        gradebook().AddComment(
            pb.AddCommentRequest(
                text=request.form.get("text", "")[:500],
                item_code=request.form.get("item_code", "")[:40],
                shared=request.form.get("shared") == "1",
            )
        )
    except grpc.RpcError as err:
        if err.code() not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED):
            raise
        glue = "&" if "?" in target else "?"
        return flask.redirect(f"{target}{glue}comment_error=1", 303)
    return flask.redirect(target, 303)


# --- Settings: entry windows and the programme ----------------------------------------------------


def _settings_page(
    status: int = 200, errors: dict[str, str] | None = None, message: str = "", typed: dict[str, str] | None = None
) -> ResponseReturnValue:
    years = school_years()
    year_id = chosen_year(years, request.values.get("year", ""))
    windows = programme = None
    if year_id:
        windows = gradebook().GetPeriodWindows(pb.GetPeriodWindowsRequest(school_year_id=year_id))
        try:
            programme = gradebook().GetProgramme(pb.GetProgrammeRequest(school_year_id=year_id))
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.NOT_FOUND:
                raise
    return render(
        "grades/gradebook_settings.html",
        status,
        years=years,
        year_id=year_id,
        windows=[convert.window(w) for w in windows.windows] if windows else [],
        programme=programme,
        errors=errors or {},
        message=message,
        typed=typed or {},
        saved=request.args.get("saved", ""),
    )


@bp.get("/gradebook/settings")
@permission(PROGRAMME)
def settings() -> ResponseReturnValue:
    """The HT's page: each period's entry window (dd/mm/yyyy) and the programme of the year."""
    return _settings_page()


@bp.post("/gradebook/settings/windows")
@permission(PROGRAMME)
def save_windows() -> ResponseReturnValue:
    year_id = request.form.get("year", "")[:64]
    typed = {k: v[:20] for k, v in request.form.items() if k.startswith(("opens-", "closes-"))}
    wanted = [
        pb.PeriodWindow(period=p, opens_on=typed.get(f"opens-{p}", ""), closes_on=typed.get(f"closes-{p}", ""))
        for p in convert.PERIODS
    ]
    try:
        gradebook().SavePeriodWindows(pb.SavePeriodWindowsRequest(school_year_id=year_id, windows=wanted))
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        failure = from_rpc_error(err)
        return _settings_page(400, failure.fields, failure.message, typed)
    return flask.redirect(url_for("gradebook.settings", year=year_id, saved="windows"), 303)


@bp.get("/gradebook/settings/programme.json")
@permission(PROGRAMME)
def download_programme() -> ResponseReturnValue:
    year_id = chosen_year(school_years(), request.args.get("year", "")[:64])
    answer = gradebook().GetProgramme(pb.GetProgrammeRequest(school_year_id=year_id))
    response = flask.Response(answer.body, mimetype="application/json")
    name = f"chuong-trinh-{answer.school_year_name or 'nam-hoc'}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/gradebook/settings/programme")
@permission(PROGRAMME)
@max_body(UPLOAD_BODY_BYTES)
def upload_programme() -> ResponseReturnValue:
    year_id = request.form.get("year", "")[:64]
    upload = request.files.get("programme")
    body = upload.stream.read(PROGRAMME_MAX_BYTES + 1) if upload and upload.filename else b""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if not text.strip() or len(body) > PROGRAMME_MAX_BYTES:
        message = _("Choose the programme file (.json, UTF-8, at most 200 KB).")
        return _settings_page(400, {"programme": message}, message)
    version = _version(request.form.get("expected_version", "0"))
    try:
        gradebook().ReplaceProgramme(
            pb.ReplaceProgrammeRequest(school_year_id=year_id, body=text, expected_version=version)
        )
    except grpc.RpcError as err:
        if err.code() not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ABORTED):
            raise
        failure = from_rpc_error(err)
        fields = {"programme": " ".join(failure.fields.values()) or failure.message}
        return _settings_page(400, fields, failure.message)
    return flask.redirect(url_for("gradebook.settings", year=year_id, saved="programme"), 303)
