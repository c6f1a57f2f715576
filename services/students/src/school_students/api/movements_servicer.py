"""MovementsService servicer: permission and object checks, then one use case per RPC."""

from __future__ import annotations

from typing import Any

import grpc

from school.students.v1 import movements_pb2, movements_pb2_grpc
from school_students.api import permissions as perm
from school_students.api.errors import domain_errors
from school_students.api.servicer import GENDER_FROM_PROTO, authorise, ensure_class_in_scope, ensure_student_in_scope
from school_students.app.movements import (
    Dropout,
    History,
    MovementsUseCases,
    Placement,
    RecordsUseCases,
    RollOver,
    TransferIn,
    TransferOut,
)
from school_students.domain.movement_events import MovementRecord
from school_students.domain.movements import Counts
from school_students.events.outbound import student_message
from school_students.events.outbound_movements import class_rolled_over_message
from schoolkit.grpc_errors import ForbiddenError
from schoolkit.grpc_server import current_caller

SERVICE_NAME = movements_pb2.DESCRIPTOR.services_by_name["MovementsService"].full_name


def movement_message(m: MovementRecord) -> movements_pb2.Movement:
    d = m.details
    return movements_pb2.Movement(
        movement_id=m.id,
        student_id=m.student_id,
        kind=m.kind.value,
        effective_date=m.effective_date.isoformat(),
        reason_code=m.reason_code,
        note=m.note,
        status_before=m.status_before.value if m.status_before else "",
        status_after=m.status_after.value,
        from_class_id=m.from_class.id if m.from_class else "",
        from_class_name=m.from_class.name if m.from_class else "",
        to_class_id=m.to_class.id if m.to_class else "",
        to_class_name=m.to_class.name if m.to_class else "",
        other_school_name=str(d.get("other_school_name", "")),
        other_school_code=str(d.get("other_school_code", "")),
        documents=[str(x) for x in d.get("documents", [])],
        application_received_on=str(d.get("application_received_on", "")),
        receiving_school_agreed=bool(d.get("receiving_school_agreed", False)),
        handed_over_on=str(d.get("handed_over_on", "")),
        handover_deadline=str(d.get("handover_deadline", "")),
        earlier_results=str(d.get("earlier_results", "")),
        recorded_by=m.recorded_by,
        recorded_at=m.recorded_at.isoformat(),
    )


def counts_message(c: Counts) -> movements_pb2.MovementCounts:
    return movements_pb2.MovementCounts(
        start=c.start,
        transfers_in=c.transfers_in,
        other_in=c.other_in,
        transfers_out=c.transfers_out,
        dropouts=c.dropouts,
        other_out=c.other_out,
        end=c.end,
    )


MovementRequest = (
    movements_pb2.TransferOutRequest
    | movements_pb2.RecordDropoutRequest
    | movements_pb2.RecordReturnRequest
    | movements_pb2.ChangeClassRequest
)


def _movement_fields(school_id: str, request: MovementRequest) -> dict[str, Any]:
    """The fields every movement on an existing student shares (app.movements.Movement)."""
    return {
        "school_id": school_id,
        "student_id": request.student_id,
        "effective_date": request.effective_date,
        "reason_code": request.reason_code,
        "note": request.note,
        "recorded_by": current_caller().subject,
    }


def _classes_touched(history: History) -> set[str]:
    """The classes a student's movements left or joined."""
    return {ref.id for m in history.movements for ref in (m.from_class, m.to_class) if ref is not None}


