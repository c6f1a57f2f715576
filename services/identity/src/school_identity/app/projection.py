"""Identity's copies of school years and classes, kept from the students service's events."""

from __future__ import annotations

from datetime import date

from school_identity.app.ports import ClassRepository, SchoolYearRepository
from school_identity.domain.model import SchoolClass, SchoolYear


class InvalidEventError(ValueError):
    """An event that cannot be applied however often it is retried (goes to the dead-letter topic)."""


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidEventError(f"{what} is not an ISO date") from None


def project_school_year(
    repo: SchoolYearRepository, *, school_id: str, school_year_id: str, name: str, start_date: str, end_date: str
) -> SchoolYear:
    """Insert or update; replaying the same event leaves the same row (idempotent on its own)."""
    if not school_id or not school_year_id:
        raise InvalidEventError("SchoolYearCreated without school_id or school_year_id")
    start, end = _date(start_date, "start_date"), _date(end_date, "end_date")
    if end < start:
        raise InvalidEventError("school year ends before it starts")
    year = SchoolYear(id=school_year_id, school_id=school_id, name=name[:50], start_date=start, end_date=end)
    repo.upsert(year)
    return year


def project_class(
    repo: ClassRepository, *, school_id: str, class_id: str, school_year_id: str, name: str, grade_level: int
) -> SchoolClass:
    if not school_id or not class_id or not school_year_id:
        raise InvalidEventError("ClassCreated without school_id, class_id or school_year_id")
    school_class = SchoolClass(
        id=class_id, school_id=school_id, school_year_id=school_year_id, name=name[:20], grade_level=grade_level
    )
    repo.upsert(school_class)
    return school_class
