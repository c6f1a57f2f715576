"""Request and response bodies of the records JSON API (học bạ, class summary, archive)."""

from __future__ import annotations

import marshmallow as ma

from school_gateway.errors import N_
from school_gateway.grades.records_convert import PERIODS
from school_gateway.schemas import Boolean, DateTime, Integer, List, Nested, Schema, String, validate

PERIOD_CHOICE = N_("Choose a period: GK1, CK1, GK2 or CN.")
TOO_LONG = N_("Too long.")


class QueryArgs(Schema):
    class Meta:
        # Query strings also carry ?lang=…; extra parameters are ignored rather than refused.
        unknown = ma.EXCLUDE


class HocBaArgs(QueryArgs):
    student_id = String(
        load_default="",
        validate=validate.Length(max=64, error=TOO_LONG),
        metadata={"description": "One pupil (UUID); empty prints the whole class in one PDF."},
    )


class SummaryArgs(QueryArgs):
    period = String(
        load_default="CN",
        validate=validate.OneOf(PERIODS, error=PERIOD_CHOICE),
        metadata={"description": "Assessment period: GK1, CK1, GK2 or CN (default CN, the year-end sheet)."},
    )


class ArchiveRequestSchema(Schema):
    period = String(
        required=True,
        validate=validate.OneOf(PERIODS, error=PERIOD_CHOICE),
        metadata={"description": "CK1 (the summary sheet) or CN (summary and every học bạ); others are refused."},
    )


class ArchiveListArgs(QueryArgs):
    class_id = String(load_default="", validate=validate.Length(max=64, error=TOO_LONG))
    school_year_id = String(load_default="", validate=validate.Length(max=64, error=TOO_LONG))
    page_size = Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error=N_("Must be between 1 and 200."))
    )
    page_token = String(load_default="", validate=validate.Length(max=32, error=TOO_LONG))


class ArchivedFileArgs(QueryArgs):
    sequence = Integer(
        required=True,
        validate=validate.Range(min=1, max=2**63 - 1, error=N_("Must be a positive number.")),
        metadata={"label": N_("Entry number"), "description": "The entry's number in the school's chain."},
    )


class ArchiveEntrySchema(Schema):
    sequence = Integer(required=True)
    school_year_id = String(required=True)
    school_year = String(required=True)
    period = String(required=True)
    kind = String(required=True, metadata={"description": "HOC_BA or BANG_TONG_HOP."})
    class_id = String(required=True)
    student_id = String(required=True, metadata={"description": "Empty for a class document."})
    version = Integer(required=True)
    name = String(required=True)
    file_sha256 = String(required=True)
    previous_link = String(required=True)
    link = String(required=True)
    size_bytes = Integer(required=True)
    signer = String(required=True)
    archived_at = DateTime(required=True, allow_none=True)
    archived_by_name = String(required=True)


class ArchiveEntriesSchema(Schema):
    items = List(Nested(ArchiveEntrySchema), required=True)


class ArchivePageSchema(Schema):
    items = List(Nested(ArchiveEntrySchema), required=True)
    next_page_token = String(required=True)


class VerificationSchema(Schema):
    ok = Boolean(required=True)
    checked = Integer(required=True)
    total = Integer(required=True)
    broken_at = Integer(required=True, allow_none=True, metadata={"description": "First broken entry, or null."})
    problem = String(required=True)
    last_link = String(required=True, metadata={"description": "The chain's last link hash (publish it)."})
