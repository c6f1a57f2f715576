"""Excel files in and out: larger bodies for upload routes only, upload checks, and workbook downloads.

The gateway never opens a workbook: identity reads and writes them (openpyxl). The gateway only
lets a bigger body through on the routes that accept one, checks that an upload looks like an
.xlsx (a ZIP container) before sending it on, and serves an answer as a download.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any, TypeVar

import flask
from flask import current_app, request
from werkzeug.datastructures import FileStorage

from school_gateway.errors import N_

F = TypeVar("F", bound=Callable[..., Any])

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: identity accepts workbooks up to 5 MB; the multipart envelope and the form fields need a little more.
MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
UPLOAD_BODY_BYTES = MAX_WORKBOOK_BYTES + 64 * 1024
_ATTRIBUTE = "__gateway_max_body__"
_ZIP_MAGIC = b"PK\x03\x04"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

NOT_A_WORKBOOK = N_("Choose an Excel file (.xlsx).")
WORKBOOK_TOO_LARGE = N_("The file is larger than 5 MB.")
EMPTY_WORKBOOK = N_("The file is empty.")


def max_body(limit: int) -> Callable[[F], F]:
    """Let this view accept bodies up to ``limit`` bytes instead of the application's 1 MB."""

    def decorate(func: F) -> F:
        setattr(func, _ATTRIBUTE, limit)
        return func

    return decorate


def apply_body_limit() -> None:
    """before_request hook, ahead of CSRF (which reads the form): raise the body limit for upload views."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, _ATTRIBUTE, None)
    if isinstance(limit, int):
        request.max_content_length = limit


def read_workbook(upload: FileStorage | None) -> tuple[bytes, str]:
    """The bytes of an uploaded .xlsx, or ``(b"", msgid)`` saying what is wrong with it."""
    if upload is None or not upload.filename:
        return b"", NOT_A_WORKBOOK
    data = upload.stream.read(MAX_WORKBOOK_BYTES + 1)
    if not data:
        return b"", EMPTY_WORKBOOK
    if len(data) > MAX_WORKBOOK_BYTES:
        return b"", WORKBOOK_TOO_LARGE
    if not upload.filename.lower().endswith(".xlsx") or not data.startswith(_ZIP_MAGIC):
        return b"", NOT_A_WORKBOOK
    return data, ""


def safe_filename(name: str, fallback: str) -> str:
    """A download name made of plain characters and ending in .xlsx (the service's suggestion, tidied)."""
    stem = _SAFE_NAME.sub("-", name.rsplit("/", 1)[-1]).strip(".-")[:100]
    if not stem:
        stem = fallback
    return stem if stem.lower().endswith(".xlsx") else f"{stem}.xlsx"


def send_workbook(data: bytes, filename: str, fallback: str) -> flask.Response:
    return flask.send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=safe_filename(filename, fallback),
        max_age=0,
    )
