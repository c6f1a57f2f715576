"""Proto messages of the grades service → the gateway's JSON/page dictionaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from school_gateway.schemas import iso_date


def roster_entry(message: Any) -> dict[str, Any]:
    updated: dt.datetime | None = None
    if message.HasField("updated_at"):
        updated = message.updated_at.ToDatetime(tzinfo=dt.UTC)
    return {
        "student_id": message.student_id,
        "student_code": message.student_code,
        "full_name": message.full_name,
        "date_of_birth": iso_date(message.date_of_birth),
        "class_id": message.class_id,
        "class_name": message.class_name,
        "updated_at": updated,
    }
