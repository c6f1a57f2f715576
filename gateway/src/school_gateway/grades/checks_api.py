"""JSON API of the grade-book checks (Kiểm tra sổ điểm) and of locking (Khóa sổ), from the grades
service's CheckService and LockService."""

from __future__ import annotations

from typing import Any

from school.grades.v1 import checks_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.grades import checks_convert as convert
from school_gateway.grades.checks_schemas import (
    ChecksArgs,
    ClassCheckSchema,
    ClassChecksSchema,
    ClassDetailSchema,
    LockBody,
    LockLogArgs,
    LockLogSchema,
    LockManyBody,
    LockOutcomesSchema,
    PeriodArgs,
    UnlockBody,
)
from school_gateway.upstream import stub

CHECKS_UPSTREAM = "grades.checks"
LOCKS_UPSTREAM = "grades.locks"
CHECK_READ = "grades:check:read"
PERIOD_LOCK = "grades:period:lock"

blp = ApiBlueprint(
    "grades_checks_api",
    __name__,
    url_prefix="/api/v1",
    description="Grade-book checks (who has not entered what) and locking of assessment periods, from grades.",
)


def checks() -> Any:
    return stub(CHECKS_UPSTREAM)


def locks() -> Any:
    return stub(LOCKS_UPSTREAM)


def list_checks(args: dict[str, Any]) -> dict[str, Any]:
    answer = checks().ListClassChecks(
        checks_pb2.ListClassChecksRequest(
            school_year_id=args["school_year_id"], period=args["period"], grade_level=args["grade_level"]
        )
    )
    return {
        "school_year": convert.year_ref(answer.school_year),
        "school_years": [convert.year_ref(y) for y in answer.school_years],
        "items": [convert.class_check(c) for c in answer.classes],
    }


def class_detail(class_id: str, period: str) -> dict[str, Any]:
    answer = checks().GetClassCheck(checks_pb2.GetClassCheckRequest(class_id=class_id, period=period))
    return {
        "summary": convert.class_check(answer.summary),
        "subjects": [convert.subject_check(s) for s in answer.subjects],
        "missing": [convert.missing_entry(m) for m in answer.missing],
    }


@blp.route("/grade-checks", methods=["GET"])
@permission(CHECK_READ)
@blp.arguments(ChecksArgs, location="query")
@blp.response(200, ClassChecksSchema)
def grade_checks(args: dict[str, Any]) -> dict[str, Any]:
    """Per class of the year (the current one by default) the caller reaches: what is still missing in a period."""
    return list_checks(args)


@blp.route("/classes/<id:class_id>/grade-checks", methods=["GET"])
@permission(CHECK_READ)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, ClassDetailSchema)
def class_grade_checks(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """One class's period per subject, and every missing level or score."""
    return class_detail(class_id, args["period"])


@blp.route("/classes/<id:class_id>/period-lock", methods=["POST"])
@permission(PERIOD_LOCK)
@blp.arguments(LockBody)
@blp.response(200, ClassCheckSchema)
@blp.alt_response(409, response="CONFLICT")
def lock_period(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Lock the class's period; 409 with every reason (what is missing, or separation of duties) when refused."""
    answer = locks().LockPeriod(checks_pb2.LockPeriodRequest(class_id=class_id, period=body["period"]))
    return convert.class_check(answer.summary)


@blp.route("/classes/<id:class_id>/period-unlock", methods=["POST"])
@permission(PERIOD_LOCK)
@blp.arguments(UnlockBody)
@blp.response(200, ClassCheckSchema)
def unlock_period(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Open a locked class period again, with a reason (10 to 500 characters) kept in the lock log."""
    answer = locks().UnlockPeriod(
        checks_pb2.UnlockPeriodRequest(class_id=class_id, period=body["period"], reason=body["reason"])
    )
    return convert.class_check(answer.summary)


@blp.route("/period-locks", methods=["POST"])
@permission(PERIOD_LOCK)
@blp.arguments(LockManyBody)
@blp.response(200, LockOutcomesSchema)
def lock_many(body: dict[str, Any]) -> dict[str, Any]:
    """Lock a period for a whole grade (or the school): each class checked; says which were locked and why not."""
    answer = locks().LockMany(
        checks_pb2.LockManyRequest(
            school_year_id=body["school_year_id"], period=body["period"], grade_level=body["grade_level"]
        )
    )
    return {"items": [convert.lock_outcome(o) for o in answer.outcomes]}


@blp.route("/period-lock-log", methods=["GET"])
@permission(CHECK_READ)
@blp.arguments(LockLogArgs, location="query")
@blp.response(200, LockLogSchema)
def lock_log(args: dict[str, Any]) -> dict[str, Any]:
    """Locks and unlocks of a school year (the current one by default), newest first."""
    answer = locks().ListLockLog(
        checks_pb2.ListLockLogRequest(
            school_year_id=args["school_year_id"], class_id=args["class_id"], limit=args["limit"]
        )
    )
    return {"items": [convert.log_entry(e) for e in answer.entries]}
