"""Response bodies of the grades plugin's JSON API."""

from __future__ import annotations

from school_gateway.schemas import Date, DateTime, List, Nested, Schema, String


class RosterEntrySchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    date_of_birth = Date(required=True, allow_none=True)
    class_id = String(required=True)
    class_name = String(required=True)
    updated_at = DateTime(
        required=True, allow_none=True, metadata={"description": "When grades last applied an event."}
    )


class RosterPageSchema(Schema):
    items = List(Nested(RosterEntrySchema), required=True)
    next_page_token = String(required=True)
