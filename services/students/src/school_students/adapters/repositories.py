"""SQLAlchemy repositories: every query is filtered by the caller's school (tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, func, insert, or_, select, true, update
from sqlalchemy.orm import Session

from school_students.adapters.tables import (
    classes,
    enrolments,
    idempotency_keys,
    school_years,
    student_code_sequences,
    students,
)
from school_students.adapters.tables_structure import semesters
from school_students.app.ports import StudentSearch
from school_students.domain.names import fold, name_sort_key
from school_students.domain.school_class import ClassSpec, SchoolClass
from school_students.domain.school_year import SchoolYear, SchoolYearSpec
from school_students.domain.structure import ClassChanges, Semester
from school_students.domain.student import Gender, Student, StudentDetails
from schoolkit.pagination import PageRequest


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def after(order: Sequence[tuple[Any, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    """Keyset condition "row comes after ``values``" for an ORDER BY of (column, ascending) pairs.

    Written out as OR/AND rather than a row-value comparison because the directions are mixed.
    """
    condition: ColumnElement[bool] | None = None
    for (column, ascending), value in reversed(list(zip(order, values, strict=True))):
        beyond = column > value if ascending else column < value
        condition = beyond if condition is None else or_(beyond, and_(column == value, condition))
    return condition if condition is not None else true()


class SqlAlchemySchoolYearRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, school_id: str, year_id: str) -> SchoolYear | None:
        row = self._s.execute(
            select(school_years).where(school_years.c.school_id == school_id, school_years.c.id == year_id)
        ).first()
        return self._with_semesters([_year(row)])[0] if row else None

    def _with_semesters(self, years: list[SchoolYear]) -> list[SchoolYear]:
        if not years:
            return years
        rows = self._s.execute(
            select(semesters)
            .where(semesters.c.school_year_id.in_([y.id for y in years]))
            .order_by(semesters.c.school_year_id, semesters.c.term)
        ).all()
        found: dict[str, list[Semester]] = {}
        for r in rows:
            m = r._mapping
            found.setdefault(m["school_year_id"], []).append(
                Semester(int(m["term"]), m["start_date"], m["end_date"], int(m["teaching_weeks"]))
            )
        return [replace(y, semesters=tuple(found.get(y.id, ()))) for y in years]

    def _write_semesters(self, year_id: str, terms: Sequence[Semester]) -> None:
        self._s.execute(semesters.delete().where(semesters.c.school_year_id == year_id))
        for sem in terms:
            self._s.execute(
                insert(semesters).values(
                    school_year_id=year_id,
                    term=sem.term,
                    start_date=sem.start_date,
                    end_date=sem.end_date,
                    teaching_weeks=sem.teaching_weeks,
                )
            )

    def update(
        self, year: SchoolYear, start: date, end: date, terms: Sequence[Semester], expected_version: int
    ) -> SchoolYear | None:
        """Write new dates and semesters if the stored version is still ``expected_version``."""
        result = self._s.execute(
            update(school_years)
            .where(
                school_years.c.school_id == year.school_id,
                school_years.c.id == year.id,
                school_years.c.version == expected_version,
            )
            .values(start_date=start, end_date=end, version=expected_version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        self._write_semesters(year.id, terms)
        return replace(year, start_date=start, end_date=end, semesters=tuple(terms), version=expected_version + 1)

    def last_activity(self, school_id: str, year_id: str) -> date | None:
        """The latest enrolment or leave date in the year's classes (None without any)."""
        joined = enrolments.join(classes, classes.c.id == enrolments.c.class_id)
        latest_in = self._s.execute(
            select(func.max(enrolments.c.enrolled_on))
            .select_from(joined)
            .where(classes.c.school_id == school_id, classes.c.school_year_id == year_id)
        ).scalar()
        latest_out = self._s.execute(
            select(func.max(enrolments.c.left_on))
            .select_from(joined)
            .where(classes.c.school_id == school_id, classes.c.school_year_id == year_id)
        ).scalar()
        days = [d if isinstance(d, date) else date.fromisoformat(str(d)) for d in (latest_in, latest_out) if d]
        return max(days, default=None)

    def name_taken(self, school_id: str, name: str) -> bool:
        query = select(school_years.c.id).where(school_years.c.school_id == school_id, school_years.c.name == name)
        return self._s.execute(query).first() is not None

    def add(self, school_id: str, spec: SchoolYearSpec, terms: Sequence[Semester] = ()) -> SchoolYear:
        year = SchoolYear(str(uuid.uuid4()), school_id, spec.name, spec.start_date, spec.end_date, tuple(terms))
        self._s.execute(
            insert(school_years).values(
                id=year.id,
                school_id=school_id,
                name=year.name,
                start_date=year.start_date,
                end_date=year.end_date,
                created_at=datetime.now(UTC),
                version=1,
            )
        )
        self._write_semesters(year.id, terms)
        return year

    def list(self, school_id: str, page: PageRequest) -> list[SchoolYear] | None:
        query = select(school_years).where(school_years.c.school_id == school_id)
        if page.after_id:
            anchor = self.get(school_id, page.after_id)
            if anchor is None:
                return None
            query = query.where(school_years.c.name < anchor.name)
        rows = self._s.execute(query.order_by(school_years.c.name.desc()).limit(page.size + 1)).all()
        return self._with_semesters([_year(r) for r in rows])


