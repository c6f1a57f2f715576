"""Languages: Vietnamese by default, English on request (?lang=en, remembered in a cookie); catalogue upkeep."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import flask
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request

# Flask-Babel ships no type information; it is imported here only, and typed wrappers are exported.
from flask_babel import Babel
from flask_babel import get_locale as _get_locale
from flask_babel import gettext as _gettext

from schoolkit.logging import get_logger

log = get_logger(__name__)

SUPPORTED = ("vi", "en")
COOKIE = "tv_lang"
TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
_ONE_YEAR_S = 365 * 24 * 3600
#: Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset needs no tz database.
VIETNAM = timezone(timedelta(hours=7), "ICT")


__all__ = [
    "Babel",
    "compile_catalogues",
    "current_locale",
    "format_vn_date",
    "format_vn_datetime",
    "gettext",
    "select_locale",
]


def gettext(message: str, **variables: Any) -> str:
    """Translate ``message`` (an English msgid) into the request's language."""
    return str(_gettext(message, **variables))


def current_locale() -> str:
    locale = _get_locale()
    return str(locale) if locale else "vi"


def select_locale() -> str:
    """?lang=… first (a switch link), then the remembered choice, then DEFAULT_LOCALE."""
    asked = request.args.get("lang", "")
    if asked in SUPPORTED:
        return asked
    remembered = request.cookies.get(COOKIE, "")
    if remembered in SUPPORTED:
        return remembered
    return str(flask.current_app.config["BABEL_DEFAULT_LOCALE"])


def remember_choice(response: flask.Response) -> flask.Response:
    """Store an explicit ?lang=… choice so later pages keep the language."""
    asked = request.args.get("lang", "")
    if asked in SUPPORTED and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE,
            asked,
            max_age=_ONE_YEAR_S,
            httponly=True,
            samesite="Lax",
            secure=bool(flask.current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


def format_vn_date(value: object) -> str:
    """Dates are shown as dd/mm/yyyy everywhere (the Vietnamese convention), whatever the UI language."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return ""


def format_vn_datetime(value: object) -> str:
    """A moment as dd/mm/yyyy HH:MM in Vietnam time (stored and sent in UTC)."""
    if isinstance(value, (int, float)) and value > 0:
        value = datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    return ""


def compile_catalogues(directory: Path = TRANSLATIONS, *, force: bool = False) -> list[Path]:
    """Compile each ``<lang>/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or older.

    The Makefile compiles the catalogues at install time; this keeps a checkout that skipped that
    step (or a test run) from silently showing English instead of Vietnamese.
    """
    written: list[Path] = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        try:
            # Write aside and rename: several gunicorn workers may compile at once, and a reader
            # must never see a half-written catalogue.
            tmp = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                write_mo(fh, catalog)
            os.replace(tmp, mo_path)
        except OSError as exc:
            log.warning("i18n.compile_failed", catalogue=str(po_path), error=str(exc))
            continue
        written.append(mo_path)
    return written
