"""Authorization-matrix rows and bodies for the records routes (see areas/__init__.py).

The student routes name a student in the path: "own" is a pupil of a class the caller reaches
(for CMHS: their own child, linked by the demo seed). Writes are probed with input the service
refuses only after its permission and object checks (expected_version 0, blank guardian), so no
demo record changes; removing or unlinking a guardian the pupil does not have is a harmless no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

READ = "students:student:read"
WRITE = "students:student:write"
LINK = "students:guardian:link"
#: The service lets only homeroom (class) assignments and school-wide roles review completeness.
_HOMEROOM_ONLY = "completeness shows what a record lacks: homeroom teacher or school-wide staff only"
_SCHOOL_WIDE_ONLY = "school-wide completeness: school-wide staff only (a teacher uses the class page)"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Outcome, Rel, Row

    not_school_wide = {(role, Rel.NONE): Outcome.DENY for role in ("TTCM", "GVCN", "GVBM", "CMHS")}
    gvbm_own = {("GVBM", Rel.OWN): Outcome.DENY}
    s = Obj.STUDENT
    return [
        Row("/api/v1/students/<id:student_id>/record", "GET", READ, obj=s),
        Row("/api/v1/students/<id:student_id>/record", "PUT", WRITE, obj=s, body="record_stale"),
        Row("/api/v1/students/<id:student_id>/guardians", "POST", WRITE, obj=s, body="guardian_blank"),
        Row(
            "/api/v1/students/<id:student_id>/guardians/<id:guardian_id>",
            "PUT",
            WRITE,
            obj=s,
            body="guardian_update",
            why="blank guardian: refused by the service after the object check",
        ),
        Row(
            "/api/v1/students/<id:student_id>/guardians/<id:guardian_id>",
            "DELETE",
            WRITE,
            obj=s,
            why="a guardian the pupil does not have: idempotent no-op",
        ),
        Row(
            "/api/v1/students/<id:student_id>/guardians/<id:guardian_id>/account",
            "PUT",
            LINK,
            obj=s,
            body="blank_account",
            why="blank account id: refused by the service after the object check",
        ),
        Row(
            "/api/v1/students/<id:student_id>/guardians/<id:guardian_id>/account",
            "DELETE",
            LINK,
            obj=s,
            why="a guardian the pupil does not have: idempotent no-op",
        ),
        Row(
            "/api/v1/classes/<id:class_id>/record-completeness",
            "GET",
            READ,
            obj=Obj.CLASS,
            overrides=gvbm_own,
            why=_HOMEROOM_ONLY,
        ),
        Row(
            "/api/v1/school-years/<id:school_year_id>/record-completeness",
            "GET",
            READ,
            overrides=not_school_wide,
            why=_SCHOOL_WIDE_ONLY,
        ),
        Row("/api/v1/my-children", "GET", READ),
        Row("/api/v1/student-record-reference", "GET", READ),
        Row("/students/<id:student_id>/record", "GET", READ, obj=s),
        Row("/students/<id:student_id>/record", "POST", WRITE, obj=s, body="record_form_stale"),
        Row("/students/<id:student_id>/guardians", "POST", WRITE, obj=s, body="empty"),
        Row(
            "/students/<id:student_id>/guardians/<id:guardian_id>",
            "POST",
            WRITE,
            obj=s,
            body="guardian_update",
            why="blank guardian: refused by the service after the object check",
        ),
        Row(
            "/students/<id:student_id>/guardians/<id:guardian_id>/remove",
            "POST",
            WRITE,
            obj=s,
            why="a guardian the pupil does not have: idempotent no-op",
        ),
        Row(
            "/students/<id:student_id>/guardians/<id:guardian_id>/account",
            "POST",
            LINK,
            obj=s,
            body="empty",
            why="no username: the page shows the record (service object check) with the form error",
        ),
        Row(
            "/students/<id:student_id>/guardians/<id:guardian_id>/account/remove",
            "POST",
            LINK,
            obj=s,
            why="a guardian the pupil does not have: idempotent no-op",
        ),
        Row(
            "/classes/<id:class_id>/record-review",
            "GET",
            READ,
            obj=Obj.CLASS,
            overrides=gvbm_own,
            why=_HOMEROOM_ONLY,
        ),
        Row("/record-review", "GET", READ, overrides=not_school_wide, why=_SCHOOL_WIDE_ONLY),
        Row("/my-children", "GET", READ),
    ]


def _record_stale(w: World, role: str, rel: Rel) -> dict[str, Any]:
    # A well-formed record with version 0: the service refuses it (400) after the access checks.
    return {"expected_version": 0, "full_name": "Học Sinh Ma Trận", "date_of_birth": "2018-06-15", "gender": "female"}


def _record_form_stale(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {**_record_stale(w, role, rel), "date_of_birth": "15/06/2018"}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "record_stale": _record_stale,
    "record_form_stale": _record_form_stale,
    "guardian_blank": lambda w, role, rel: {"full_name": "", "relation": ""},
    "guardian_update": lambda w, role, rel: {"expected_version": 0},
    "blank_account": lambda w, role, rel: {"parent_account_id": " "},
}