def _year(row: Row[Any]) -> SchoolYear:
    m = row._mapping
    return SchoolYear(m["id"], m["school_id"], m["name"], m["start_date"], m["end_date"], version=int(m["version"]))


def _class_size() -> Any:
    return (
        select(func.count())
        .select_from(enrolments)
        .where(enrolments.c.class_id == classes.c.id, enrolments.c.left_on.is_(None))
        .scalar_subquery()
    )


class SqlAlchemyClassRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _select(self) -> Any:
        return select(classes, _class_size().label("size"), school_years.c.name.label("year_name")).join(
            school_years, school_years.c.id == classes.c.school_year_id
        )

    def get(self, school_id: str, class_id: str, *, for_update: bool = False) -> SchoolClass | None:
        if for_update:
            # Lock the class row first so two enrolments into the last seat are serialised
            # (PostgreSQL); SQLite writers are already serialised by BEGIN IMMEDIATE.
            locked = self._s.execute(
                select(classes.c.id).where(classes.c.school_id == school_id, classes.c.id == class_id).with_for_update()
            ).first()
            if locked is None:
                return None
        row = self._s.execute(self._select().where(classes.c.school_id == school_id, classes.c.id == class_id)).first()
        return _class(row) if row else None

    def name_taken(self, school_id: str, year_id: str, name: str) -> bool:
        query = select(classes.c.id).where(
            classes.c.school_id == school_id, classes.c.school_year_id == year_id, classes.c.name == name
        )
        return self._s.execute(query).first() is not None

    def add(self, school_id: str, year_id: str, spec: ClassSpec) -> SchoolClass:
        school_class = SchoolClass(
            str(uuid.uuid4()), school_id, year_id, spec.name, spec.grade_level, spec.max_size, room=spec.room
        )
        self._s.execute(
            insert(classes).values(
                id=school_class.id,
                school_id=school_id,
                school_year_id=year_id,
                name=spec.name,
                grade_level=spec.grade_level,
                max_size=spec.max_size,
                created_at=datetime.now(UTC),
                room=spec.room,
                version=1,
            )
        )
        return school_class

    def update(self, school_class: SchoolClass, changes: ClassChanges, expected_version: int) -> SchoolClass | None:
        """Write name, room and size limit if the stored version is still ``expected_version``."""
        result = self._s.execute(
            update(classes)
            .where(
                classes.c.school_id == school_class.school_id,
                classes.c.id == school_class.id,
                classes.c.version == expected_version,
            )
            .values(name=changes.name, room=changes.room, max_size=changes.max_size, version=expected_version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return replace(
            school_class,
            name=changes.name,
            room=changes.room,
            max_size=changes.max_size,
            version=expected_version + 1,
        )

    def list(
        self, school_id: str, year_id: str, page: PageRequest, only_ids: frozenset[str] | None = None
    ) -> list[SchoolClass] | None:
        order = [
            (school_years.c.name, False),
            (classes.c.grade_level, True),
            (classes.c.name, True),
            (classes.c.id, True),
        ]
        query = self._select().where(classes.c.school_id == school_id)
        if only_ids is not None:
            query = query.where(classes.c.id.in_(sorted(only_ids)))
        if year_id:
            query = query.where(classes.c.school_year_id == year_id)
        if page.after_id:
            anchor = self._s.execute(
                self._select().where(classes.c.school_id == school_id, classes.c.id == page.after_id)
            ).first()
            if anchor is None:
                return None
            a = anchor._mapping
            query = query.where(after(order, [a["year_name"], a["grade_level"], a["name"], a["id"]]))
        query = query.order_by(*[col if asc else col.desc() for col, asc in order]).limit(page.size + 1)
        return [_class(r) for r in self._s.execute(query).all()]


def _class(row: Row[Any]) -> SchoolClass:
    m = row._mapping
    return SchoolClass(
        id=m["id"],
        school_id=m["school_id"],
        school_year_id=m["school_year_id"],
        name=m["name"],
        grade_level=int(m["grade_level"]),
        max_size=int(m["max_size"]),
        size=int(m["size"]),
        room=m["room"] or "",
        version=int(m["version"]),
    )


_current = and_(enrolments.c.student_id == students.c.id, enrolments.c.left_on.is_(None))


class SqlAlchemyStudentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, school_id: str, student_id: str) -> Student | None:
        row = self._s.execute(
            select(students, enrolments.c.class_id, enrolments.c.created_at.label("enrolled_at"))
            .outerjoin(enrolments, _current)
            .where(students.c.school_id == school_id, students.c.id == student_id)
        ).first()
        return _student(row) if row else None

    def code_taken(self, school_id: str, code: str) -> bool:
        query = select(exists().where(students.c.school_id == school_id, students.c.student_code == code))
        return bool(self._s.execute(query).scalar())

    def next_code_number(self, school_id: str) -> int:
        seq = student_code_sequences
        current = self._s.execute(
            select(seq.c.last_value).where(seq.c.school_id == school_id).with_for_update()
        ).scalar()
        if current is None:
            self._s.execute(insert(seq).values(school_id=school_id, last_value=1))
            return 1
        self._s.execute(update(seq).where(seq.c.school_id == school_id).values(last_value=current + 1))
        return int(current) + 1

    def add(self, school_id: str, code: str, details: StudentDetails) -> Student:
        now = datetime.now(UTC)
        student = Student(
            id=str(uuid.uuid4()),
            school_id=school_id,
            student_code=code,
            full_name=details.full_name,
            date_of_birth=details.date_of_birth,
            gender=details.gender,
            version=1,
        )
        self._s.execute(
            insert(students).values(
                id=student.id,
                school_id=school_id,
                student_code=code,
                version=1,
                created_at=now,
                updated_at=now,
                **_detail_columns(details),
            )
        )
        return student

    def update_details(self, student: Student, details: StudentDetails, expected_version: int) -> Student | None:
        result = self._s.execute(
            update(students)
            .where(
                students.c.school_id == student.school_id,
                students.c.id == student.id,
                students.c.version == expected_version,
            )
            .values(version=expected_version + 1, updated_at=datetime.now(UTC), **_detail_columns(details))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return Student(
            id=student.id,
            school_id=student.school_id,
            student_code=student.student_code,
            full_name=details.full_name,
            date_of_birth=details.date_of_birth,
            gender=details.gender,
            version=expected_version + 1,
            class_id=student.class_id,
        )

    def enrol(self, student_id: str, school_class: SchoolClass, on: date) -> None:
        self._s.execute(
            insert(enrolments).values(
                id=str(uuid.uuid4()),
                school_id=school_class.school_id,
                student_id=student_id,
                class_id=school_class.id,
                enrolled_on=on,
                left_on=None,
                created_at=datetime.now(UTC),
            )
        )

    def list_in_class(self, school_id: str, class_id: str, page: PageRequest) -> list[tuple[Student, datetime]] | None:
        order = [(students.c.name_sort_key, True), (students.c.id, True)]
        query = (
            select(students, enrolments.c.class_id, enrolments.c.created_at.label("enrolled_at"))
            .join(enrolments, _current)
            .where(students.c.school_id == school_id, enrolments.c.class_id == class_id)
        )
        if page.after_id:
            anchor = self._s.execute(
                select(students.c.name_sort_key, students.c.id).where(
                    students.c.school_id == school_id, students.c.id == page.after_id
                )
            ).first()
            if anchor is None:
                return None
            query = query.where(after(order, list(anchor)))
        rows = self._s.execute(query.order_by(*[c for c, _ in order]).limit(page.size + 1)).all()
        return [(_student(r), utc(r._mapping["enrolled_at"])) for r in rows]

    def search(self, school_id: str, search: StudentSearch, page: PageRequest) -> list[Student] | None:
        order = [(students.c.name_sort_key, True), (students.c.id, True)]
        query = (
            select(students, enrolments.c.class_id, classes.c.name.label("class_name"))
            .outerjoin(enrolments, _current)
            .outerjoin(classes, classes.c.id == enrolments.c.class_id)
            .where(students.c.school_id == school_id)
        )
        matches: list[ColumnElement[bool]] = []
        if search.words:
            # One LIKE per folded word: the same rule as names.name_matches. A leading wildcard
            # cannot use a btree; on PostgreSQL a pg_trgm GIN index on full_name_search serves it.
            matches.append(
                and_(*[students.c.full_name_search.like(f"%{_like_escape(w)}%", escape="\\") for w in search.words])
            )
        if search.code:
            matches.append(students.c.student_code == search.code)
        if matches:
            query = query.where(or_(*matches))
        if search.class_id:
            query = query.where(enrolments.c.class_id == search.class_id)
        if search.school_year_id:
            query = query.where(classes.c.school_year_id == search.school_year_id)
        if search.only_class_ids is not None:
            query = query.where(enrolments.c.class_id.in_(sorted(search.only_class_ids)))
        if page.after_id:
            anchor = self._s.execute(
                select(students.c.name_sort_key, students.c.id).where(
                    students.c.school_id == school_id, students.c.id == page.after_id
                )
            ).first()
            if anchor is None:
                return None
            query = query.where(after(order, list(anchor)))
        rows = self._s.execute(query.order_by(*[c for c, _ in order]).limit(page.size + 1)).all()
        return [replace(_student(r), class_name=r._mapping["class_name"] or "") for r in rows]


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _detail_columns(details: StudentDetails) -> dict[str, Any]:
    return {
        "full_name": details.full_name,
        "full_name_search": fold(details.full_name),
        "name_sort_key": name_sort_key(details.full_name),
        "date_of_birth": details.date_of_birth,
        "gender": details.gender.value,
    }


def _student(row: Row[Any]) -> Student:
    m = row._mapping
    return Student(
        id=m["id"],
        school_id=m["school_id"],
        student_code=m["student_code"],
        full_name=m["full_name"],
        date_of_birth=m["date_of_birth"],
        gender=Gender(m["gender"]),
        version=int(m["version"]),
        class_id=m["class_id"] or "",
    )


class SqlAlchemyIdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, school_id: str, key: str) -> tuple[str, str] | None:
        row = self._s.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.student_id).where(
                idempotency_keys.c.school_id == school_id, idempotency_keys.c.idempotency_key == key
            )
        ).first()
        return (row[0], row[1]) if row else None

    def remember(self, school_id: str, key: str, fingerprint: str, student_id: str) -> None:
        self._s.execute(
            insert(idempotency_keys).values(
                school_id=school_id,
                idempotency_key=key,
                request_hash=fingerprint,
                student_id=student_id,
                created_at=datetime.now(UTC),
            )
        )
