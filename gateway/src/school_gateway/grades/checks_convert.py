"""Messages of the grades CheckService and LockService → the gateway's JSON and page dictionaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from school_gateway.errors import N_

PERIODS = ("GK1", "CK1", "GK2", "CN")
PERIOD_LABELS = {
    "GK1": N_("Mid-term, semester I"),
    "CK1": N_("End of semester I"),
    "GK2": N_("Mid-term, semester II"),
    "CN": N_("End of the school year"),
}
GRADE_LEVELS = (1, 2, 3, 4, 5)
# The group of the 15 qualities and competencies (the GVCN enters them), as the service names it.
ITEMS_GROUP = "PC_NL"  # the grades service's code of the qualities-and-competencies sheet
OUTCOMES = ("LOCKED", "ALREADY_LOCKED", "REFUSED")
OUTCOME_LABELS = {
    "LOCKED": N_("Locked"),
    "ALREADY_LOCKED": N_("Already locked"),
    "REFUSED": N_("Not locked"),
}


def _when(message: Any, name: str) -> dt.datetime | None:
    return getattr(message, name).ToDatetime(tzinfo=dt.UTC) if message.HasField(name) else None


def class_check(m: Any) -> dict[str, Any]:
    missing = m.missing_levels + m.missing_scores
    return {
        "class_id": m.class_id,
        "class_name": m.class_name,
        "grade_level": m.grade_level,
        "school_year_id": m.school_year_id,
        "period": m.period,
        "pupils": m.pupils,
        "expected": m.expected,
        "missing_levels": m.missing_levels,
        "missing_scores": m.missing_scores,
        "missing": missing,
        "complete": m.pupils > 0 and missing == 0,
        "locked": m.locked,
        "locked_at": _when(m, "locked_at"),
        "locked_by_name": m.locked_by_name,
    }


def year_ref(m: Any) -> dict[str, str]:
    return {"id": m.school_year_id, "name": m.name}


def subject_check(m: Any) -> dict[str, Any]:
    return {
        "code": m.code,
        "name": m.name,
        "expected": m.expected,
        "missing_levels": m.missing_levels,
        "missing_scores": m.missing_scores,
        "entered_by": m.entered_by,
    }


def missing_entry(m: Any) -> dict[str, Any]:
    return {
        "student_id": m.student_id,
        "student_code": m.student_code,
        "full_name": m.full_name,
        "group": m.group,
        "item_code": m.item_code,
        "item_name": m.item_name,
        "missing": m.missing,
    }


def lock_outcome(m: Any) -> dict[str, Any]:
    return {"class_id": m.class_id, "class_name": m.class_name, "outcome": m.outcome, "reasons": dict(m.reasons)}


def log_entry(m: Any) -> dict[str, Any]:
    return {
        "class_id": m.class_id,
        "class_name": m.class_name,
        "period": m.period,
        "action": m.action,
        "actor_name": m.actor_name,
        "at": _when(m, "at"),
        "reason": m.reason,
    }


def gradebook_url(class_id: str, subject: str, period: str) -> str:
    """The grade-book grid of one class, subject and period (the grade book's page, issue 5 point 3)."""
    return f"/classes/{class_id}/gradebook?subject={subject}&period={period}"
