"""Authorization-matrix rows and bodies for the attendance routes (see areas/__init__.py).

Saving a day is probed with a valid body (the latest weekday of the demo year, nobody absent):
the first allowed save records it, later ones repeat the same marks (unchanged, 200/303) or meet
a newer version (409); both count as past the access check. Nothing else of the demo changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

READ = "students:attendance:read"
WRITE = "students:attendance:write"
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Row

    return [
        Row("/api/v1/classes/<id:class_id>/attendance", "GET", READ, obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/attendance", "POST", WRITE, obj=Obj.CLASS, body="attendance_day"),
        Row("/api/v1/classes/<id:class_id>/attendance/monthly", "GET", READ, obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/attendance/alerts", "GET", READ, obj=Obj.CLASS),
        Row("/api/v1/attendance/alerts", "GET", READ, why="scoped in the service: a teacher sees own classes"),
        Row("/api/v1/students/<id:student_id>/attendance", "GET", READ, obj=Obj.STUDENT),
        Row("/attendance", "GET", READ),
        Row("/classes/<id:class_id>/attendance", "GET", READ, obj=Obj.CLASS),
        Row("/classes/<id:class_id>/attendance", "POST", WRITE, obj=Obj.CLASS, body="attendance_form"),
        Row("/classes/<id:class_id>/attendance/month", "GET", READ, obj=Obj.CLASS),
        Row("/classes/<id:class_id>/attendance/month/export", "GET", READ, obj=Obj.CLASS),
    ]


def latest_weekday(today: dt.date | None = None) -> str:
    """The most recent Monday–Friday up to today in Vietnam (the default school calendar)."""
    day = today or dt.datetime.now(VIETNAM).date()
    while day.isoweekday() > 5:
        day -= dt.timedelta(days=1)
    return day.isoformat()


def _day(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"date": latest_weekday(), "expected_version": 0, "marks": []}


def _form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"date": latest_weekday(), "expected_version": 0}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "attendance_day": _day,
    "attendance_form": _form,
}
