"""ResultsService servicer: permission first, then the caller's reach to the class (checked again
by the use case on every write), then the use case; domain refusals become gRPC statuses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.exc import IntegrityError

from school.grades.v1 import results_pb2, results_pb2_grpc
from school_grades.api import permissions as perm
from school_grades.app.results import (
    ApproveCommand,
    ClassResults,
    ClassSummary,
    DecideCommand,
    ForbiddenError,
    NominateCommand,
    ResultsUseCases,
    ResultView,
    SupplementaryCommand,
    VersionConflictError,
)
from school_grades.domain.errors import DomainError, NotFoundError
from schoolkit.grpc_errors import ConflictError, InvalidInputError
from schoolkit.grpc_errors import ForbiddenError as ServiceForbiddenError
from schoolkit.grpc_errors import NotFoundError as ServiceNotFoundError
from schoolkit.grpc_server import current_caller, require

SERVICE_NAME = results_pb2.DESCRIPTOR.services_by_name["ResultsService"].full_name


_BUSY = "Kết quả cuối năm của lớp đang được người khác tổng hợp; hãy tải lại trang rồi thử lại"


@contextmanager
def refusals() -> Iterator[None]:
    """Domain refusals as gRPC statuses with their Vietnamese field messages."""
    try:
        yield
    except ForbiddenError as err:
        raise ServiceForbiddenError(err.message, err.fields) from None
    except NotFoundError as err:
        raise ServiceNotFoundError(err.message, err.fields) from None
    except VersionConflictError as err:
        raise ConflictError(err.message, err.fields) from None
    except IntegrityError:
        # Two first writes of one pupil's row at once (the CN lock row serialises computes, but a
        # row can still race on a database without row locks): the loser tries again.
        raise ConflictError(_BUSY, {"class_id": _BUSY}) from None
    except DomainError as err:
        raise InvalidInputError(err.message, err.fields) from None


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value)
    return out


def summary_message(summary: ClassSummary) -> results_pb2.ClassSummary:
    facts = summary.facts
    return results_pb2.ClassSummary(
        class_id=facts.class_id,
        class_name=facts.name,
        grade_level=facts.grade_level,
        school_year_id=facts.school_year_id,
        school_year_name=facts.school_year_name,
        period=summary.period.value,
        period_name=summary.period_name,
        subjects=[
            results_pb2.SummaryColumn(
                code=c.code, name=c.name, kind=c.kind, tested=c.tested, level_counts=c.level_counts
            )
            for c in summary.subjects
        ],
        items=[
            results_pb2.SummaryColumn(code=c.code, name=c.name, kind=c.kind, level_counts=c.level_counts)
            for c in summary.items
        ],
        rows=[
            results_pb2.SummaryRow(
                student_id=r.pupil.student_id,
                student_code=r.pupil.student_code,
                full_name=r.pupil.full_name,
                left_on=r.pupil.left_on.isoformat() if r.pupil.left_on else "",
                left_status=r.pupil.left_status or "",
                cells=[
                    results_pb2.SummaryCell(code=code, level=level, score=score or 0) for code, level, score in r.cells
                ],
                missing=r.missing,
            )
            for r in summary.rows
        ],
    )


def result_message(view: ResultView) -> results_pb2.YearResult:
    row = view.stored
    principal = row.principal if row.decision_basis is not None and row.decision_basis.value == "HIEU_TRUONG" else None
    message = results_pb2.YearResult(
        student_id=row.student_id,
        student_code=view.pupil.student_code,
        full_name=view.pupil.full_name,
        class_id=row.class_id,
        school_year_id=row.school_year_id,
        grade_level=row.grade_level,
        computed_result=row.computed_result.value,
        result=row.result.value,
        result_name=view.result_name,
        explanation=list(row.explanation),
        status_lines=view.status_lines,
        completes_grade=row.completes_grade,
        completion=view.completion,
        award=row.award.value if row.award else "",
        award_name=view.award_name,
        decision=row.decision.value if row.decision else "",
        decision_name=view.decision_name,
        decision_basis=row.decision_basis.value if row.decision_basis else "",
        decision_ref=principal.decision_ref if principal else "",
        decided_on=principal.decided_on.isoformat() if principal else "",
        supplementary=[
            results_pb2.SupplementaryAssessment(
                assessed_on=record.assessment.assessed_on.isoformat(),
                subjects=list(record.assessment.subjects),
                subject_names=names,
                outcome=record.assessment.outcome.value,
                outcome_name=outcome_name,
                note=record.assessment.note,
                recorded_by_name=record.recorded_by_name,
                recorded_at=_ts(record.recorded_at),
            )
            for record, names, outcome_name in view.supplementary
        ],
        version=row.version,
        computed_at=_ts(row.computed_at),
        computed_by_name=row.computed_by_name,
        assessable=[results_pb2.SummaryColumn(code=code, name=name) for code, name in view.assessable],
        stale=view.stale,
    )
    nomination = view.nomination
    if nomination is not None:
        approval = "PENDING" if nomination.approved is None else ("APPROVED" if nomination.approved else "REJECTED")
        message.nomination.CopyFrom(
            results_pb2.Nomination(
                evidence=nomination.evidence,
                recognised_by_class=nomination.recognised_by_class,
                nominated_by_name=nomination.nominated_by_name,
                nominated_at=_ts(nomination.nominated_at),
                approval=approval,
                approved_by_name=nomination.approved_by_name or "",
                approved_at=_ts(nomination.approved_at),
                problem=view.nomination_problem,
            )
        )
    return message


def class_results_message(results: ClassResults) -> results_pb2.ClassYearResults:
    facts = results.facts
    return results_pb2.ClassYearResults(
        class_id=facts.class_id,
        class_name=facts.name,
        grade_level=facts.grade_level,
        school_year_id=facts.school_year_id,
        school_year_name=facts.school_year_name,
        results=[result_message(v) for v in results.results],
        gaps=[
            results_pb2.PupilGap(student_id=g.pupil.student_id, full_name=g.pupil.full_name, missing=g.missing)
            for g in results.gaps
        ],
        changed=results.changed,
    )


class ResultsServicer(results_pb2_grpc.ResultsServiceServicer):
    def __init__(self, use_cases: ResultsUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        results_pb2_grpc.add_ResultsServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def _class_in_reach(self, class_id: str, *, homeroom: bool) -> None:
        """The object check before any work: a GVCN reaches the homeroom class, a GVBM (summary
        only) their assigned classes, HT/PHT every class."""
        caller = current_caller()
        clean = class_id.strip()
        if not clean:
            return  # the use case names the missing field
        allowed = caller.is_homeroom_of(clean) if homeroom else caller.reaches_class(clean)
        if not allowed:
            message = "Bạn không được phân công lớp này"
            raise ServiceForbiddenError(message, {"class_id": message})

    def GetClassSummary(
        self, request: results_pb2.GetClassSummaryRequest, context: grpc.ServicerContext
    ) -> results_pb2.GetClassSummaryResponse:
        require(perm.SCORE_READ)
        self._class_in_reach(request.class_id, homeroom=False)
        with refusals():
            summary = self._uc.class_summary(current_caller(), request.class_id, request.period)
        return results_pb2.GetClassSummaryResponse(summary=summary_message(summary))

    def ComputeYearResults(
        self, request: results_pb2.ComputeYearResultsRequest, context: grpc.ServicerContext
    ) -> results_pb2.ComputeYearResultsResponse:
        require(perm.RESULT_WRITE)
        self._class_in_reach(request.class_id, homeroom=True)
        with refusals():
            results = self._uc.compute(current_caller(), request.class_id)
        return results_pb2.ComputeYearResultsResponse(results=class_results_message(results))

    def ListYearResults(
        self, request: results_pb2.ListYearResultsRequest, context: grpc.ServicerContext
    ) -> results_pb2.ListYearResultsResponse:
        require(perm.SCORE_READ)
        self._class_in_reach(request.class_id, homeroom=True)
        with refusals():
            results = self._uc.list_results(current_caller(), request.class_id)
        return results_pb2.ListYearResultsResponse(results=class_results_message(results))

    def GetYearResult(
        self, request: results_pb2.GetYearResultRequest, context: grpc.ServicerContext
    ) -> results_pb2.GetYearResultResponse:
        require(perm.SCORE_READ)
        with refusals():
            pupil, view = self._uc.get_result(current_caller(), request.student_id, request.school_year_id)
        if view is None:  # not computed yet: the pupil alone, result empty
            empty = results_pb2.YearResult(
                student_id=pupil.student_id,
                student_code=pupil.student_code,
                full_name=pupil.full_name,
                class_id=pupil.class_id,
                school_year_id=request.school_year_id,
            )
            return results_pb2.GetYearResultResponse(result=empty)
        return results_pb2.GetYearResultResponse(result=result_message(view))

    def _write(self, permission: str, run: Callable[[], ResultView]) -> results_pb2.YearResult:
        require(permission)
        with refusals():
            return result_message(run())

    def RecordSupplementary(
        self, request: results_pb2.RecordSupplementaryRequest, context: grpc.ServicerContext
    ) -> results_pb2.RecordSupplementaryResponse:
        command = SupplementaryCommand(
            student_id=request.student_id,
            school_year_id=request.school_year_id,
            assessed_on=request.assessed_on,
            subjects=tuple(request.subjects),
            outcome=request.outcome,
            note=request.note,
            expected_version=request.expected_version,
        )
        result = self._write(perm.RESULT_WRITE, lambda: self._uc.record_supplementary(current_caller(), command))
        return results_pb2.RecordSupplementaryResponse(result=result)

    def Nominate(
        self, request: results_pb2.NominateRequest, context: grpc.ServicerContext
    ) -> results_pb2.NominateResponse:
        command = NominateCommand(
            student_id=request.student_id,
            school_year_id=request.school_year_id,
            evidence=request.evidence,
            recognised_by_class=request.recognised_by_class,
            withdraw=request.withdraw,
            expected_version=request.expected_version,
        )
        result = self._write(perm.RESULT_WRITE, lambda: self._uc.nominate(current_caller(), command))
        return results_pb2.NominateResponse(result=result)

    def ApproveAward(
        self, request: results_pb2.ApproveAwardRequest, context: grpc.ServicerContext
    ) -> results_pb2.ApproveAwardResponse:
        command = ApproveCommand(
            student_id=request.student_id,
            school_year_id=request.school_year_id,
            approve=request.approve,
            expected_version=request.expected_version,
        )
        result = self._write(perm.DECISION_WRITE, lambda: self._uc.approve_award(current_caller(), command))
        return results_pb2.ApproveAwardResponse(result=result)

    def DecidePromotion(
        self, request: results_pb2.DecidePromotionRequest, context: grpc.ServicerContext
    ) -> results_pb2.DecidePromotionResponse:
        command = DecideCommand(
            student_id=request.student_id,
            school_year_id=request.school_year_id,
            decision=request.decision,
            decision_ref=request.decision_ref,
            decided_on=request.decided_on,
            expected_version=request.expected_version,
        )
        result = self._write(perm.DECISION_WRITE, lambda: self._uc.decide(current_caller(), command))
        return results_pb2.DecidePromotionResponse(result=result)
