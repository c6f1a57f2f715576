"""Authorization-matrix rows and bodies for the grade-book checks and locking (issue 5 points 5–6).

Locking is probed with a valid body for the end-of-year period (CN): the demo's grade book has no
complete end-of-year results, so an allowed call reaches the service and is refused there by the
checks (409, counted as past the access check) and nothing changes; unlocking a period that is not
locked is refused the same way (400). Another school's class or year is not found (denied). The
head of department (TTCM) holds grades:check:read, but the demo department covers no grade, so
the class rows deny it like every class-scoped object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

READ = "grades:check:read"
LOCK = "grades:period:lock"
REASON = "Kiểm thử ma trận phân quyền: mở khóa"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Row

    return [
        Row("/api/v1/grade-checks", "GET", READ, why="scoped in the service: a TTCM sees the department's grades"),
        Row("/api/v1/classes/<id:class_id>/grade-checks", "GET", READ, obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/period-lock", "POST", LOCK, obj=Obj.CLASS, body="lock_cn"),
        Row("/api/v1/classes/<id:class_id>/period-unlock", "POST", LOCK, obj=Obj.CLASS, body="unlock_cn"),
        Row("/api/v1/period-locks", "POST", LOCK, obj=Obj.YEAR_IN_BODY, body="lock_many_cn"),
        Row("/api/v1/period-lock-log", "GET", READ),
        Row("/grades/checks", "GET", READ),
        Row("/grades/checks/<id:class_id>", "GET", READ, obj=Obj.CLASS),
        Row("/grades/locks", "GET", LOCK),
        Row("/grades/locks", "POST", LOCK, obj=Obj.YEAR_IN_BODY, body="lock_many_cn"),
        Row("/grades/locks/<id:class_id>/lock", "POST", LOCK, obj=Obj.CLASS, body="lock_cn"),
        Row("/grades/locks/<id:class_id>/unlock", "POST", LOCK, obj=Obj.CLASS, body="unlock_cn"),
    ]


def _lock_many(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"school_year_id": w.year_for(rel), "period": "CN", "grade_level": 5}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "lock_cn": lambda w, role, rel: {"period": "CN"},
    "unlock_cn": lambda w, role, rel: {"period": "CN", "reason": REASON},
    "lock_many_cn": _lock_many,
}
