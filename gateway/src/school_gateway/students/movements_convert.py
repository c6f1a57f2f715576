"""Proto messages of MovementsService ⇄ the gateway's JSON/page dictionaries."""

from __future__ import annotations

from typing import Any

from school_gateway.schemas import iso_date


def movement(m: Any) -> dict[str, Any]:
    return {
        "id": m.movement_id,
        "student_id": m.student_id,
        "kind": m.kind,
        "effective_date": iso_date(m.effective_date),
        "reason_code": m.reason_code,
        "note": m.note,
        "status_before": m.status_before,
        "status_after": m.status_after,
        "from_class_id": m.from_class_id,
        "from_class_name": m.from_class_name,
        "to_class_id": m.to_class_id,
        "to_class_name": m.to_class_name,
        "other_school_name": m.other_school_name,
        "other_school_code": m.other_school_code,
        "documents": list(m.documents),
        "application_received_on": iso_date(m.application_received_on),
        "receiving_school_agreed": m.receiving_school_agreed,
        "handed_over_on": iso_date(m.handed_over_on),
        "handover_deadline": iso_date(m.handover_deadline),
        "earlier_results": m.earlier_results,
        "recorded_by": m.recorded_by,
        "recorded_at": m.recorded_at,
    }


def counts(c: Any) -> dict[str, int]:
    return {
        "start": c.start,
        "transfers_in": c.transfers_in,
        "other_in": c.other_in,
        "transfers_out": c.transfers_out,
        "dropouts": c.dropouts,
        "other_out": c.other_out,
        "end": c.end,
    }


def report(r: Any) -> dict[str, Any]:
    return {
        "period_from": iso_date(r.period_from),
        "period_to": iso_date(r.period_to),
        "classes": [
            {
                "class_id": c.class_id,
                "class_name": c.class_name,
                "grade_level": c.grade_level,
                "counts": counts(c.counts),
            }
            for c in r.classes
        ],
        "grades": [{"grade_level": g.grade_level, "counts": counts(g.counts)} for g in r.grades],
        "total": counts(r.total),
    }
