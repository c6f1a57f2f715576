"""GradebookService servicer: permission first, then the object (the class in the caller's reach),
then the use case (which re-checks who may write each cell); domain refusals become gRPC statuses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import gradebook_pb2 as pb
from school.grades.v1 import gradebook_pb2_grpc
from school_grades.app.gradebook import (
    Actor,
    CellHistory,
    ClosedError,
    Conflict,
    ForbiddenError,
    GradebookUseCases,
    ProgrammeView,
    Retest,
    SaveCells,
    SavedCell,
    SaveResult,
    Sheet,
    StaleError,
    WindowsView,
)
from school_grades.app.gradebook_excel import Workbooks, export_sheet, import_sheet
from school_grades.app.gradebook_ports import BankComment, DuplicateKeyError
from school_grades.domain.errors import DomainError, NotFoundError
from school_grades.domain.gradebook_cells import CellRequest
from schoolkit import grpc_errors as errors
from schoolkit.context import Caller, current_request_id
from schoolkit.grpc_server import current_caller, require

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["GradebookService"].full_name
SCORE_READ = "grades:score:read"
SCORE_WRITE = "grades:score:write"
PROGRAMME_WRITE = "grades:programme:write"
MAX_CELLS = 2000
WORKBOOK_MAX_BYTES = 5 * 1024 * 1024


@contextmanager
def refusals() -> Iterator[None]:
    """Domain refusals as gRPC statuses with their Vietnamese field messages."""
    try:
        yield
    except NotFoundError as err:
        raise errors.NotFoundError(err.message, err.fields) from None
    except ForbiddenError as err:
        raise errors.ForbiddenError(err.message, err.fields) from None
    except ClosedError as err:
        raise errors.PreconditionFailedError(err.message, err.fields) from None
    except StaleError as err:
        raise errors.ConflictError(err.message, err.fields) from None
    except DuplicateKeyError:
        # Two writers raced for one row (a retest's attempt, the windows of a year): the other won.
        message = "Dữ liệu vừa được người khác thay đổi cùng lúc; hãy tải lại trang rồi thử lại"
        raise errors.ConflictError(message, {"expected_version": message}) from None
    except DomainError as err:
        raise errors.InvalidInputError(err.message, err.fields) from None


def actor_of(caller: Caller) -> Actor:
    return Actor(
        subject=caller.subject,
        name=caller.full_name or caller.username,
        scopes=caller.scopes,
        permissions=caller.permissions,
        request_id=current_request_id(),
    )


def ensure_class(caller: Caller, class_id: str) -> None:
    """The object check: a teacher reaches only the classes of their assignments."""
    if not caller.reaches_class(class_id.strip()):
        message = "Bạn không được phân công lớp này"
        raise errors.ForbiddenError(message, {"class_id": message})


def timestamp(value: datetime | str | None) -> Timestamp | None:
    if not value:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromisoformat(value) if isinstance(value, str) else value)
    return stamp


def cell_message(cell: SavedCell) -> pb.Cell:
    return pb.Cell(
        student_id=cell.student_id,
        item_code=cell.item_code,
        level=cell.level,
        score=cell.score or 0,
        comment=cell.comment,
        version=cell.version,
        updated_by_name=cell.updated_by_name,
        updated_at=timestamp(cell.updated_at),
        attempts=cell.attempts,
    )


def cell_input(req: CellRequest) -> pb.CellInput:
    return pb.CellInput(
        student_id=req.student_id,
        item_code=req.item_code,
        level=req.level,
        score=req.score,
        comment=req.comment,
        expected_version=req.expected_version,
    )


def result_message(result: SaveResult) -> pb.SaveCellsResponse:
    return pb.SaveCellsResponse(
        saved=[cell_message(c) for c in result.saved],
        conflicts=[conflict_message(c) for c in result.conflicts],
        unchanged=result.unchanged,
    )


def conflict_message(conflict: Conflict) -> pb.CellConflict:
    return pb.CellConflict(
        current=cell_message(conflict.current), sent=cell_input(conflict.sent), message=conflict.message
    )


def window_message(code: str, name: str, opens: str, closes: str, stored: bool) -> pb.PeriodWindow:
    return pb.PeriodWindow(period=code, name=name, opens_on=opens, closes_on=closes, stored=stored)


def sheet_message(sheet: Sheet) -> pb.GetSheetResponse:
    from school_grades.app.gradebook import saved_cell

    return pb.GetSheetResponse(
        class_id=sheet.school_class.id,
        class_name=sheet.school_class.name,
        grade_level=sheet.school_class.grade_level,
        school_year_id=sheet.school_class.year.id,
        school_year_name=sheet.school_class.year.name,
        period=sheet.period.value,
        period_name=sheet.period_name,
        subject_code=sheet.subject_code,
        subject_name=sheet.subject_name,
        columns=[
            pb.SheetColumn(item_code=c.item_code, name=c.name, kind=c.kind.value, tested=c.tested, levels=c.levels)
            for c in sheet.columns
        ],
        rows=[
            pb.SheetRow(
                student_id=r.pupil.student_id,
                student_code=r.pupil.student_code,
                full_name=r.pupil.full_name,
                left_on=r.pupil.left_on.isoformat() if r.pupil.left_on else "",
                editable=r.pupil.editable,
                cells=[
                    cell_message(saved_cell(r.pupil.student_id, col.item_code, cell, attempts))
                    for col, (cell, attempts) in zip(sheet.columns, r.cells, strict=True)
                ],
            )
            for r in sheet.rows
        ],
        may_write=sheet.may_write,
        write_refusal=sheet.write_refusal,
        window=window_message(
            sheet.period.value,
            sheet.period_name,
            sheet.window.opens_on.isoformat(),
            sheet.window.closes_on.isoformat(),
            sheet.window_stored,
        ),
        window_open=sheet.window_open,
        locked=sheet.lock.locked,
        reason_required=sheet.lock.reopened,
        subjects=[pb.SubjectChoice(code=c, name=n, may_write=w) for c, n, w in sheet.subjects],
    )


def programme_message(view: ProgrammeView) -> pb.GetProgrammeResponse:
    return pb.GetProgrammeResponse(
        school_year_id=view.year.id,
        school_year_name=view.year.name,
        body=view.body,
        version=view.version,
        stored=view.stored,
        updated_by_name=view.updated_by_name,
        updated_at=timestamp(view.updated_at),
    )


def windows_message(view: WindowsView) -> pb.GetPeriodWindowsResponse:
    return pb.GetPeriodWindowsResponse(
        school_year_id=view.year.id,
        school_year_name=view.year.name,
        windows=[
            window_message(p.value, name, w.opens_on.isoformat(), w.closes_on.isoformat(), stored)
            for p, name, w, stored in view.windows
        ],
    )


def history_message(history: CellHistory) -> pb.GetCellHistoryResponse:
    return pb.GetCellHistoryResponse(
        cell=cell_message(history.cell),
        changes=[
            pb.CellChange(
                field=c.field,
                old_value=c.old_value,
                new_value=c.new_value,
                changed_by_name=c.changed_by_name,
                changed_at=timestamp(c.changed_at),
                reason=c.reason,
            )
            for c in history.changes
        ],
        attempts=[
            pb.TestAttempt(
                attempt_no=a.attempt_no,
                score=a.score,
                raw_total=a.raw_total,
                is_retest=a.is_retest,
                reason=a.reason,
                recorded_at=timestamp(a.recorded_at),
            )
            for a in history.attempts
        ],
    )


def comment_message(comment: BankComment, caller: Caller) -> pb.Comment:
    own = comment.owner_id == caller.subject
    return pb.Comment(
        comment_id=comment.id,
        text=comment.text,
        item_code=comment.item_code,
        shared=comment.owner_id == "",
        deletable=own or (comment.owner_id == "" and caller.school_wide),
    )


def cell_requests(cells: Callable[[], list[pb.CellInput]]) -> list[CellRequest]:
    items = cells()
    if len(items) > MAX_CELLS:
        message = f"Tối đa {MAX_CELLS} ô mỗi lần lưu"
        raise errors.InvalidInputError(message, {"cells": message})
    return [
        CellRequest(c.student_id[:64], c.item_code[:40], c.level[:10], c.score[:20], c.comment, c.expected_version)
        for c in items
    ]


class GradebookServicer(gradebook_pb2_grpc.GradebookServiceServicer):
    def __init__(self, use_cases: GradebookUseCases, books: Workbooks) -> None:
        self._uc = use_cases
        self._books = books

    def register(self, server: grpc.Server) -> str:
        gradebook_pb2_grpc.add_GradebookServiceServicer_to_server(self, server)
        return SERVICE_NAME

    # -- programme and windows ------------------------------------------------------------------

    def GetProgramme(self, request: pb.GetProgrammeRequest, context: grpc.ServicerContext) -> pb.GetProgrammeResponse:
        require(SCORE_READ)
        with refusals():
            return programme_message(self._uc.programme(current_caller().school_id, request.school_year_id))

    def ReplaceProgramme(
        self, request: pb.ReplaceProgrammeRequest, context: grpc.ServicerContext
    ) -> pb.ReplaceProgrammeResponse:
        require(PROGRAMME_WRITE)
        caller = current_caller()
        with refusals():
            view = self._uc.replace_programme(
                actor_of(caller), caller.school_id, request.school_year_id, request.body, request.expected_version
            )
        return pb.ReplaceProgrammeResponse(programme=programme_message(view))

    def GetPeriodWindows(
        self, request: pb.GetPeriodWindowsRequest, context: grpc.ServicerContext
    ) -> pb.GetPeriodWindowsResponse:
        require(SCORE_READ)
        with refusals():
            return windows_message(self._uc.windows(current_caller().school_id, request.school_year_id))

    def SavePeriodWindows(
        self, request: pb.SavePeriodWindowsRequest, context: grpc.ServicerContext
    ) -> pb.SavePeriodWindowsResponse:
        require(PROGRAMME_WRITE)
        caller = current_caller()
        wanted = {w.period[:10]: (w.opens_on[:20], w.closes_on[:20]) for w in request.windows}
        with refusals():
            view = self._uc.save_windows(actor_of(caller), caller.school_id, request.school_year_id, wanted)
        return pb.SavePeriodWindowsResponse(windows=windows_message(view))

    # -- the sheet ------------------------------------------------------------------------------

    def _sheet(self, caller: Caller, class_id: str, period: str, subject_code: str) -> Sheet:
        ensure_class(caller, class_id)
        with refusals():
            return self._uc.get_sheet(actor_of(caller), caller.school_id, class_id, period, subject_code)

    def GetSheet(self, request: pb.GetSheetRequest, context: grpc.ServicerContext) -> pb.GetSheetResponse:
        require(SCORE_READ)
        return sheet_message(self._sheet(current_caller(), request.class_id, request.period, request.subject_code))

    def SaveCells(self, request: pb.SaveCellsRequest, context: grpc.ServicerContext) -> pb.SaveCellsResponse:
        require(SCORE_WRITE)
        caller = current_caller()
        ensure_class(caller, request.class_id)
        cmd = SaveCells(
            class_id=request.class_id,
            period=request.period,
            subject_code=request.subject_code,
            cells=cell_requests(lambda: list(request.cells)),
            idempotency_key=request.idempotency_key,
            reason=request.reason,
        )
        with refusals():
            return result_message(self._uc.save_cells(actor_of(caller), caller.school_id, cmd))

    def RecordRetest(self, request: pb.RecordRetestRequest, context: grpc.ServicerContext) -> pb.RecordRetestResponse:
        require(SCORE_WRITE)
        caller = current_caller()
        ensure_class(caller, request.class_id)
        cmd = Retest(
            class_id=request.class_id,
            student_id=request.student_id[:64],
            period=request.period[:10],
            subject_code=request.subject_code[:40],
            score=request.score[:20],
            raw_total=request.raw_total[:20],
            reason=request.reason,
            expected_version=request.expected_version,
        )
        with refusals():
            return pb.RecordRetestResponse(
                cell=cell_message(self._uc.record_retest(actor_of(caller), caller.school_id, cmd))
            )

    def GetCellHistory(
        self, request: pb.GetCellHistoryRequest, context: grpc.ServicerContext
    ) -> pb.GetCellHistoryResponse:
        require(SCORE_READ)
        caller = current_caller()
        ensure_class(caller, request.class_id)
        with refusals():
            history = self._uc.cell_history(
                caller.school_id, request.class_id, request.student_id, request.period, request.item_code
            )
        return history_message(history)

    # -- comment bank ---------------------------------------------------------------------------

    def ListComments(self, request: pb.ListCommentsRequest, context: grpc.ServicerContext) -> pb.ListCommentsResponse:
        require(SCORE_READ)
        caller = current_caller()
        with refusals():
            found = self._uc.comments(actor_of(caller), caller.school_id, request.item_code[:40])
        return pb.ListCommentsResponse(comments=[comment_message(c, caller) for c in found])

    def AddComment(self, request: pb.AddCommentRequest, context: grpc.ServicerContext) -> pb.AddCommentResponse:
        require(SCORE_WRITE)
        caller = current_caller()
        with refusals():
            added = self._uc.add_comment(
                actor_of(caller), caller.school_id, request.text[:2000], request.item_code[:60], request.shared
            )
        return pb.AddCommentResponse(comment=comment_message(added, caller))

    def DeleteComment(
        self, request: pb.DeleteCommentRequest, context: grpc.ServicerContext
    ) -> pb.DeleteCommentResponse:
        require(SCORE_WRITE)
        caller = current_caller()
        with refusals():
            self._uc.delete_comment(actor_of(caller), caller.school_id, request.comment_id[:64])
        return pb.DeleteCommentResponse()

    # -- Excel ----------------------------------------------------------------------------------

    def ExportSheet(self, request: pb.ExportSheetRequest, context: grpc.ServicerContext) -> pb.ExportSheetResponse:
        require(SCORE_READ)
        sheet = self._sheet(current_caller(), request.class_id, request.period, request.subject_code)
        book, name = export_sheet(self._uc, self._books, sheet)
        return pb.ExportSheetResponse(workbook=book, filename=name)

    def ImportSheet(self, request: pb.ImportSheetRequest, context: grpc.ServicerContext) -> pb.ImportSheetResponse:
        require(SCORE_WRITE)
        caller = current_caller()
        if len(request.workbook) > WORKBOOK_MAX_BYTES:
            message = "Tệp tối đa 5 MB"
            raise errors.InvalidInputError(message, {"workbook": message})
        sheet = self._sheet(caller, request.class_id, request.period, request.subject_code)
        with refusals():
            outcome = import_sheet(
                self._uc,
                self._books,
                actor_of(caller),
                caller.school_id,
                sheet,
                request.workbook,
                request.idempotency_key,
                request.reason,
            )
        return pb.ImportSheetResponse(
            errors=[pb.ImportRowError(row=e.row, column=e.column, message=e.message) for e in outcome.errors],
            result=result_message(outcome.result) if outcome.result else None,
        )
