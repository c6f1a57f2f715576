"""The grade book's JSON API (sổ theo dõi chất lượng giáo dục, issue 5): a class's sheet for a
period and subject, saving cells (per-cell versions, conflicts in the answer), retests, the history
of a cell, the comment bank and the Excel round trip, from the grades service's GradebookService."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
from flask import request
from flask_smorest.fields import Upload
from marshmallow import validate

from school.grades.v1 import gradebook_pb2 as pb
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import N_, GatewayError, translate
from school_gateway.grades import gradebook_convert as convert
from school_gateway.i18n import VIETNAM
from school_gateway.schemas import Boolean, Date, DateTime, Integer, List, Nested, RowErrorSchema, Schema, String
from school_gateway.upstream import stub
from school_gateway.workbooks import UPLOAD_BODY_BYTES, XLSX_MIMETYPE, max_body, read_workbook, send_workbook

blp = ApiBlueprint(
    "gradebook_api",
    __name__,
    url_prefix="/api/v1",
    description="The grade book (sổ theo dõi chất lượng giáo dục): sheets, saving cells, retests, "
    "a cell's history, the comment bank and Excel import/export.",
)

READ, WRITE = "grades:score:read", "grades:score:write"
_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error=N_("Invalid id."))
_PERIOD = validate.OneOf(convert.PERIODS, error=N_("Choose a period: GK1, CK1, GK2 or CN."))
_CODE = validate.Regexp(r"^[A-Z0-9_]{1,40}$", error=N_("Invalid subject code."))


def gradebook() -> Any:
    return stub(convert.UPSTREAM)


# --- Schemas -------------------------------------------------------------------------------------


class GradebookSheetArgs(Schema):
    period = String(
        load_default="",
        validate=validate.Regexp(r"^(GK1|CK1|GK2|CN)?$", error=N_("Choose a period: GK1, CK1, GK2 or CN.")),
        metadata={"label": N_("Assessment period"), "example": "CK1", "description": "Absent: this month's."},
    )
    subject = String(
        load_default="",
        validate=validate.Regexp(r"^[A-Z0-9_]{0,40}$", error=N_("Invalid subject code.")),
        metadata={
            "label": N_("Subject"),
            "description": "A subject code, or PC_NL for qualities and competencies. Absent: the first the "
            "caller may write.",
        },
    )


class GradebookCellSchema(Schema):
    student_id = String(required=True)
    item_code = String(required=True)
    level = String(required=True, metadata={"description": "T/H/C (subjects), T/Đ/C (qualities); empty: not set."})
    score = Integer(required=True, allow_none=True, metadata={"description": "Test score 1..10, null when none."})
    comment = String(required=True)
    version = Integer(required=True, metadata={"description": "0 for a cell never saved; send as expected_version."})
    updated_by_name = String(required=True)
    updated_at = DateTime(required=True, allow_none=True)
    attempts = Integer(required=True, metadata={"description": "Test attempts (more than 1 after a retest)."})


class GradebookColumnSchema(Schema):
    item_code = String(required=True)
    name = String(required=True)
    kind = String(required=True, metadata={"enum": ["SUBJECT", "ITEM"]})
    tested = Boolean(required=True, metadata={"description": "A periodic test (score) is due."})
    levels = List(String(), required=True)


class GradebookRowSchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    left_on = Date(required=True, allow_none=True, metadata={"description": "Set for a pupil who left the class."})
    editable = Boolean(required=True)
    cells = List(Nested(GradebookCellSchema), required=True)


class GradebookWindowSchema(Schema):
    period = String(required=True)
    name = String(required=True)
    opens_on = Date(required=True, allow_none=True)
    closes_on = Date(required=True, allow_none=True)
    stored = Boolean(required=True)


class GradebookSubjectChoiceSchema(Schema):
    code = String(required=True)
    name = String(required=True)
    may_write = Boolean(required=True)


class GradebookSheetSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    school_year_id = String(required=True)
    school_year_name = String(required=True)
    period = String(required=True)
    period_name = String(required=True)
    subject_code = String(required=True)
    subject_name = String(required=True)
    columns = List(Nested(GradebookColumnSchema), required=True)
    rows = List(Nested(GradebookRowSchema), required=True)
    may_write = Boolean(required=True)
    write_refusal = String(required=True)
    window = Nested(GradebookWindowSchema, required=True)
    window_open = Boolean(required=True)
    locked = Boolean(required=True)
    reason_required = Boolean(required=True, metadata={"description": "The period was unlocked: give a reason."})
    subjects = List(Nested(GradebookSubjectChoiceSchema), required=True)


class GradebookCellInputSchema(Schema):
    student_id = String(required=True, validate=_ID, metadata={"label": N_("Pupil")})
    item_code = String(load_default="", validate=validate.Length(max=40), metadata={"label": N_("Subject")})
    level = String(load_default="", validate=validate.Length(max=10), metadata={"label": N_("Level")})
    score = String(load_default="", validate=validate.Length(max=20), metadata={"label": N_("Test score")})
    comment = String(
        load_default="",
        validate=validate.Length(max=500, error=N_("At most 500 characters.")),
        metadata={"label": N_("Comment")},
    )
    expected_version = Integer(
        required=True,
        validate=validate.Range(min=0, max=2**31 - 1, error=N_("Must be 0 or more.")),
        metadata={"label": N_("Cell version")},
    )


class GradebookSaveSchema(Schema):
    period = String(required=True, validate=_PERIOD, metadata={"label": N_("Assessment period")})
    subject_code = String(required=True, validate=_CODE, metadata={"label": N_("Subject")})
    cells = List(
        Nested(GradebookCellInputSchema),
        required=True,
        validate=validate.Length(min=1, max=2000, error=N_("Send between 1 and 2000 cells.")),
        metadata={"label": N_("Cells")},
    )
    idempotency_key = String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Client-chosen; a retry with the same key returns the first answer."},
    )
    reason = String(
        load_default="",
        validate=validate.Length(max=500, error=N_("At most 500 characters.")),
        metadata={"label": N_("Reason for the change")},
    )


class GradebookConflictSchema(Schema):
    current = Nested(GradebookCellSchema, required=True)
    sent = Nested(GradebookCellInputSchema, required=True)
    message = String(required=True)


class GradebookSaveResultSchema(Schema):
    saved = List(Nested(GradebookCellSchema), required=True)
    conflicts = List(Nested(GradebookConflictSchema), required=True)
    unchanged = Integer(required=True)


class GradebookRetestSchema(Schema):
    student_id = String(required=True, validate=_ID, metadata={"label": N_("Pupil")})
    period = String(required=True, validate=_PERIOD, metadata={"label": N_("Assessment period")})
    subject_code = String(required=True, validate=_CODE, metadata={"label": N_("Subject")})
    score = String(load_default="", validate=validate.Length(max=20), metadata={"label": N_("Test score")})
    raw_total = String(load_default="", validate=validate.Length(max=20), metadata={"label": N_("Paper total")})
    reason = String(
        required=True,
        validate=validate.Length(max=500, error=N_("At most 500 characters.")),
        metadata={"label": N_("Reason for the retest")},
    )
    expected_version = Integer(
        required=True, validate=validate.Range(min=0, max=2**31 - 1), metadata={"label": N_("Cell version")}
    )


class GradebookRetestResultSchema(Schema):
    cell = Nested(GradebookCellSchema, required=True)


class GradebookHistoryArgs(GradebookSheetArgs):
    pass


class GradebookChangeSchema(Schema):
    field = String(required=True, metadata={"enum": ["level", "score", "comment"]})
    old_value = String(required=True)
    new_value = String(required=True)
    changed_by_name = String(required=True)
    changed_at = DateTime(required=True, allow_none=True)
    reason = String(required=True)


class GradebookAttemptSchema(Schema):
    attempt_no = Integer(required=True)
    score = Integer(required=True)
    raw_total = String(required=True)
    is_retest = Boolean(required=True)
    reason = String(required=True)
    recorded_at = DateTime(required=True, allow_none=True)


class GradebookHistorySchema(Schema):
    cell = Nested(GradebookCellSchema, required=True)
    changes = List(Nested(GradebookChangeSchema), required=True)
    attempts = List(Nested(GradebookAttemptSchema), required=True)


class GradebookCommentArgs(Schema):
    item_code = String(load_default="", validate=validate.Length(max=40), metadata={"label": N_("Subject")})


class GradebookCommentSchema(Schema):
    id = String(required=True)
    text = String(required=True)
    item_code = String(required=True)
    shared = Boolean(required=True)
    deletable = Boolean(required=True)


class GradebookCommentRefSchema(Schema):
    comment_id = String(required=True, validate=_ID, metadata={"label": N_("Comment")})


class GradebookCommentListSchema(Schema):
    items = List(Nested(GradebookCommentSchema), required=True)


class GradebookNewCommentSchema(Schema):
    text = String(
        required=True,
        validate=validate.Length(min=1, max=500, error=N_("Between 1 and 500 characters.")),
        metadata={"label": N_("Comment")},
    )
    item_code = String(load_default="", validate=validate.Length(max=40), metadata={"label": N_("Subject")})
    shared = Boolean(load_default=False, metadata={"label": N_("Shared with the whole school")})


class GradebookImportFormSchema(GradebookSheetArgs):
    idempotency_key = String(load_default="", validate=validate.Length(max=100))
    reason = String(load_default="", validate=validate.Length(max=500), metadata={"label": N_("Reason")})
    workbook = Upload(metadata={"label": N_("Excel file"), "description": ".xlsx, at most 5 MB."})


class GradebookImportResultSchema(Schema):
    errors = List(Nested(RowErrorSchema), required=True, metadata={"description": "When any, nothing was saved."})
    result = Nested(GradebookSaveResultSchema, required=True, allow_none=True)


# --- Routes --------------------------------------------------------------------------------------


def period_now() -> str:
    """The period a teacher most likely works on this month (the default when none is asked)."""
    month = dt.datetime.now(VIETNAM).month
    if month in (10, 11):
        return "GK1"
    if month in (12, 1):
        return "CK1"
    if month in (2, 3, 4):
        return "GK2"
    return "CN" if month in (5, 6, 7, 8) else "GK1"


def fetch_sheet(class_id: str, period: str, subject: str) -> Any:
    """The sheet (GetSheetResponse); with no subject asked, the first the caller may write (else
    the grade's first subject). The service checks the class is in the caller's reach."""
    period = period or period_now()
    answer = gradebook().GetSheet(
        pb.GetSheetRequest(class_id=class_id, period=period, subject_code=subject or "TIENG_VIET")
    )
    if not subject and not answer.may_write:
        writable = [s.code for s in answer.subjects if s.may_write and s.code != answer.subject_code]
        if writable:
            answer = gradebook().GetSheet(
                pb.GetSheetRequest(class_id=class_id, period=period, subject_code=writable[0])
            )
    return answer


def save_request(class_id: str, body: dict[str, Any]) -> pb.SaveCellsRequest:
    return pb.SaveCellsRequest(
        class_id=class_id,
        period=body["period"],
        subject_code=body["subject_code"],
        cells=[
            pb.CellInput(
                student_id=c["student_id"],
                item_code=c["item_code"],
                level=c["level"],
                score=c["score"],
                comment=c["comment"],
                expected_version=c["expected_version"],
            )
            for c in body["cells"]
        ],
        idempotency_key=body["idempotency_key"],
        reason=body["reason"],
    )


@blp.route("/classes/<id:class_id>/gradebook", methods=["GET"])
@permission(READ)
@blp.arguments(GradebookSheetArgs, location="query")
@blp.response(200, GradebookSheetSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_sheet(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """The sheet of a class for one period and subject (or PC_NL): pupils, cells, what the caller may do."""
    return convert.sheet(fetch_sheet(class_id, args["period"], args["subject"]))


@blp.route("/classes/<id:class_id>/gradebook", methods=["POST"])
@permission(WRITE)
@blp.arguments(GradebookSaveSchema)
@blp.response(200, GradebookSaveResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def save_cells(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Save changed cells in one transaction. An invalid value refuses all (400, fields
    ``cells.<student>.<item>.<field>``); a stale cell is not written and comes back in ``conflicts``
    with the current value; a locked period or a closed window answers 409."""
    return convert.save_result(gradebook().SaveCells(save_request(class_id, body)))


@blp.route("/classes/<id:class_id>/gradebook/retests", methods=["POST"])
@permission(WRITE)
@blp.arguments(GradebookRetestSchema)
@blp.response(200, GradebookRetestResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def record_retest(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Record a retest (score, or the paper's total in 0.25 steps); the last attempt counts."""
    answer = gradebook().RecordRetest(pb.RecordRetestRequest(class_id=class_id, **body))
    return {"cell": convert.cell(answer.cell)}


@blp.route("/classes/<id:class_id>/gradebook/students/<id:student_id>/history", methods=["GET"])
@permission(READ)
@blp.arguments(GradebookHistoryArgs, location="query")
@blp.response(200, GradebookHistorySchema)
@blp.alt_response(404, response="NOT_FOUND")
def cell_history(args: dict[str, Any], class_id: str, student_id: str) -> dict[str, Any]:
    """Every change of one pupil's cell (who, when, old → new, reason) and every test attempt;
    ``subject`` names the item (a subject, quality or competency code; absent: TIENG_VIET)."""
    answer = gradebook().GetCellHistory(
        pb.GetCellHistoryRequest(
            class_id=class_id,
            student_id=student_id,
            period=args["period"] or period_now(),
            item_code=args["subject"] or "TIENG_VIET",
        )
    )
    return convert.history(answer)


@blp.route("/classes/<id:class_id>/gradebook/export", methods=["GET"])
@permission(READ)
@blp.arguments(GradebookSheetArgs, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
@blp.alt_response(404, response="NOT_FOUND")
def export_sheet(args: dict[str, Any], class_id: str) -> flask.Response:
    """The sheet as .xlsx; fill it and import it back."""
    sheet = fetch_sheet(class_id, args["period"], args["subject"])
    answer = gradebook().ExportSheet(
        pb.ExportSheetRequest(class_id=class_id, period=sheet.period, subject_code=sheet.subject_code)
    )
    return send_workbook(answer.workbook, answer.filename, "so-theo-doi")


def import_upload(class_id: str, form: dict[str, Any]) -> dict[str, Any]:
    # The class first (the service answers 403/404 for a class out of reach), then the file.
    sheet = fetch_sheet(class_id, form["period"], form["subject"])
    data, problem = read_workbook(request.files.get("workbook"))
    if problem:
        message = translate(problem)
        raise GatewayError(400, "invalid_argument", message, {"workbook": message})
    answer = gradebook().ImportSheet(
        pb.ImportSheetRequest(
            class_id=class_id,
            period=sheet.period,
            subject_code=sheet.subject_code,
            workbook=data,
            idempotency_key=form["idempotency_key"],
            reason=form["reason"],
        )
    )
    return convert.import_result(answer)


@blp.route("/classes/<id:class_id>/gradebook/import", methods=["POST"])
@permission(WRITE)
@max_body(UPLOAD_BODY_BYTES)
@blp.arguments(GradebookImportFormSchema, location="form", content_type="multipart/form-data")
@blp.response(200, GradebookImportResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
def import_sheet(form: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Import a sheet exported before (multipart file "workbook"): all rows or none; cells changed
    since the export come back as conflicts."""
    return import_upload(class_id, form)


@blp.route("/gradebook/comments", methods=["GET"])
@permission(READ)
@blp.arguments(GradebookCommentArgs, location="query")
@blp.response(200, GradebookCommentListSchema)
def list_comments(args: dict[str, Any]) -> dict[str, Any]:
    """The comment bank: the caller's own comments and the school's shared ones."""
    answer = gradebook().ListComments(pb.ListCommentsRequest(item_code=args["item_code"]))
    return {"items": [convert.comment(c) for c in answer.comments]}


@blp.route("/gradebook/comments", methods=["POST"])
@permission(WRITE)
@blp.arguments(GradebookNewCommentSchema)
@blp.response(201, GradebookCommentSchema)
def add_comment(body: dict[str, Any]) -> dict[str, Any]:
    """Add a comment to the caller's bank (shared: the school's, for a school-wide role)."""
    return convert.comment(gradebook().AddComment(pb.AddCommentRequest(**body)).comment)


@blp.route("/gradebook/comments/delete", methods=["POST"])
@permission(WRITE)
@blp.arguments(GradebookCommentRefSchema)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_comment(body: dict[str, Any]) -> None:
    """Remove one of the caller's comments (a shared one: school-wide roles only)."""
    gradebook().DeleteComment(pb.DeleteCommentRequest(comment_id=body["comment_id"]))
