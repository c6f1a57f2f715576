"""Authorization-matrix rows and bodies for the grade book routes (issue 5, see areas/__init__.py).

Cells are saved with a valid body for the caller's own subject (the demo GVBM teaches Ngoại ngữ 1
in 2A, the demo GVCN Tiếng Việt and Toán in 1A): the first allowed save writes level T, later
ones repeat it (unchanged, 200/303); outside the period's entry window the service answers 409,
also past the access check. A save into a class outside the caller's assignments is refused by
the service (403), through the gateway as directly over gRPC. Retests, imports and the settings
forms are probed with values the service or the gateway refuses (400) after the access check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

READ, WRITE, PROGRAMME = "grades:score:read", "grades:score:write", "grades:programme:write"
#: The subject each demo teacher holds (deploy/local/launch.py); other roles hold none.
SUBJECT = {"GVBM": "NGOAI_NGU_1"}
ROUTE = "/classes/<id:class_id>/gradebook"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Probe, Row

    cls = Obj.CLASS
    return [
        Row(f"/api/v1{ROUTE}", "GET", READ, obj=cls),
        Row(f"/api/v1{ROUTE}", "POST", WRITE, obj=cls, body="gradebook_save"),
        Row(f"/api/v1{ROUTE}/export", "GET", READ, obj=cls),
        Row(f"/api/v1{ROUTE}/students/<id:student_id>/history", "GET", READ, obj=cls),
        Row(f"/api/v1{ROUTE}/retests", "POST", WRITE, obj=cls, probe=Probe.INVALID, body="gradebook_retest",
            why="no first score (or no test due): 400 from the service after the class check"),
        Row(f"/api/v1{ROUTE}/import", "POST", WRITE, obj=cls, probe=Probe.INVALID, body="empty",
            why="no file: 400 after the class check"),
        Row("/api/v1/gradebook/comments", "GET", READ),
        Row("/api/v1/gradebook/comments", "POST", WRITE, body="gradebook_comment"),
        Row("/api/v1/gradebook/comments/delete", "POST", WRITE, body="gradebook_comment_ref", not_found_is_allow=True,
            why="a comment nobody has: 404 from the service, past the access check"),
        Row("/gradebook", "GET", READ),
        Row("/gradebook/comments", "POST", WRITE, body="gradebook_comment"),
        Row("/gradebook/settings", "GET", PROGRAMME),
        Row("/gradebook/settings/windows", "POST", PROGRAMME, probe=Probe.INVALID, body="gradebook_windows",
            why="never change the demo's windows: an unreadable date is refused (400)"),
        Row("/gradebook/settings/programme", "POST", PROGRAMME, probe=Probe.INVALID, body="gradebook_year",
            why="no file: 400, the programme stays"),
        Row("/gradebook/settings/programme.json", "GET", PROGRAMME),
        Row(ROUTE, "GET", READ, obj=cls),
        Row(ROUTE, "POST", WRITE, obj=cls, body="gradebook_form"),
        Row(f"{ROUTE}/export", "GET", READ, obj=cls),
        Row(f"{ROUTE}/students/<id:student_id>/history", "GET", READ, obj=cls),
        Row(f"{ROUTE}/import", "POST", WRITE, obj=cls, probe=Probe.INVALID, body="empty",
            why="no file: 400 after the class check"),
        Row(f"{ROUTE}/students/<id:student_id>/retest", "POST", WRITE, obj=cls, probe=Probe.INVALID,
            body="gradebook_retest_form", why="no first score (or no test due): 400 after the class check"),
    ]  # fmt: skip


def _period() -> str:
    from school_gateway.grades.gradebook_api import period_now

    return period_now()


def _save(w: World, role: str, rel: Rel) -> dict[str, Any]:
    cell = {"student_id": w.student_for(role, rel), "level": "T", "expected_version": 0}
    return {"period": _period(), "subject_code": SUBJECT.get(role, "TIENG_VIET"), "cells": [cell]}


def _form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    ident = f"{w.student_for(role, rel)}~{SUBJECT.get(role, 'TIENG_VIET')}"
    return {
        "period": _period(),
        "subject": SUBJECT.get(role, "TIENG_VIET"),
        f"o-{ident}": json.dumps(["", "", ""]),
        f"v-{ident}": 0,
        f"level-{ident}": "T",
    }


def _retest(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {
        "student_id": w.student_for(role, rel),
        "period": _period(),
        "subject_code": SUBJECT.get(role, "TIENG_VIET"),
        "score": "8",
        "reason": "Kiểm tra lại (ma trận phân quyền)",
        "expected_version": 0,
    }


def _retest_form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"period": _period(), "subject": SUBJECT.get(role, "TIENG_VIET"), "score": "8", "reason": "Kiểm tra lại"}


def _comment(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"text": f"Em tiến bộ rõ rệt (ma trận {w.next()})", "back": ""}


def _comment_ref(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"comment_id": "00000000-0000-4000-8000-00000000c0de"}


def _windows(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"year": w.year_id, "opens-GK1": "ngày 32", "closes-GK1": "30/11/2026"}


def _year(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"year": w.year_id}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "gradebook_save": _save,
    "gradebook_form": _form,
    "gradebook_retest": _retest,
    "gradebook_retest_form": _retest_form,
    "gradebook_comment": _comment,
    "gradebook_comment_ref": _comment_ref,
    "gradebook_windows": _windows,
    "gradebook_year": _year,
}
