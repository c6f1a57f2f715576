"""The school's calendar day: Vietnam keeps UTC+7 all year (no daylight saving)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")


def school_day(now: datetime) -> date:
    """The date in Vietnam at instant ``now``: a birth date entered at 06:00 local is not "future"."""
    return now.astimezone(VIETNAM).date()
