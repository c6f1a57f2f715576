"""The records JSON API: học bạ and class summary PDFs, archiving (sign and store), the archive and its check."""

from __future__ import annotations

from typing import Any

import flask

from school.grades.v1 import records_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.grades import records_convert as convert
from school_gateway.grades.records_identity import pupil_identities
from school_gateway.grades.records_schemas import (
    ArchivedFileArgs,
    ArchiveEntriesSchema,
    ArchiveListArgs,
    ArchivePageSchema,
    ArchiveRequestSchema,
    HocBaArgs,
    SummaryArgs,
    VerificationSchema,
)
from school_gateway.upstream import stub

UPSTREAM = "grades.records"
PRINT = "grades:record:print"
SIGN = "grades:record:sign"
PDF = {"type": "string", "format": "binary"}
# Deadlines longer than the gateway's default: a whole class's học bạ takes seconds to render, and
# archiving also signs every file; verifying re-reads every archived file of the school. Both stay
# under gunicorn's worker timeout (30 s).
PRINT_TIMEOUT_S = 20.0
ARCHIVE_TIMEOUT_S = 25.0

blp = ApiBlueprint(
    "grades_records_api",
    __name__,
    url_prefix="/api/v1",
    description="Học bạ and class summary sheets as PDF; the signed archive as a verifiable hash chain.",
)


def records() -> Any:
    return stub(UPSTREAM)


def identities_for(class_id: str, period: str) -> list[records_pb2.PupilIdentity]:
    """The identity pages an archive needs: only the year-end archive holds the học bạ."""
    return pupil_identities(class_id) if period == "CN" else []


@blp.route("/classes/<id:class_id>/records/hoc-ba", methods=["GET"])
@permission(PRINT)
@blp.arguments(HocBaArgs, location="query")
@blp.response(200, PDF, content_type=convert.PDF_MIMETYPE)
def hoc_ba(args: dict[str, Any], class_id: str) -> flask.Response:
    """The học bạ of one pupil, or every pupil of the class in one PDF (unsigned, for printing).

    The identity page's family fields are those the students service shows this user (blank
    without students:student:read_sensitive for the class)."""
    identities = pupil_identities(class_id, args["student_id"])
    answer = records().PrintHocBa(
        records_pb2.PrintHocBaRequest(class_id=class_id, student_id=args["student_id"], identities=identities),
        timeout=PRINT_TIMEOUT_S,
    )
    return convert.send_pdf(answer.content, answer.file_name, "hoc-ba")


@blp.route("/classes/<id:class_id>/records/summary", methods=["GET"])
@permission(PRINT)
@blp.arguments(SummaryArgs, location="query")
@blp.response(200, PDF, content_type=convert.PDF_MIMETYPE)
def summary(args: dict[str, Any], class_id: str) -> flask.Response:
    """Bảng tổng hợp kết quả đánh giá giáo dục của lớp for one period (unsigned, for printing)."""
    answer = records().PrintClassSummary(
        records_pb2.PrintClassSummaryRequest(class_id=class_id, period=args["period"]), timeout=PRINT_TIMEOUT_S
    )
    return convert.send_pdf(answer.content, answer.file_name, "bang-tong-hop")


@blp.route("/classes/<id:class_id>/records/archive", methods=["POST"])
@permission(SIGN)
@blp.arguments(ArchiveRequestSchema)
@blp.response(201, ArchiveEntriesSchema)
def archive(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Sign and archive the class's documents of a period (CK1: summary; CN: summary and every học bạ).

    Archiving again after a correction adds new versions; earlier ones stay in the chain.
    """
    answer = records().ArchiveClass(
        records_pb2.ArchiveClassRequest(
            class_id=class_id, period=body["period"], identities=identities_for(class_id, body["period"])
        ),
        timeout=ARCHIVE_TIMEOUT_S,
    )
    return {"items": [convert.archive_entry(e) for e in answer.entries]}


@blp.route("/records/archive", methods=["GET"])
@permission(PRINT)
@blp.arguments(ArchiveListArgs, location="query")
@blp.response(200, ArchivePageSchema)
def archive_list(args: dict[str, Any]) -> dict[str, Any]:
    """Archive entries, oldest first: one class (its GVCN or school-wide roles) or the whole school."""
    answer = records().ListArchive(
        records_pb2.ListArchiveRequest(
            class_id=args["class_id"],
            school_year_id=args["school_year_id"],
            page_size=args["page_size"],
            page_token=args["page_token"],
        )
    )
    return {"items": [convert.archive_entry(e) for e in answer.entries], "next_page_token": answer.next_page_token}


@blp.route("/records/archive/file", methods=["GET"])
@permission(PRINT)
@blp.arguments(ArchivedFileArgs, location="query")
@blp.response(200, PDF, content_type=convert.PDF_MIMETYPE)
def archived_file(args: dict[str, Any]) -> flask.Response:
    """One archived, signed file exactly as stored (its SHA-256 is the entry's file_sha256)."""
    answer = records().GetArchivedFile(records_pb2.GetArchivedFileRequest(sequence=args["sequence"]))
    return convert.send_pdf(answer.content, answer.file_name, "luu-tru")


@blp.route("/records/archive/verification", methods=["GET"])
@permission(PRINT)
@blp.response(200, VerificationSchema)
def verify() -> dict[str, Any]:
    """Walk the school's archive chain, re-read every file and report the first broken entry."""
    return convert.verification(records().VerifyArchive(records_pb2.VerifyArchiveRequest(), timeout=PRINT_TIMEOUT_S))
