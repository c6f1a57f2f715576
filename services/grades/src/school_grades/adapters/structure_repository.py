"""The years and classes grades keeps from students' events (tables grade_years, grade_classes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from school_grades.adapters.tables_gradebook import grade_classes, grade_years
from school_grades.domain.structure import ClassFacts, YearFacts


class SqlAlchemyStructureRepository:
    """Upserts from events (newer version wins) and lookups for the use cases."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def save_year(self, year: YearFacts, now: datetime) -> bool:
        """Store the year unless a newer version is already stored; True when written."""
        stored = self._session.execute(
            select(grade_years.c.version).where(grade_years.c.id == year.school_year_id)
        ).scalar_one_or_none()
        values = {
            "school_id": year.school_id,
            "name": year.name,
            "starts_on": year.starts_on,
            "ends_on": year.ends_on,
            "hk1_ends_on": year.hk1_ends_on,
            "version": year.version,
            "updated_at": now,
        }
        if stored is None:
            self._session.execute(grade_years.insert().values(id=year.school_year_id, **values))
            return True
        if stored > year.version:
            return False
        self._session.execute(grade_years.update().where(grade_years.c.id == year.school_year_id).values(**values))
        return True

    def save_class(self, facts: ClassFacts, now: datetime) -> bool:
        """Store the class unless a newer version is already stored; True when written."""
        stored = self._session.execute(
            select(grade_classes.c.version).where(grade_classes.c.id == facts.class_id)
        ).scalar_one_or_none()
        values = {
            "school_id": facts.school_id,
            "school_year_id": facts.school_year_id,
            "name": facts.name,
            "grade_level": facts.grade_level,
            "version": facts.version,
            "updated_at": now,
        }
        if stored is None:
            self._session.execute(grade_classes.insert().values(id=facts.class_id, **values))
            return True
        if stored > facts.version:
            return False
        self._session.execute(grade_classes.update().where(grade_classes.c.id == facts.class_id).values(**values))
        return True

    def year(self, school_id: str, school_year_id: str) -> YearFacts | None:
        row = self._session.execute(
            select(grade_years).where(grade_years.c.id == school_year_id, grade_years.c.school_id == school_id)
        ).one_or_none()
        if row is None:
            return None
        return YearFacts(row.id, row.school_id, row.name, row.starts_on, row.ends_on, row.hk1_ends_on, row.version)

    def class_facts(self, school_id: str, class_id: str) -> ClassFacts | None:
        """The class with its year, or None when grades has not heard of it in this school."""
        row = self._session.execute(
            select(grade_classes).where(grade_classes.c.id == class_id, grade_classes.c.school_id == school_id)
        ).one_or_none()
        if row is None:
            return None
        return ClassFacts(
            row.id,
            row.school_id,
            row.school_year_id,
            row.name,
            row.grade_level,
            row.version,
            self.year(school_id, row.school_year_id),
        )

    def classes_of_year(self, school_id: str, school_year_id: str) -> list[ClassFacts]:
        """Every class of a year, by grade then name (no year attached: the caller has it)."""
        rows = self._session.execute(
            select(grade_classes)
            .where(grade_classes.c.school_id == school_id, grade_classes.c.school_year_id == school_year_id)
            .order_by(grade_classes.c.grade_level, grade_classes.c.name)
        ).all()
        return [ClassFacts(r.id, r.school_id, r.school_year_id, r.name, r.grade_level, r.version) for r in rows]
