"""CheckService and LockService servicers: the permission first, then the object check through the
caller's reach (a TTCM by the department's grades, HT/PHT school-wide), re-checked in the use cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import checks_pb2, checks_pb2_grpc
from school_grades.api import permissions as perm
from school_grades.app.checks import (
    Actor,
    ChecksUseCases,
    ClassCheck,
    ClassInfo,
    ConflictError,
    ForbiddenError,
    YearInfo,
)
from school_grades.domain.errors import DomainError, NotFoundError
from school_grades.domain.locking import LockRefusedError
from schoolkit import grpc_errors as errors
from schoolkit.context import Caller
from schoolkit.grpc_server import current_caller, require

CHECK_SERVICE = checks_pb2.DESCRIPTOR.services_by_name["CheckService"].full_name
LOCK_SERVICE = checks_pb2.DESCRIPTOR.services_by_name["LockService"].full_name


def actor_of(caller: Caller) -> Actor:
    """The use cases' view of the caller: its reach decides every class it may see or lock."""
    return Actor(
        user_id=caller.subject,
        name=caller.full_name or caller.username,
        school_id=caller.school_id,
        reaches=lambda c: caller.reaches_class_in(c.class_id, c.school_year_id, c.grade_level),
        can_lock=caller.has(perm.PERIOD_LOCK),
    )


@contextmanager
def translated() -> Iterator[None]:
    """Domain refusals → gRPC statuses with the Vietnamese message per field."""
    try:
        yield
    except LockRefusedError as err:  # the checks or separation of duties keep the period open
        raise errors.PreconditionFailedError(err.message, err.fields) from None
    except NotFoundError as err:
        raise errors.NotFoundError(err.message, err.fields) from None
    except ForbiddenError as err:
        raise errors.ForbiddenError(err.message, err.fields) from None
    except ConflictError as err:
        raise errors.ConflictError(err.message, err.fields) from None
    except DomainError as err:
        raise errors.InvalidInputError(err.message, err.fields) from None


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def class_message(check: ClassCheck) -> checks_pb2.ClassCheck:
    c: ClassInfo = check.school_class
    return checks_pb2.ClassCheck(
        class_id=c.class_id,
        class_name=c.name,
        grade_level=c.grade_level,
        school_year_id=c.school_year_id,
        period=check.period.value,
        pupils=check.pupils,
        expected=check.expected,
        missing_levels=check.missing_levels,
        missing_scores=check.missing_scores,
        locked=check.lock.locked,
        locked_at=_ts(check.lock.locked_at),
        locked_by_name=check.lock.locked_by_name,
    )


def year_ref(year: YearInfo) -> checks_pb2.SchoolYearRef:
    return checks_pb2.SchoolYearRef(school_year_id=year.school_year_id, name=year.name)


class CheckServicer(checks_pb2_grpc.CheckServiceServicer):
    def __init__(self, use_cases: ChecksUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        checks_pb2_grpc.add_CheckServiceServicer_to_server(self, server)
        return CHECK_SERVICE

    def ListClassChecks(
        self, request: checks_pb2.ListClassChecksRequest, context: grpc.ServicerContext
    ) -> checks_pb2.ListClassChecksResponse:
        require(perm.CHECK_READ)
        with translated():
            found = self._uc.list_class_checks(
                actor_of(current_caller()), request.school_year_id, request.period, request.grade_level
            )
        return checks_pb2.ListClassChecksResponse(
            classes=[class_message(c) for c in found.classes],
            school_year=year_ref(found.year) if found.year else None,
            school_years=[year_ref(y) for y in found.years],
        )

    def GetClassCheck(
        self, request: checks_pb2.GetClassCheckRequest, context: grpc.ServicerContext
    ) -> checks_pb2.GetClassCheckResponse:
        require(perm.CHECK_READ)
        with translated():
            detail = self._uc.class_check(actor_of(current_caller()), request.class_id, request.period)
        return checks_pb2.GetClassCheckResponse(
            summary=class_message(detail.summary),
            subjects=[
                checks_pb2.SubjectCheck(
                    code=s.group,
                    name=s.group_name,
                    expected=s.expected,
                    missing_levels=s.missing_levels,
                    missing_scores=s.missing_scores,
                    entered_by=s.entered_by,
                )
                for s in detail.subjects
            ],
            missing=[
                checks_pb2.MissingEntry(
                    student_id=g.student_id,
                    student_code=g.student_code,
                    full_name=g.student_name,
                    group=g.group,
                    item_code=g.item_code,
                    item_name=g.item_name,
                    missing=g.missing.value,
                )
                for g in detail.gaps
            ],
        )


class LockServicer(checks_pb2_grpc.LockServiceServicer):
    def __init__(self, use_cases: ChecksUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        checks_pb2_grpc.add_LockServiceServicer_to_server(self, server)
        return LOCK_SERVICE

    def LockPeriod(
        self, request: checks_pb2.LockPeriodRequest, context: grpc.ServicerContext
    ) -> checks_pb2.LockPeriodResponse:
        require(perm.PERIOD_LOCK)
        with translated():
            check = self._uc.lock(actor_of(current_caller()), request.class_id, request.period)
        return checks_pb2.LockPeriodResponse(summary=class_message(check))

    def LockMany(
        self, request: checks_pb2.LockManyRequest, context: grpc.ServicerContext
    ) -> checks_pb2.LockManyResponse:
        require(perm.PERIOD_LOCK)
        with translated():
            outcomes = self._uc.lock_many(
                actor_of(current_caller()), request.school_year_id, request.period, request.grade_level
            )
        return checks_pb2.LockManyResponse(
            outcomes=[
                checks_pb2.LockOutcome(
                    class_id=o.school_class.class_id,
                    class_name=o.school_class.name,
                    outcome=o.outcome,
                    reasons=dict(o.reasons),
                )
                for o in outcomes
            ]
        )

    def UnlockPeriod(
        self, request: checks_pb2.UnlockPeriodRequest, context: grpc.ServicerContext
    ) -> checks_pb2.UnlockPeriodResponse:
        require(perm.PERIOD_LOCK)
        with translated():
            check = self._uc.unlock(actor_of(current_caller()), request.class_id, request.period, request.reason)
        return checks_pb2.UnlockPeriodResponse(summary=class_message(check))

    def ListLockLog(
        self, request: checks_pb2.ListLockLogRequest, context: grpc.ServicerContext
    ) -> checks_pb2.ListLockLogResponse:
        require(perm.CHECK_READ)
        with translated():
            entries = self._uc.lock_log(
                actor_of(current_caller()), request.school_year_id, request.class_id, request.limit
            )
        return checks_pb2.ListLockLogResponse(
            entries=[
                checks_pb2.LockLogEntry(
                    class_id=e.class_id,
                    class_name=e.class_name,
                    period=e.period,
                    action=e.action,
                    actor_name=e.actor_name,
                    at=_ts(e.at),
                    reason=e.reason,
                )
                for e in entries
            ]
        )
