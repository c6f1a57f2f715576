"""Authorization-matrix rows and bodies for the results routes (issue 5: class summary, year
results, supplementary assessment, Tiêu biểu nomination, the principal's approval and decision).

No probe changes demo data: the demo has no end-of-year (CN) values, so computing a class is
refused by the service (400, naming who lacks what) after its permission and object checks, and
every write on a pupil is refused (400, "no year result yet") after the pupil was found and
reached (a teacher outside the class: 403; another school's pupil or class: 404).

A GVBM reads the class summary of a class they teach (the sheet they record into) but not the
year results, which belong to the homeroom teacher and the school's leadership.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

READ = "grades:score:read"
RESULT = "grades:result:write"
DECISION = "grades:decision:write"
WHY_WRITE = "no year result in the demo: refused by the service (400) after its permission and object checks"
WHY_COMPUTE = "the demo's CN period is empty: refused by the service (400) after its checks, nothing stored"
WHY_GVBM = "year results: the class's GVCN and school-wide roles only, not a subject teacher"


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Outcome, Probe, Rel, Row

    not_gvbm = {("GVBM", Rel.OWN): Outcome.DENY}

    def write(rule: str, access: str, body: str) -> Row:
        return Row(rule, "POST", access, obj=Obj.STUDENT, probe=Probe.INVALID, body=body, why=WHY_WRITE)

    return [
        # JSON API
        Row("/api/v1/classes/<id:class_id>/summary", "GET", READ, obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/year-results", "GET", READ, obj=Obj.CLASS, overrides=not_gvbm, why=WHY_GVBM),
        Row(
            "/api/v1/classes/<id:class_id>/year-results",
            "POST",
            RESULT,
            obj=Obj.CLASS,
            probe=Probe.INVALID,
            body="results_compute",
            why=WHY_COMPUTE,
        ),
        Row(
            "/api/v1/students/<id:student_id>/year-result",
            "GET",
            READ,
            obj=Obj.STUDENT,
            overrides=not_gvbm,
            why=WHY_GVBM,
        ),
        write("/api/v1/students/<id:student_id>/year-result/supplementary", RESULT, "results_supplementary"),
        write("/api/v1/students/<id:student_id>/year-result/nomination", RESULT, "results_nomination"),
        write("/api/v1/students/<id:student_id>/year-result/approval", DECISION, "results_approval"),
        write("/api/v1/students/<id:student_id>/year-result/decision", DECISION, "results_decision"),
        # Pages
        Row("/classes/<id:class_id>/summary", "GET", READ, obj=Obj.CLASS),
        Row("/classes/<id:class_id>/year-results", "GET", READ, obj=Obj.CLASS, overrides=not_gvbm, why=WHY_GVBM),
        Row(
            "/classes/<id:class_id>/year-results",
            "POST",
            RESULT,
            obj=Obj.CLASS,
            probe=Probe.INVALID,
            body="results_compute",
            why=WHY_COMPUTE,
        ),
        Row("/students/<id:student_id>/year-result", "GET", READ, obj=Obj.STUDENT, overrides=not_gvbm, why=WHY_GVBM),
        write("/students/<id:student_id>/year-result/supplementary", RESULT, "results_supplementary_form"),
        write("/students/<id:student_id>/year-result/nomination", RESULT, "results_nomination"),
        write("/students/<id:student_id>/year-result/approval", DECISION, "results_approval"),
        write("/students/<id:student_id>/year-result/decision", DECISION, "results_decision_form"),
    ]


# Every write names the version of the result it was made on (required); the demo has no result,
# so the service refuses after its object checks whatever the number.
SEEN = {"expected_version": 1}


def _yesterday() -> dt.date:
    return dt.date.today() - dt.timedelta(days=1)


def _compute(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {}


def _supplementary(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"assessed_on": _yesterday().isoformat(), "subjects": ["TOAN"], "outcome": "HOAN_THANH", **SEEN}


def _supplementary_form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"assessed_on": _yesterday().strftime("%d/%m/%Y"), "subjects": "TOAN", "outcome": "HOAN_THANH", **SEEN}


def _nomination(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"evidence": "Giải nhất thi Toán cấp trường", "recognised_by_class": True, **SEEN}


def _approval(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"approve": True, **SEEN}


def _decision(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {"decision": "O_LAI_LOP", "decision_ref": "01/QĐ-MT", "decided_on": _yesterday().isoformat(), **SEEN}


def _decision_form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {**_decision(w, role, rel), "decided_on": _yesterday().strftime("%d/%m/%Y")}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "results_compute": _compute,
    "results_supplementary": _supplementary,
    "results_supplementary_form": _supplementary_form,
    "results_nomination": _nomination,
    "results_approval": _approval,
    "results_decision": _decision,
    "results_decision_form": _decision_form,
}
