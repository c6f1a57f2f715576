"""The records' data source in SQL: the class and year grades projects from students' events, the
roster, and the grade book's cells, assembled into documents by the pure builders.

The year result, awards and completion come through the YearResultSource port (the results'
adapter, wired in bootstrap) and the identity page's family fields through IdentitySource: the
ones a request carries (the gateway composes them from students), else none and they print blank.
What a school prints in its headings (name, principal, managing body, place) comes from
RECORDS_SCHOOLS_FILE.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.structure_repository import SqlAlchemyStructureRepository
from school_grades.adapters.tables import roster
from school_grades.adapters.tables_gradebook import cells, period_locks, programmes
from school_grades.app.records import IdentitySource, NoIdentities, NoYearResults, YearResultSource
from school_grades.domain.programme import Period, Programme, stored_or_shipped
from school_grades.domain.records import (
    Cell,
    ClassInfo,
    ClassSummary,
    HocBaPage,
    Pupil,
    RecordsLayout,
    SchoolInfo,
    build_class_summary,
    build_hoc_ba,
)
from schoolkit.db import read_only


@lru_cache(maxsize=8)
@dataclass(frozen=True)
class SchoolHeading:
    """What one school prints above its records."""

    name: str = ""
    principal: str = ""
    authority: str = ""
    place: str = ""


def load_school_headings(path: str) -> dict[str, SchoolHeading]:
    """{school id: heading} from RECORDS_SCHOOLS_FILE; {} when unset. A bad file stops the start."""
    if not path:
        return {}
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"RECORDS_SCHOOLS_FILE: {path} cannot be read as JSON ({err})") from None
    if not isinstance(raw, dict):
        raise ValueError(f"RECORDS_SCHOOLS_FILE: {path} must hold an object keyed by school id")
    known = {"name", "principal", "authority", "place"}
    headings: dict[str, SchoolHeading] = {}
    for school_id, fields in raw.items():
        if not isinstance(fields, dict) or not set(fields) <= known:
            raise ValueError(f"RECORDS_SCHOOLS_FILE: {school_id!r} may only have {sorted(known)}")
        headings[str(school_id)] = SchoolHeading(**{k: str(v) for k, v in fields.items()})
    return headings


class SqlRecordSource:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        headings: Mapping[str, SchoolHeading] | None = None,
        layout: RecordsLayout | None = None,
        year_results: YearResultSource | None = None,
        identities: IdentitySource | None = None,
    ) -> None:
        self._sessions = sessions
        self._headings = dict(headings or {})
        self._layout = layout or RecordsLayout()
        self._results = year_results or NoYearResults()
        self._identities = identities or NoIdentities()

    # -- reads ---------------------------------------------------------------------------------------

    def class_info(self, school_id: str, class_id: str) -> ClassInfo | None:
        with read_only(self._sessions) as s:
            facts = SqlAlchemyStructureRepository(s).class_facts(school_id, class_id)
        if facts is None or facts.year is None:
            # Without its year the programme, and so the document, is unknown: treat as not yet known.
            return None
        return ClassInfo(facts.class_id, facts.name, facts.grade_level, facts.school_year_id, facts.year.name)

    def period_locked(self, school_id: str, class_id: str, period: Period) -> bool:
        with read_only(self._sessions) as s:
            locked = s.execute(
                select(period_locks.c.locked).where(
                    period_locks.c.school_id == school_id,
                    period_locks.c.class_id == class_id,
                    period_locks.c.period == period.value,
                )
            ).scalar_one_or_none()
        return bool(locked)

    def _programme(self, s: Session, school_id: str, klass: ClassInfo) -> Programme:
        body = s.execute(
            select(programmes.c.body).where(
                programmes.c.school_id == school_id, programmes.c.school_year_id == klass.school_year_id
            )
        ).scalar()
        return stored_or_shipped(body, klass.school_year)

    def _pupils(self, s: Session, school_id: str, class_id: str) -> list[Pupil]:
        rows = s.execute(
            select(roster.c.student_id, roster.c.student_code, roster.c.full_name, roster.c.date_of_birth)
            .where(roster.c.school_id == school_id, roster.c.class_id == class_id, roster.c.left_on.is_(None))
            .order_by(roster.c.name_sort_key, roster.c.student_id)
        )
        return [Pupil(r.student_id, r.student_code, r.full_name, r.date_of_birth) for r in rows]

    def _cells(
        self, s: Session, school_id: str, school_year_id: str, period: Period, student_ids: Sequence[str]
    ) -> dict[str, dict[str, Cell]]:
        found: dict[str, dict[str, Cell]] = {}
        if not student_ids:
            return found
        # By pupil, not by class: a pupil who changed class mid-year brings their history along.
        rows = s.execute(
            select(cells.c.student_id, cells.c.item_code, cells.c.level, cells.c.score, cells.c.comment).where(
                cells.c.school_id == school_id,
                cells.c.school_year_id == school_year_id,
                cells.c.period == period.value,
                cells.c.student_id.in_(list(student_ids)),
            )
        )
        for r in rows:
            found.setdefault(r.student_id, {})[r.item_code] = Cell(r.level or "", r.score, r.comment or "")
        return found

    def _school(self, school_id: str, principal: str) -> tuple[SchoolInfo, RecordsLayout]:
        heading = self._headings.get(school_id, SchoolHeading())
        layout = replace(
            self._layout,
            authority=heading.authority or self._layout.authority,
            place=heading.place or self._layout.place,
        )
        return SchoolInfo(school_id, heading.name, principal or heading.principal), layout

    # -- the port ------------------------------------------------------------------------------------

    def hoc_ba(
        self,
        school_id: str,
        klass: ClassInfo,
        student_id: str = "",
        *,
        principal: str = "",
        homeroom: str = "",
        signed_on: date | None = None,
        identities: IdentitySource | None = None,
    ) -> list[HocBaPage]:
        with read_only(self._sessions) as s:
            programme = self._programme(s, school_id, klass)
            pupils = [
                p for p in self._pupils(s, school_id, klass.class_id) if not student_id or p.student_id == student_id
            ]
            found = self._cells(s, school_id, klass.school_year_id, Period.CN, [p.student_id for p in pupils])
        ids = [p.student_id for p in pupils]
        outcomes = self._results.outcomes(school_id, klass.school_year_id, klass.class_id) if pupils else {}
        given = (identities or self._identities).identities(school_id, ids) if pupils else {}
        school, layout = self._school(school_id, principal)
        with_teacher = replace(klass, homeroom_teacher=homeroom)
        return [
            build_hoc_ba(
                programme=programme,
                school=school,
                klass=with_teacher,
                pupil=pupil,
                cells=found.get(pupil.student_id, {}),
                identity=given.get(pupil.student_id),
                outcome=outcomes.get(pupil.student_id),
                layout=layout,
                signed_on=signed_on,
            )
            for pupil in pupils
        ]

    def class_summary(
        self,
        school_id: str,
        klass: ClassInfo,
        period: Period,
        *,
        principal: str = "",
        homeroom: str = "",
        signed_on: date | None = None,
    ) -> ClassSummary:
        with read_only(self._sessions) as s:
            programme = self._programme(s, school_id, klass)
            pupils = self._pupils(s, school_id, klass.class_id)
            found = self._cells(s, school_id, klass.school_year_id, period, [p.student_id for p in pupils])
        outcomes = (
            self._results.outcomes(school_id, klass.school_year_id, klass.class_id)
            if period is Period.CN and pupils
            else {}
        )
        school, layout = self._school(school_id, principal)
        return build_class_summary(
            programme=programme,
            school=school,
            klass=replace(klass, homeroom_teacher=homeroom),
            period=period,
            pupils=pupils,
            cells=found,
            outcomes=outcomes,
            layout=layout,
            signed_on=signed_on,
        )
