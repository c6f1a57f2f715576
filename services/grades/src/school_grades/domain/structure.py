"""The school years and classes the grade book needs from students: a class's grade level decides
its subjects and tests, its year's name the programme, the year's dates the entry windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class YearFacts:
    school_year_id: str
    school_id: str
    name: str  # "2025-2026"
    starts_on: date
    ends_on: date
    hk1_ends_on: date | None
    version: int


@dataclass(frozen=True)
class ClassFacts:
    """A class as the grade book knows it, with its year (None until the year's event arrived)."""

    class_id: str
    school_id: str
    school_year_id: str
    name: str
    grade_level: int
    version: int
    year: YearFacts | None = None
