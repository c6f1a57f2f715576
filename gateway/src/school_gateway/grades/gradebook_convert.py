"""GradebookService messages → the gateway's JSON/page dictionaries (issue 5, the grade book)."""

from __future__ import annotations

import datetime as dt
from typing import Any

PERIODS = ("GK1", "CK1", "GK2", "CN")
UPSTREAM = "grades.gradebook"


def _when(message: Any, name: str) -> dt.datetime | None:
    return getattr(message, name).ToDatetime(tzinfo=dt.UTC) if message.HasField(name) else None


def cell(message: Any) -> dict[str, Any]:
    return {
        "student_id": message.student_id,
        "item_code": message.item_code,
        "level": message.level,
        "score": message.score or None,
        "comment": message.comment,
        "version": message.version,
        "updated_by_name": message.updated_by_name,
        "updated_at": _when(message, "updated_at"),
        "attempts": message.attempts,
    }


def window(message: Any) -> dict[str, Any]:
    return {
        "period": message.period,
        "name": message.name,
        "opens_on": dt.date.fromisoformat(message.opens_on) if message.opens_on else None,
        "closes_on": dt.date.fromisoformat(message.closes_on) if message.closes_on else None,
        "stored": message.stored,
    }


def sheet(message: Any) -> dict[str, Any]:
    return {
        "class_id": message.class_id,
        "class_name": message.class_name,
        "grade_level": message.grade_level,
        "school_year_id": message.school_year_id,
        "school_year_name": message.school_year_name,
        "period": message.period,
        "period_name": message.period_name,
        "subject_code": message.subject_code,
        "subject_name": message.subject_name,
        "columns": [
            {"item_code": c.item_code, "name": c.name, "kind": c.kind, "tested": c.tested, "levels": list(c.levels)}
            for c in message.columns
        ],
        "rows": [
            {
                "student_id": r.student_id,
                "student_code": r.student_code,
                "full_name": r.full_name,
                "left_on": dt.date.fromisoformat(r.left_on) if r.left_on else None,
                "editable": r.editable,
                "cells": [cell(c) for c in r.cells],
            }
            for r in message.rows
        ],
        "may_write": message.may_write,
        "write_refusal": message.write_refusal,
        "window": window(message.window),
        "window_open": message.window_open,
        "locked": message.locked,
        "reason_required": message.reason_required,
        "subjects": [{"code": s.code, "name": s.name, "may_write": s.may_write} for s in message.subjects],
    }


def cell_input(message: Any) -> dict[str, Any]:
    return {
        "student_id": message.student_id,
        "item_code": message.item_code,
        "level": message.level,
        "score": message.score,
        "comment": message.comment,
        "expected_version": message.expected_version,
    }


def save_result(message: Any) -> dict[str, Any]:
    return {
        "saved": [cell(c) for c in message.saved],
        "conflicts": [
            {"current": cell(c.current), "sent": cell_input(c.sent), "message": c.message} for c in message.conflicts
        ],
        "unchanged": message.unchanged,
    }


def history(message: Any) -> dict[str, Any]:
    return {
        "cell": cell(message.cell),
        "changes": [
            {
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
                "changed_by_name": c.changed_by_name,
                "changed_at": _when(c, "changed_at"),
                "reason": c.reason,
            }
            for c in message.changes
        ],
        "attempts": [
            {
                "attempt_no": a.attempt_no,
                "score": a.score,
                "raw_total": a.raw_total,
                "is_retest": a.is_retest,
                "reason": a.reason,
                "recorded_at": _when(a, "recorded_at"),
            }
            for a in message.attempts
        ],
    }


def comment(message: Any) -> dict[str, Any]:
    return {
        "id": message.comment_id,
        "text": message.text,
        "item_code": message.item_code,
        "shared": message.shared,
        "deletable": message.deletable,
    }


def import_result(message: Any) -> dict[str, Any]:
    return {
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in message.errors],
        "result": save_result(message.result) if message.HasField("result") else None,
    }
