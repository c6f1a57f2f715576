"""Authorization-matrix rows and bodies for the movements routes (see areas/__init__.py).

No probe changes shared demo data: every write carries a body that passes the gateway's validation
but names an unknown reason code, so the students service refuses it (400) only after its own
checks of the permission and the object (a class-scoped teacher outside the class: 403; another
school's student or class: 404). The movement logic itself is covered by the service, gateway and
end-to-end tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

#: Not on any reason list: the service refuses it after the access checks.
UNKNOWN_REASON = "MA_TRAN_KHONG_CO"
READ = "students:movement:read"
WRITE = "students:movement:write"
YEAR_WRITE = "students:school_year:write"
DELETE = "students:student:delete"
WHY_DELETE = "wrong confirmation code: refused by the service after its checks, nothing is removed"
WHY_WRITE = "valid shape, unknown reason code: refused by the service after its permission and object checks"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Probe, Row

    def write(rule: str, obj: Obj, body: str) -> Row:
        return Row(rule, "POST", WRITE, obj=obj, probe=Probe.INVALID, body=body, why=WHY_WRITE)

    return [
        # JSON API
        write("/api/v1/students/<id:student_id>/transfer-out", Obj.STUDENT, "movement_transfer_out"),
        write("/api/v1/students/<id:student_id>/dropout", Obj.STUDENT, "movement_dropout"),
        write("/api/v1/students/<id:student_id>/return", Obj.STUDENT, "movement_placement"),
        write("/api/v1/students/<id:student_id>/class-change", Obj.STUDENT, "movement_placement"),
        write("/api/v1/movements/transfer-in", Obj.CLASS_IN_BODY, "movement_transfer_in"),
        Row("/api/v1/students/<id:student_id>/movements", "GET", READ, obj=Obj.STUDENT),
        Row(
            "/api/v1/movements/report",
            "GET",
            READ,
            probe=Probe.INVALID,
            why="no school_year_id: 422 after the access check; the rows are scoped to the caller's classes",
        ),
        Row("/api/v1/movements/reasons", "GET", READ),
        # Pages
        Row("/movements/report", "GET", READ),
        Row("/movements/transfer-in", "GET", WRITE),
        write("/movements/transfer-in", Obj.CLASS_IN_BODY, "movement_transfer_in_form"),
        Row("/students/<id:student_id>/movements", "GET", READ, obj=Obj.STUDENT),
        Row("/students/<id:student_id>/transfer-dossier", "GET", READ, obj=Obj.STUDENT),
        Row("/students/<id:student_id>/transfer-out", "GET", WRITE, obj=Obj.STUDENT),
        write("/students/<id:student_id>/transfer-out", Obj.STUDENT, "movement_transfer_out_form"),
        Row("/students/<id:student_id>/dropout", "GET", WRITE, obj=Obj.STUDENT),
        write("/students/<id:student_id>/dropout", Obj.STUDENT, "movement_dropout_form"),
        Row("/students/<id:student_id>/return", "GET", WRITE, obj=Obj.STUDENT),
        write("/students/<id:student_id>/return", Obj.STUDENT, "movement_placement_form"),
        Row("/students/<id:student_id>/class-change", "GET", WRITE, obj=Obj.STUDENT),
        write("/students/<id:student_id>/class-change", Obj.STUDENT, "movement_placement_form"),
        # Ở lại lớp: removing a mark nobody set changes nothing, so the valid call is safe.
        Row("/api/v1/students/<id:student_id>/repeat", "POST", WRITE, obj=Obj.STUDENT, body="movement_unmark"),
        Row("/students/<id:student_id>/repeat", "GET", WRITE, obj=Obj.STUDENT),
        Row("/students/<id:student_id>/repeat", "POST", WRITE, obj=Obj.STUDENT, body="movement_unmark_form"),
        # Roll-over into the same year: refused by the service (400) after the year lookup (404 elsewhere).
        Row(
            "/api/v1/roll-over",
            "POST",
            YEAR_WRITE,
            obj=Obj.YEAR_IN_BODY,
            probe=Probe.INVALID,
            body="movement_roll_over_same_year",
            why="a real roll-over would move every demo pupil",
        ),
        Row("/roll-over", "GET", YEAR_WRITE),
        Row(
            "/roll-over",
            "POST",
            YEAR_WRITE,
            obj=Obj.YEAR_IN_BODY,
            probe=Probe.INVALID,
            body="movement_roll_over_same_year",
            why="a real roll-over would move every demo pupil",
        ),
        # Deleting or merging asks for the record's code again: a wrong code is refused (400) after
        # the permission and object checks, and nothing is removed.
        *[
            Row(rule, "POST", DELETE, obj=Obj.STUDENT, probe=Probe.INVALID, body=body, why=WHY_DELETE)
            for rule, body in (
                ("/api/v1/students/<id:student_id>/delete", "movement_delete"),
                ("/api/v1/students/<id:student_id>/merge", "movement_merge"),
                ("/students/<id:student_id>/delete", "movement_delete"),
                ("/students/<id:student_id>/merge", "movement_merge"),
            )
        ],
        # Hand-over dated tomorrow: refused by the service (400) after its checks, before any lookup.
        write("/api/v1/students/<id:student_id>/handover", Obj.STUDENT, "movement_handover"),
        write("/students/<id:student_id>/transfer-dossier", Obj.STUDENT, "movement_handover_form"),
        Row("/students/<id:student_id>/delete", "GET", DELETE, obj=Obj.STUDENT),
        Row("/students/<id:student_id>/merge", "GET", DELETE, obj=Obj.STUDENT),
    ]


def _today() -> dt.date:
    return dt.date.today()


def _transfer_out(w: World, role: str, rel: Rel) -> dict[str, Any]:
    day = _today().isoformat()
    return {
        "effective_date": day,
        "reason_code": UNKNOWN_REASON,
        "to_school_name": "Trường Ma Trận",
        "application_received_on": day,
        "receiving_school_agreed": True,
    }


def _dropout(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"effective_date": _today().isoformat(), "reason_code": UNKNOWN_REASON}


def _placement(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"effective_date": _today().isoformat(), "reason_code": UNKNOWN_REASON, "class_id": w.class_for(role, rel)}


def _transfer_in(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {
        "class_id": w.class_for(role, rel),
        "full_name": "Học Sinh Ma Trận",
        "date_of_birth": "2018-06-15",
        "gender": "female",
        "effective_date": _today().isoformat(),
        "reason_code": UNKNOWN_REASON,
        "from_school_name": "Trường Ma Trận",
    }


def _vn(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """The page forms take dates as dd/mm/yyyy."""
    out = dict(body)
    for name in names:
        out[name] = dt.date.fromisoformat(out[name]).strftime("%d/%m/%Y")
    return out


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "movement_transfer_out": _transfer_out,
    "movement_dropout": _dropout,
    "movement_placement": _placement,
    "movement_transfer_in": _transfer_in,
    "movement_transfer_out_form": lambda w, role, rel: {
        **_vn(_transfer_out(w, role, rel), "effective_date", "application_received_on"),
        "receiving_school_agreed": "on",
    },
    "movement_dropout_form": lambda w, role, rel: _vn(_dropout(w, role, rel), "effective_date"),
    "movement_placement_form": lambda w, role, rel: _vn(_placement(w, role, rel), "effective_date"),
    "movement_handover": lambda w, role, rel: {
        "movement_id": "x-1",
        "handed_over_on": (_today() + dt.timedelta(days=1)).isoformat(),
    },
    "movement_handover_form": lambda w, role, rel: {
        "movement_id": "x-1",
        "handed_over_on": (_today() + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
    },
    "movement_unmark": lambda w, role, rel: {"repeat": False},
    "movement_unmark_form": lambda w, role, rel: {"note": ""},
    "movement_roll_over_same_year": lambda w, role, rel: {
        "from_school_year_id": w.year_for(rel),
        "to_school_year_id": w.year_for(rel),
    },
    "movement_delete": lambda w, role, rel: {"reason": "Kiểm thử ma trận", "confirm_student_code": "KHONG-KHOP"},
    "movement_merge": lambda w, role, rel: {
        "reason": "Kiểm thử ma trận",
        "confirm_student_code": "KHONG-KHOP",
        "merged_student_id": w.student_for(role, rel),
    },
    "movement_transfer_in_form": lambda w, role, rel: _vn(
        _transfer_in(w, role, rel), "effective_date", "date_of_birth"
    ),
}
