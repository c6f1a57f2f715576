"""Authorization-matrix rows and bodies for the records routes of issue 5 (học bạ, class summaries,
the signed archive; see areas/__init__.py).

grades:record:print is for the HT, PHT, VP and a class's GVCN; grades:record:sign for the HT. Archiving
is probed with period GK1, which the service refuses (400) only after the permission and the class
were checked, so no file is signed and nothing of the demo changes. The school-wide views (the whole
archive, the chain check) are refused to a GVCN, whose reach is one class: overrides say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

PRINT = "grades:record:print"
SIGN = "grades:record:sign"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Outcome, Probe, Rel, Row

    school_wide_only = {("GVCN", Rel.NONE): Outcome.DENY}
    why = "the whole school's archive and its check need a school-wide role; a GVCN reaches one class"
    return [
        Row("/api/v1/classes/<id:class_id>/records/hoc-ba", "GET", PRINT, obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/records/summary", "GET", PRINT, obj=Obj.CLASS),
        Row(
            "/api/v1/classes/<id:class_id>/records/archive",
            "POST",
            SIGN,
            obj=Obj.CLASS,
            probe=Probe.INVALID,
            body="records_archive",
            why="period GK1 is refused after the access checks: nothing is signed or archived",
        ),
        Row("/api/v1/records/archive", "GET", PRINT, overrides=school_wide_only, why=why),
        Row(
            "/api/v1/records/archive/file",
            "GET",
            PRINT,
            probe=Probe.INVALID,
            why="no sequence: 400 after the access check; the entry's class is checked in the service",
        ),
        Row("/api/v1/records/archive/verification", "GET", PRINT, overrides=school_wide_only, why=why),
        Row("/classes/<id:class_id>/records", "GET", PRINT, obj=Obj.CLASS),
        Row("/classes/<id:class_id>/records/hoc-ba", "GET", PRINT, obj=Obj.CLASS),
        Row("/classes/<id:class_id>/records/summary", "GET", PRINT, obj=Obj.CLASS),
        Row(
            "/classes/<id:class_id>/records/archive",
            "POST",
            SIGN,
            obj=Obj.CLASS,
            probe=Probe.INVALID,
            body="records_archive",
            why="period GK1 is refused after the access checks: nothing is signed or archived",
        ),
        Row("/records/archive", "GET", PRINT, overrides=school_wide_only, why=why),
        Row("/records/archive/verify", "POST", PRINT, overrides=school_wide_only, why=why),
        Row("/records/archive/file", "GET", PRINT, probe=Probe.INVALID, why="no sequence: 400 after the access check"),
    ]


def _archive(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"period": "GK1"}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {"records_archive": _archive}
