"""RecordsService messages → the gateway's JSON/page dictionaries, and PDF downloads."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import flask

PDF_MIMETYPE = "application/pdf"
PERIODS = ("GK1", "CK1", "GK2", "CN")
ARCHIVED_PERIODS = ("CK1", "CN")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def archive_entry(message: Any) -> dict[str, Any]:
    archived_at: dt.datetime | None = None
    if message.HasField("archived_at"):
        archived_at = message.archived_at.ToDatetime(tzinfo=dt.UTC)
    return {
        "sequence": message.sequence,
        "school_year_id": message.school_year_id,
        "school_year": message.school_year,
        "period": message.period,
        "kind": message.kind,
        "class_id": message.class_id,
        "student_id": message.student_id,
        "version": message.version,
        "name": message.name,
        "file_sha256": message.file_sha256,
        "previous_link": message.previous_link,
        "link": message.link,
        "size_bytes": message.size_bytes,
        "signer": message.signer,
        "archived_at": archived_at,
        "archived_by_name": message.archived_by_name,
    }


def verification(message: Any) -> dict[str, Any]:
    return {
        "ok": message.ok,
        "checked": message.checked,
        "total": message.total,
        "broken_at": message.broken_at or None,
        "problem": message.problem,
        "last_link": message.last_link,
    }


def send_pdf(content: bytes, file_name: str, fallback: str) -> flask.Response:
    """The PDF as a download named by the service's suggestion, tidied to plain characters."""
    stem = _SAFE_NAME.sub("-", file_name.rsplit("/", 1)[-1]).strip(".-")[:120] or fallback
    name = stem if stem.lower().endswith(".pdf") else f"{stem}.pdf"
    return flask.send_file(
        io.BytesIO(content), mimetype=PDF_MIMETYPE, as_attachment=True, download_name=name, max_age=0
    )
