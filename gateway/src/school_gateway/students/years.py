"""The school-year picker every students page shares: the school's years, and which one is shown."""

from __future__ import annotations

from typing import Any

from school.students.v1 import students_pb2
from school_gateway.students import convert
from school_gateway.upstream import stub

# A school keeps a few dozen years at most: one page holds them all.
YEARS_PAGE = 200


def school_years() -> list[dict[str, Any]]:
    """Every school year of the caller's school, newest first."""
    answer = stub("students").ListSchoolYears(students_pb2.ListSchoolYearsRequest(page_size=YEARS_PAGE))
    return [convert.school_year(y) for y in answer.school_years]


def chosen_year(years: list[dict[str, Any]], wanted: str, otherwise: str = "") -> str:
    """``wanted`` when it is one of ``years``, else the newest year, else ``otherwise``."""
    if any(y["id"] == wanted for y in years):
        return wanted
    return years[0]["id"] if years else otherwise
