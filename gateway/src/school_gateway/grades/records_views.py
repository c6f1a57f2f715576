"""Pages "Học bạ & lưu trữ": per class, download the học bạ (a pupil or the whole class) and the class
summary per period, archive (HT) and see the class's archive; for the school, the archive with its
hashes and the "Kiểm tra chuỗi lưu trữ" check."""

from __future__ import annotations

import re
from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.grades.v1 import grades_pb2, records_pb2
from school_gateway.authz import permission
from school_gateway.errors import N_, from_rpc_error
from school_gateway.grades import convert as grades_convert
from school_gateway.grades import records_convert as convert
from school_gateway.grades.records_api import ARCHIVE_TIMEOUT_S, PRINT, PRINT_TIMEOUT_S, SIGN, identities_for, records
from school_gateway.grades.records_identity import pupil_identities
from school_gateway.i18n import gettext as _
from school_gateway.pages import FormResult, can_open, render
from school_gateway.sessions import loaded_principal
from school_gateway.upstream import stub

bp = flask.Blueprint("grades_records", __name__)
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_COUNT = re.compile(r"[0-9]{1,12}")

PERIOD_LABELS = {
    "GK1": N_("Mid-semester I (GK1)"),
    "CK1": N_("End of semester I (CK1)"),
    "GK2": N_("Mid-semester II (GK2)"),
    "CN": N_("End of year (CN)"),
}
KIND_LABELS = {"HOC_BA": N_("School record (học bạ)"), "BANG_TONG_HOP": N_("Class summary sheet")}
# Refusals shown on the archive form; anything else (not found, forbidden) is an error page.
FORM_CODES = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED})


def _may(permission_name: str) -> bool:
    principal = loaded_principal()
    return principal is not None and principal.has(permission_name)


def _periods(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(code, _(PERIOD_LABELS[code])) for code in codes]


def _entries(answer: Any) -> list[dict[str, Any]]:
    return [convert.archive_entry(e) for e in answer.entries]


def _class_page(
    class_id: str, form: FormResult | None = None, status: int = 200, added: int = 0
) -> ResponseReturnValue:
    # The archive first: it carries the object check (another class or school is refused here).
    archive = _entries(records().ListArchive(records_pb2.ListArchiveRequest(class_id=class_id, page_size=200)))
    pupils: list[dict[str, Any]] = []
    if _may("grades:roster:read"):
        roster = stub("grades").ListRoster(grades_pb2.ListRosterRequest(class_id=class_id, page_size=200))
        pupils = [grades_convert.roster_entry(e) for e in roster.entries]
    return render(
        "grades/records_class.html",
        status,
        class_id=class_id,
        class_name=pupils[0]["class_name"] if pupils else "",
        pupils=pupils,
        archive=archive,
        form=form or FormResult({}, {}, {}),
        added=added,
        periods=_periods(convert.PERIODS),
        archive_periods=_periods(convert.ARCHIVED_PERIODS),
        kind_labels={k: _(v) for k, v in KIND_LABELS.items()},
        can_sign=_may(SIGN),
        show_class_link=can_open("students.class_detail"),
    )


@bp.get("/classes/<id:class_id>/records")
@permission(PRINT)
def class_page(class_id: str) -> ResponseReturnValue:
    added = request.args.get("added", "")
    return _class_page(class_id, added=int(added) if _COUNT.fullmatch(added) else 0)


@bp.get("/classes/<id:class_id>/records/hoc-ba")
@permission(PRINT)
def hoc_ba(class_id: str) -> ResponseReturnValue:
    student_id = request.args.get("student_id", "")[:64]
    identities = pupil_identities(class_id, student_id)
    answer = records().PrintHocBa(
        records_pb2.PrintHocBaRequest(class_id=class_id, student_id=student_id, identities=identities),
        timeout=PRINT_TIMEOUT_S,
    )
    return convert.send_pdf(answer.content, answer.file_name, "hoc-ba")


@bp.get("/classes/<id:class_id>/records/summary")
@permission(PRINT)
def summary(class_id: str) -> ResponseReturnValue:
    period = request.args.get("period", "CN")[:4]
    answer = records().PrintClassSummary(
        records_pb2.PrintClassSummaryRequest(class_id=class_id, period=period), timeout=PRINT_TIMEOUT_S
    )
    return convert.send_pdf(answer.content, answer.file_name, "bang-tong-hop")


@bp.post("/classes/<id:class_id>/records/archive")
@permission(SIGN)
def archive(class_id: str) -> ResponseReturnValue:
    period = request.form.get("period", "")[:4]
    form = FormResult({}, {}, {"period": period})
    try:
        answer = records().ArchiveClass(
            records_pb2.ArchiveClassRequest(
                class_id=class_id, period=period, identities=identities_for(class_id, period)
            ),
            timeout=ARCHIVE_TIMEOUT_S,
        )
    except grpc.RpcError as err:
        if not isinstance(err, grpc.Call) or err.code() not in FORM_CODES:
            raise
        failure = from_rpc_error(err)
        form.fail(failure)
        return _class_page(class_id, form, failure.status)
    return flask.redirect(url_for("grades_records.class_page", class_id=class_id, added=len(answer.entries)), 303)


def _school_page(verification: dict[str, Any] | None = None) -> ResponseReturnValue:
    token = request.args.get("page_token", "")[:32]
    answer = records().ListArchive(records_pb2.ListArchiveRequest(page_size=100, page_token=token))
    return render(
        "grades/records_archive.html",
        archive=_entries(answer),
        next_page_token=answer.next_page_token,
        verification=verification,
        kind_labels={k: _(v) for k, v in KIND_LABELS.items()},
    )


@bp.get("/records/archive")
@permission(PRINT)
def school_archive() -> ResponseReturnValue:
    return _school_page()


@bp.post("/records/archive/verify")
@permission(PRINT)
def verify() -> ResponseReturnValue:
    result = convert.verification(records().VerifyArchive(records_pb2.VerifyArchiveRequest(), timeout=PRINT_TIMEOUT_S))
    return _school_page(result)


@bp.get("/records/archive/file")
@permission(PRINT)
def archived_file() -> ResponseReturnValue:
    raw = request.args.get("sequence", "")[:12]
    if not _COUNT.fullmatch(raw) or int(raw) < 1:
        return render(
            "grades/records_archive.html",
            400,
            archive=[],
            next_page_token="",
            verification=None,
            kind_labels={},
            problem=_("Choose an archive entry."),
        )
    answer = records().GetArchivedFile(records_pb2.GetArchivedFileRequest(sequence=int(raw)))
    return convert.send_pdf(answer.content, answer.file_name, "luu-tru")
