"""What the access pages and API share: identity requests built from validated bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from school.identity.v1 import access_pb2


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def grant_request(data: Mapping[str, Any]) -> access_pb2.GrantAssignmentRequest:
    return access_pb2.GrantAssignmentRequest(
        user_id=data["user_id"],
        role=data["role"],
        school_year_id=data.get("school_year_id", ""),
        department_id=data.get("department_id", ""),
        class_id=data.get("class_id", ""),
        subject_code=data.get("subject_code", ""),
        starts_on=_iso(data.get("starts_on")),
        ends_on=_iso(data.get("ends_on")),
    )


def audit_filter(data: Mapping[str, Any]) -> access_pb2.ListAuditEventsRequest:
    return access_pb2.ListAuditEventsRequest(
        person=data.get("person", ""),
        action=data.get("action", ""),
        from_date=_iso(data.get("from_date")),
        to_date=_iso(data.get("to_date")),
    )