class MovementsServicer(movements_pb2_grpc.MovementsServiceServicer):
    """One method per RPC; all rules live in the use cases."""

    def __init__(self, use_cases: MovementsUseCases, records: RecordsUseCases) -> None:
        self._uc = use_cases
        self._records = records

    def register(self, server: grpc.Server) -> str:
        movements_pb2_grpc.add_MovementsServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def _student_in_scope(self, school_id: str, student_id: str) -> None:
        with domain_errors():
            class_id = self._uc.student_class_id(school_id, student_id)
        ensure_student_in_scope(class_id)

    def _on_student(self, permission: str, student_id: str) -> str:
        """The checks of an RPC on one student (permission, then the student's class); the school id."""
        school_id = authorise(permission)
        self._student_in_scope(school_id, student_id)
        return school_id

    def TransferOut(
        self, request: movements_pb2.TransferOutRequest, context: grpc.ServicerContext
    ) -> movements_pb2.TransferOutResponse:
        school_id = self._on_student(perm.MOVEMENT_WRITE, request.student_id)
        with domain_errors():
            record = self._uc.transfer_out(
                TransferOut(
                    **_movement_fields(school_id, request),
                    to_school_name=request.to_school_name,
                    to_school_code=request.to_school_code,
                    application_received_on=request.application_received_on,
                    receiving_school_agreed=request.receiving_school_agreed,
                    handed_over_on=request.handed_over_on,
                    documents=tuple(request.documents),
                )
            )
        return movements_pb2.TransferOutResponse(movement=movement_message(record))

    def RecordDropout(
        self, request: movements_pb2.RecordDropoutRequest, context: grpc.ServicerContext
    ) -> movements_pb2.RecordDropoutResponse:
        school_id = self._on_student(perm.MOVEMENT_WRITE, request.student_id)
        with domain_errors():
            record = self._uc.record_dropout(
                Dropout(
                    **_movement_fields(school_id, request),
                    withdrawal=request.withdrawal,
                )
            )
        return movements_pb2.RecordDropoutResponse(movement=movement_message(record))

    def _placement(
        self, school_id: str, request: movements_pb2.RecordReturnRequest | movements_pb2.ChangeClassRequest
    ) -> Placement:
        self._student_in_scope(school_id, request.student_id)
        ensure_class_in_scope(request.class_id)
        return Placement(**_movement_fields(school_id, request), class_id=request.class_id)

    def RecordReturn(
        self, request: movements_pb2.RecordReturnRequest, context: grpc.ServicerContext
    ) -> movements_pb2.RecordReturnResponse:
        school_id = authorise(perm.MOVEMENT_WRITE)
        placement = self._placement(school_id, request)
        with domain_errors():
            record = self._uc.record_return(placement)
        return movements_pb2.RecordReturnResponse(movement=movement_message(record))

    def ChangeClass(
        self, request: movements_pb2.ChangeClassRequest, context: grpc.ServicerContext
    ) -> movements_pb2.ChangeClassResponse:
        school_id = authorise(perm.MOVEMENT_WRITE)
        placement = self._placement(school_id, request)
        with domain_errors():
            record = self._uc.change_class(placement)
        return movements_pb2.ChangeClassResponse(movement=movement_message(record))

    def TransferIn(
        self, request: movements_pb2.TransferInRequest, context: grpc.ServicerContext
    ) -> movements_pb2.TransferInResponse:
        school_id = authorise(perm.MOVEMENT_WRITE)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            student, record = self._uc.transfer_in(
                TransferIn(
                    school_id=school_id,
                    class_id=request.class_id,
                    full_name=request.full_name,
                    date_of_birth=request.date_of_birth,
                    gender=GENDER_FROM_PROTO.get(request.gender),
                    student_code=request.student_code,
                    effective_date=request.effective_date,
                    reason_code=request.reason_code,
                    note=request.note,
                    from_school_name=request.from_school_name,
                    from_school_code=request.from_school_code,
                    documents=tuple(request.documents),
                    earlier_results=request.earlier_results,
                    recorded_by=current_caller().subject,
                    student_id=request.student_id,
                )
            )
        return movements_pb2.TransferInResponse(student=student_message(student), movement=movement_message(record))

    def GetMovementHistory(
        self, request: movements_pb2.GetMovementHistoryRequest, context: grpc.ServicerContext
    ) -> movements_pb2.GetMovementHistoryResponse:
        school_id = authorise(perm.MOVEMENT_READ)
        with domain_errors():
            history = self._uc.history(school_id, request.student_id)
        caller = current_caller()
        visible = caller.visible_class_ids()
        if visible is not None:
            # A teacher sees the history of students who are, or were, in one of their classes.
            touched = {history.student.class_id} | _classes_touched(history)
            if not touched & visible:
                raise ForbiddenError(
                    "Bạn không được phân công lớp này", {"student_id": "Bạn không được phân công lớp của học sinh này"}
                )
        return movements_pb2.GetMovementHistoryResponse(
            student=student_message(history.student),
            status=history.status.value,
            transferred_in=history.transferred_in,
            movements=[movement_message(m) for m in history.movements],
        )

    def GetMovementReport(
        self, request: movements_pb2.GetMovementReportRequest, context: grpc.ServicerContext
    ) -> movements_pb2.GetMovementReportResponse:
        school_id = authorise(perm.MOVEMENT_READ)
        with domain_errors():
            report = self._uc.report(
                school_id,
                request.school_year_id,
                request.period_from,
                request.period_to,
                only_class_ids=current_caller().visible_class_ids(),
            )
        return movements_pb2.GetMovementReportResponse(
            period_from=report.period_from.isoformat(),
            period_to=report.period_to.isoformat(),
            classes=[
                movements_pb2.ClassMovementRow(
                    class_id=info.class_id,
                    class_name=info.name,
                    grade_level=info.grade_level,
                    counts=counts_message(counts),
                )
                for info, counts in report.classes
            ],
            grades=[
                movements_pb2.GradeMovementRow(grade_level=grade, counts=counts_message(counts))
                for grade, counts in report.grades
            ],
            total=counts_message(report.total),
        )

    def ListReasons(
        self, request: movements_pb2.ListReasonsRequest, context: grpc.ServicerContext
    ) -> movements_pb2.ListReasonsResponse:
        authorise(perm.MOVEMENT_READ)
        return movements_pb2.ListReasonsResponse(
            reasons=[
                movements_pb2.Reason(kind=kind, code=code, label=label)
                for kind, codes in sorted(self._uc.reasons.items())
                for code, label in sorted(codes.items())
            ]
        )

    def MarkRepeat(
        self, request: movements_pb2.MarkRepeatRequest, context: grpc.ServicerContext
    ) -> movements_pb2.MarkRepeatResponse:
        school_id = self._on_student(perm.MOVEMENT_WRITE, request.student_id)
        with domain_errors():
            year_id = self._records.mark_repeat(
                school_id, request.student_id, request.repeat, request.note, current_caller().subject
            )
        return movements_pb2.MarkRepeatResponse(school_year_id=year_id, repeat=request.repeat)

    def RollOver(
        self, request: movements_pb2.RollOverRequest, context: grpc.ServicerContext
    ) -> movements_pb2.RollOverResponse:
        school_id = authorise(perm.SCHOOL_YEAR_WRITE)
        with domain_errors():
            result = self._records.roll_over(
                RollOver(
                    school_id=school_id,
                    from_year_id=request.from_school_year_id,
                    to_year_id=request.to_school_year_id,
                    targets={t.from_class_id: t.to_class_id for t in request.targets},
                    repeater_ids=tuple(request.repeater_student_ids),
                    recorded_by=current_caller().subject,
                )
            )
        return movements_pb2.RollOverResponse(
            classes=[class_rolled_over_message(c) for c in result.classes],
            created_class_names=result.created,
        )

    def DeleteStudent(
        self, request: movements_pb2.DeleteStudentRequest, context: grpc.ServicerContext
    ) -> movements_pb2.DeleteStudentResponse:
        school_id = self._on_student(perm.STUDENT_DELETE, request.student_id)
        with domain_errors():
            student = self._records.delete_student(
                school_id, request.student_id, request.reason, current_caller().subject, request.confirm_student_code
            )
        return movements_pb2.DeleteStudentResponse(student_code=student.student_code)

    def MergeStudents(
        self, request: movements_pb2.MergeStudentsRequest, context: grpc.ServicerContext
    ) -> movements_pb2.MergeStudentsResponse:
        school_id = authorise(perm.STUDENT_DELETE)
        self._student_in_scope(school_id, request.surviving_student_id)
        self._student_in_scope(school_id, request.merged_student_id)
        with domain_errors():
            student = self._records.merge_students(
                school_id,
                request.surviving_student_id,
                request.merged_student_id,
                request.reason,
                current_caller().subject,
                request.confirm_student_code,
            )
        return movements_pb2.MergeStudentsResponse(student=student_message(student))

    def RecordHandover(
        self, request: movements_pb2.RecordHandoverRequest, context: grpc.ServicerContext
    ) -> movements_pb2.RecordHandoverResponse:
        school_id = authorise(perm.MOVEMENT_WRITE)
        with domain_errors():
            history = self._uc.history(school_id, request.student_id)
        touched = _classes_touched(history)
        visible = current_caller().visible_class_ids()
        if visible is not None and not touched & visible:
            raise ForbiddenError("Bạn không được phân công lớp này", {"student_id": "Bạn không được phân công lớp này"})
        with domain_errors():
            record = self._uc.record_handover(
                school_id, request.student_id, request.movement_id, request.handed_over_on, tuple(request.documents)
            )
        return movements_pb2.RecordHandoverResponse(movement=movement_message(record))
