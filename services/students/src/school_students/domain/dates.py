"""ISO calendar dates as the contracts carry them ("YYYY-MM-DD"), and ages in completed years."""

from __future__ import annotations

import re
from datetime import date

from school_students.domain.errors import FieldErrors

# date.fromisoformat alone also accepts "20250905" and week dates on Python 3.11+; the contract
# says "YYYY-MM-DD", so the shape is checked first and the calendar (29 Feb, 31 Apr) second.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: str) -> date | None:
    """The date written as ``YYYY-MM-DD``, or None when the text is not a real calendar date."""
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_date(errors: FieldErrors, field: str, value: str, label: str) -> date | None:
    """Parse a required date field, recording a Vietnamese message naming ``label`` on failure."""
    if not value.strip():
        errors.add(field, f"{label} không được để trống")
        return None
    parsed = parse_iso_date(value)
    if parsed is None:
        errors.add(field, f"{label} không hợp lệ (định dạng YYYY-MM-DD)")
    return parsed


def age_on(birth: date, day: date) -> int:
    """Age in completed years on ``day`` (a 29 February birthday counts from 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
