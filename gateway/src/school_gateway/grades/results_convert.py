"""The results upstream (ResultsService in the grades server) and its answers as plain dicts, shared
by the JSON API and the pages ("Tổng hợp kết quả", "Kết quả cuối năm")."""

from __future__ import annotations

from typing import Any

from school_gateway.schemas import iso_date, timestamp
from school_gateway.upstream import stub

UPSTREAM = "grades.results"
PERIODS = ("GK1", "CK1", "GK2", "CN")


def results() -> Any:
    return stub(UPSTREAM)


def summary(message: Any) -> dict[str, Any]:
    def column(c: Any) -> dict[str, Any]:
        return {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "tested": c.tested,
            "level_counts": dict(sorted(c.level_counts.items())),
        }

    return {
        "class_id": message.class_id,
        "class_name": message.class_name,
        "grade_level": message.grade_level,
        "school_year_id": message.school_year_id,
        "school_year_name": message.school_year_name,
        "period": message.period,
        "period_name": message.period_name,
        "subjects": [column(c) for c in message.subjects],
        "items": [column(c) for c in message.items],
        "rows": [
            {
                "student_id": r.student_id,
                "student_code": r.student_code,
                "full_name": r.full_name,
                "left_on": iso_date(r.left_on),
                "left_status": r.left_status,
                "cells": [{"code": c.code, "level": c.level, "score": c.score or None} for c in r.cells],
                "missing": r.missing,
            }
            for r in message.rows
        ],
    }


def year_result(r: Any) -> dict[str, Any]:
    nomination = None
    if r.HasField("nomination"):
        n = r.nomination
        nomination = {
            "evidence": n.evidence,
            "recognised_by_class": n.recognised_by_class,
            "nominated_by_name": n.nominated_by_name,
            "nominated_at": timestamp(n, "nominated_at"),
            "approval": n.approval,
            "approved_by_name": n.approved_by_name,
            "approved_at": timestamp(n, "approved_at"),
            "problem": n.problem,
        }
    return {
        "student_id": r.student_id,
        "student_code": r.student_code,
        "full_name": r.full_name,
        "class_id": r.class_id,
        "school_year_id": r.school_year_id,
        "grade_level": r.grade_level,
        "computed_result": r.computed_result,
        "result": r.result,
        "result_name": r.result_name,
        "explanation": list(r.explanation),
        "status_lines": list(r.status_lines),
        "completes_grade": r.completes_grade,
        "completion": r.completion,
        "award": r.award,
        "award_name": r.award_name,
        "decision": r.decision,
        "decision_name": r.decision_name,
        "decision_basis": r.decision_basis,
        "decision_ref": r.decision_ref,
        "decided_on": iso_date(r.decided_on),
        "supplementary": [
            {
                "assessed_on": iso_date(s.assessed_on),
                "subjects": list(s.subjects),
                "subject_names": list(s.subject_names),
                "outcome": s.outcome,
                "outcome_name": s.outcome_name,
                "note": s.note,
                "recorded_by_name": s.recorded_by_name,
                "recorded_at": timestamp(s, "recorded_at"),
            }
            for s in r.supplementary
        ],
        "nomination": nomination,
        "version": r.version,
        "computed_at": timestamp(r, "computed_at"),
        "computed_by_name": r.computed_by_name,
        "assessable": [{"code": c.code, "name": c.name} for c in r.assessable],
        "stale": r.stale,
    }


def class_results(message: Any) -> dict[str, Any]:
    return {
        "class_id": message.class_id,
        "class_name": message.class_name,
        "grade_level": message.grade_level,
        "school_year_id": message.school_year_id,
        "school_year_name": message.school_year_name,
        "results": [year_result(r) for r in message.results],
        "gaps": [
            {"student_id": g.student_id, "full_name": g.full_name, "missing": list(g.missing)} for g in message.gaps
        ],
        "changed": message.changed,
    }
