"""Authorization-matrix rows and bodies for the student-list routes: Excel template, import, export."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

IMPORT = "students:student:import"
EXPORT = "students:student:export"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Probe, Row

    no_file = "no workbook: 400 after the access check (a real import would add pupils to the demo classes)"
    return [
        Row("/api/v1/students/import-template", "GET", IMPORT),
        Row("/api/v1/students/import", "POST", IMPORT, probe=Probe.INVALID, body="empty", why=no_file),
        Row("/api/v1/students/export", "POST", EXPORT, obj=Obj.CLASS_IN_BODY, body="class_export"),
        Row("/students/import", "GET", IMPORT),
        Row("/students/import", "POST", IMPORT, probe=Probe.INVALID, body="empty", why=no_file),
        Row("/students/import-template", "GET", IMPORT),
        Row("/students/export", "GET", EXPORT),
        Row("/students/export", "POST", EXPORT, obj=Obj.CLASS_IN_BODY, body="class_export"),
    ]


def _class_export(w: World, role: str, rel: Rel) -> dict[str, Any]:
    # One class, no sensitive columns: needs no step-up, so an allowed call downloads the list.
    return {"class_id": w.class_for(role, rel), "include_sensitive": False}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {"class_export": _class_export}
