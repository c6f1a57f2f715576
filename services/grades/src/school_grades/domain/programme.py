"""The programme of a school year (CTGDPT 2018 under TT 27/2020): subjects and activities per grade,
which of them are elective, which have a periodic test in which period, and the 15 qualities and
competencies the GVCN assesses.

Programmes get revised, so the programme is data, one reviewed file per school year shipped in the
package (``school_grades/data/programme_<year>.json``), read and checked here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

from school_grades.domain.errors import ValidationError

GRADES = (1, 2, 3, 4, 5)


class Period(StrEnum):
    """The four assessment periods (kỳ đánh giá) of TT 27 Điều 7 and 9."""

    GK1 = "GK1"
    CK1 = "CK1"
    GK2 = "GK2"
    CN = "CN"


PERIOD_MESSAGE = "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN"


def parse_period(value: str) -> Period:
    """A period code as a request carries it (any case, spaces around) → Period; a ValidationError
    on the field "period" otherwise."""
    try:
        return Period(value.strip().upper())
    except ValueError:
        raise ValidationError(PERIOD_MESSAGE, {"period": PERIOD_MESSAGE}) from None


class Kind(StrEnum):
    SUBJECT = "SUBJECT"  # môn học
    ACTIVITY = "ACTIVITY"  # hoạt động giáo dục (Hoạt động trải nghiệm)


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    kind: Kind
    grades: frozenset[int]
    elective_grades: frozenset[int] = frozenset()

    def taught_in(self, grade: int) -> bool:
        return grade in self.grades

    def elective_in(self, grade: int) -> bool:
        return grade in self.elective_grades


@dataclass(frozen=True)
class Programme:
    school_year: str
    periods: Mapping[Period, str]
    subjects: Mapping[str, Subject]
    # grade → period → subjects with a periodic test (bài kiểm tra định kì)
    tests: Mapping[int, Mapping[Period, frozenset[str]]]
    qualities: Mapping[str, str]  # 5 phẩm chất
    competencies: Mapping[str, str]  # 3 năng lực chung + 7 năng lực đặc thù

    def subjects_of(self, grade: int, *, with_electives: bool = True) -> list[Subject]:
        """The subjects and activities of a grade, in the programme's order."""
        return [
            s for s in self.subjects.values() if s.taught_in(grade) and (with_electives or not s.elective_in(grade))
        ]

    def tested(self, grade: int, period: Period) -> frozenset[str]:
        """Subjects with a periodic test in ``period`` for ``grade`` (empty when none is due)."""
        return self.tests.get(grade, {}).get(period, frozenset())

    @property
    def items(self) -> Mapping[str, str]:
        """The 15 qualities and competencies, qualities first."""
        return MappingProxyType({**self.qualities, **self.competencies})

    def name_of(self, code: str) -> str:
        """The Vietnamese name of a subject, quality or competency code (the code when unknown)."""
        if code in self.subjects:
            return self.subjects[code].name
        return self.items.get(code, code)


class ProgrammeError(ValueError):
    """A programme that contradicts itself; the message is Vietnamese, for the HT who uploaded it."""


def _pairs(raw: Any, what: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name in raw or ():
        if code in table:
            raise ProgrammeError(f"Danh sách {what} lặp mã {code}")
        table[str(code)] = str(name)
    if not table:
        raise ProgrammeError(f"Danh sách {what} đang trống")
    return table


def parse_programme(raw: Mapping[str, Any]) -> Programme:
    """Build and check a programme; a file that contradicts itself is refused at start."""
    periods = {Period(code): str(name) for code, name in raw["periods"]}
    if set(periods) != set(Period):
        raise ProgrammeError("Các kỳ đánh giá phải đúng là GK1, CK1, GK2, CN")
    subjects: dict[str, Subject] = {}
    for item in raw["subjects"]:
        code = str(item["code"])
        if code in subjects:
            raise ProgrammeError(f"Môn {code} xuất hiện hai lần")
        grades = frozenset(int(g) for g in item["grades"])
        elective = frozenset(int(g) for g in item.get("elective_grades", ()))
        if not grades <= set(GRADES) or not elective <= grades:
            raise ProgrammeError(f"Môn {code}: khối lớp phải từ 1 đến 5, khối tự chọn phải nằm trong các khối đó")
        subjects[code] = Subject(code, str(item["name"]), Kind(item["kind"]), grades, elective)
    tests: dict[int, dict[Period, frozenset[str]]] = {}
    for grade_text, by_period in raw["tests"].items():
        grade = int(grade_text)
        tests[grade] = {}
        for period_code, codes in by_period.items():
            period = Period(period_code)
            for code in codes:
                if code not in subjects or not subjects[code].taught_in(grade):
                    raise ProgrammeError(f"Khối {grade} kỳ {period.value}: {code} không phải môn học của khối đó")
            tests[grade][period] = frozenset(codes)
    qualities = _pairs(raw["qualities"], "phẩm chất")
    competencies = _pairs(raw["competencies"], "năng lực")
    if set(qualities) & set(competencies):
        raise ProgrammeError("Có mã vừa là phẩm chất vừa là năng lực")
    return Programme(
        school_year=str(raw["school_year"]),
        periods=MappingProxyType(periods),
        subjects=MappingProxyType(subjects),
        tests=MappingProxyType({g: MappingProxyType(p) for g, p in tests.items()}),
        qualities=MappingProxyType(qualities),
        competencies=MappingProxyType(competencies),
    )


def load_programme(school_year: str = "2025-2026") -> Programme:
    """The programme shipped for ``school_year`` (FileNotFoundError when there is none)."""
    name = f"data/programme_{school_year.replace('-', '_')}.json"
    text = resources.files("school_grades").joinpath(name).read_text(encoding="utf-8")
    return parse_programme(json.loads(text))


def shipped_years() -> Sequence[str]:
    """School years with a programme file in the package."""
    files = resources.files("school_grades").joinpath("data").iterdir()
    return sorted(
        f.name.removeprefix("programme_").removesuffix(".json").replace("_", "-")
        for f in files
        if f.name.startswith("programme_")
    )


def shipped_year_for(year_name: str) -> str | None:
    """Which shipped programme a school year uses when the school stored none of its own: the
    year's own file, else the newest earlier one (a later year before its file is reviewed), else
    the oldest. One rule for the grade book, checks, results and records, so every document of a
    class agrees. None when the package ships no programme at all."""
    years = list(shipped_years())
    if not years:
        return None
    if year_name in years:
        return year_name
    earlier = [y for y in years if y <= year_name]
    return earlier[-1] if earlier else years[0]


def stored_or_shipped(stored_body: str | None, year_name: str) -> Programme:
    """The school's stored programme of a year (JSON text) or, without one, the shipped one."""
    if stored_body is not None:
        return parse_programme(json.loads(stored_body))
    chosen = shipped_year_for(year_name)
    if chosen is None:
        raise FileNotFoundError("no programme file is shipped")
    return load_programme(chosen)
