"""SQLAlchemy repositories of the student record, guardians and enrolment history (tenant-filtered)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, and_, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from school_students.adapters.repositories import _student
from school_students.adapters.tables import classes, enrolments, school_years, students
from school_students.adapters.tables_records import guardians, student_guardians, student_records
from school_students.app.records_ports import ClassSummary, EnrolmentEntry
from school_students.domain.guardian import Guardian, GuardianDetails
from school_students.domain.record import DEFAULT_NATIONALITY, Address, StudentRecord
from school_students.domain.student import Student

_current = and_(enrolments.c.student_id == students.c.id, enrolments.c.left_on.is_(None))


def _record(student: Student, row: Any | None) -> StudentRecord:
    if row is None:
        return StudentRecord(student.full_name, student.date_of_birth, student.gender)
    m = row._mapping
    return StudentRecord(
        full_name=student.full_name,
        date_of_birth=student.date_of_birth,
        gender=student.gender,
        csdl_id=m["csdl_id"] or "",
        citizen_id=m["citizen_id"],
        ethnicity=m["ethnicity"],
        religion=m["religion"],
        nationality=m["nationality"] or DEFAULT_NATIONALITY,
        place_of_birth=m["place_of_birth"],
        permanent_address=Address(m["permanent_province"], m["permanent_commune"], m["permanent_detail"]),
        current_address=Address(m["current_province"], m["current_commune"], m["current_detail"]),
        policy_categories=tuple(c for c in m["policy_categories"].split(",") if c),
        disability_type=m["disability_type"],
        has_iep=bool(m["has_iep"]),
    )


def _record_columns(record: StudentRecord) -> dict[str, Any]:
    return {
        "csdl_id": record.csdl_id or None,
        "citizen_id": record.citizen_id,
        "ethnicity": record.ethnicity,
        "religion": record.religion,
        "nationality": record.nationality,
        "place_of_birth": record.place_of_birth,
        "permanent_province": record.permanent_address.province_code,
        "permanent_commune": record.permanent_address.commune,
        "permanent_detail": record.permanent_address.detail,
        "current_province": record.current_address.province_code,
        "current_commune": record.current_address.commune,
        "current_detail": record.current_address.detail,
        "policy_categories": ",".join(record.policy_categories),
        "disability_type": record.disability_type,
        "has_iep": record.has_iep,
        "updated_at": datetime.now(UTC),
    }


class SqlAlchemyRecordRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, school_id: str, student: Student) -> StudentRecord:
        row = self._s.execute(
            select(student_records).where(
                student_records.c.school_id == school_id, student_records.c.student_id == student.id
            )
        ).first()
        return _record(student, row)

    def save(self, school_id: str, student_id: str, record: StudentRecord) -> None:
        values = _record_columns(record)
        result = self._s.execute(
            update(student_records)
            .where(student_records.c.school_id == school_id, student_records.c.student_id == student_id)
            .values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            self._s.execute(insert(student_records).values(student_id=student_id, school_id=school_id, **values))

    def csdl_id_taken(self, school_id: str, csdl_id: str, other_than: str) -> bool:
        query = select(
            exists().where(
                student_records.c.school_id == school_id,
                student_records.c.csdl_id == csdl_id,
                student_records.c.student_id != other_than,
            )
        )
        return bool(self._s.execute(query).scalar())

    def citizen_id_taken(self, school_id: str, citizen_id: str, other_than: str) -> bool:
        query = select(
            exists().where(
                student_records.c.school_id == school_id,
                student_records.c.citizen_id == citizen_id,
                student_records.c.student_id != other_than,
            )
        )
        return bool(self._s.execute(query).scalar())

    def history(self, school_id: str, student_id: str) -> list[EnrolmentEntry]:
        rows = self._s.execute(
            select(
                enrolments.c.class_id,
                enrolments.c.enrolled_on,
                enrolments.c.left_on,
                classes.c.name,
                classes.c.grade_level,
                classes.c.school_year_id,
                school_years.c.name.label("year_name"),
            )
            .join(classes, classes.c.id == enrolments.c.class_id)
            .join(school_years, school_years.c.id == classes.c.school_year_id)
            .where(enrolments.c.school_id == school_id, enrolments.c.student_id == student_id)
            .order_by(enrolments.c.enrolled_on.desc(), enrolments.c.created_at.desc())
        ).all()
        return [
            EnrolmentEntry(
                class_id=r.class_id,
                class_name=r.name,
                grade_level=int(r.grade_level),
                school_year_id=r.school_year_id,
                school_year_name=r.year_name,
                enrolled_on=r.enrolled_on,
                left_on=r.left_on,
            )
            for r in rows
        ]

    def in_class(self, school_id: str, class_id: str) -> list[tuple[Student, StudentRecord]]:
        rows = self._s.execute(
            select(students, enrolments.c.class_id, *[c.label(f"r_{c.name}") for c in student_records.c])
            .join(enrolments, _current)
            .outerjoin(student_records, student_records.c.student_id == students.c.id)
            .where(students.c.school_id == school_id, enrolments.c.class_id == class_id)
            .order_by(students.c.name_sort_key, students.c.id)
        ).all()
        result = []
        for row in rows:
            student = _student(row)
            m = row._mapping
            stored = _Prefixed(m) if m["r_student_id"] is not None else None
            result.append((student, _record(student, stored)))
        return result

    def classes_of_year(self, school_id: str, school_year_id: str) -> list[ClassSummary]:
        rows = self._s.execute(
            select(classes.c.id, classes.c.name, classes.c.grade_level)
            .where(classes.c.school_id == school_id, classes.c.school_year_id == school_year_id)
            .order_by(classes.c.grade_level, classes.c.name)
        ).all()
        return [ClassSummary(r.id, r.name, int(r.grade_level)) for r in rows]


class _Prefixed:
    """A joined row's record columns (labelled ``r_<name>``) seen under their own names."""

    def __init__(self, mapping: Any) -> None:
        self._mapping = {c.name: mapping[f"r_{c.name}"] for c in student_records.c}


def _guardian(row: Row[Any], relation: str = "") -> Guardian:
    m = row._mapping
    return Guardian(
        id=m["id"],
        school_id=m["school_id"],
        details=GuardianDetails(
            full_name=m["full_name"],
            relation=relation,
            phone=m["phone"],
            birth_year=int(m["birth_year"]),
            occupation=m["occupation"],
            email=m["email"],
            address=m["address"],
        ),
        version=int(m["version"]),
        parent_account_id=m["parent_account_id"] or "",
    )


class SqlAlchemyGuardianRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def of_student(self, school_id: str, student_id: str) -> list[Guardian]:
        rows = self._s.execute(
            select(guardians, student_guardians.c.relation)
            .join(student_guardians, student_guardians.c.guardian_id == guardians.c.id)
            .where(student_guardians.c.school_id == school_id, student_guardians.c.student_id == student_id)
            .order_by(student_guardians.c.created_at, guardians.c.id)
        ).all()
        return [_guardian(r, r._mapping["relation"]) for r in rows]

    def of_class(self, school_id: str, class_id: str) -> dict[str, list[GuardianDetails]]:
        rows = self._s.execute(
            select(guardians, student_guardians.c.relation, student_guardians.c.student_id.label("sid"))
            .join(student_guardians, student_guardians.c.guardian_id == guardians.c.id)
            .join(
                enrolments,
                and_(enrolments.c.student_id == student_guardians.c.student_id, enrolments.c.left_on.is_(None)),
            )
            .where(student_guardians.c.school_id == school_id, enrolments.c.class_id == class_id)
        ).all()
        found: dict[str, list[GuardianDetails]] = {}
        for r in rows:
            found.setdefault(r._mapping["sid"], []).append(_guardian(r, r._mapping["relation"]).details)
        return found

    def get(self, school_id: str, guardian_id: str) -> Guardian | None:
        row = self._s.execute(
            select(guardians).where(guardians.c.school_id == school_id, guardians.c.id == guardian_id)
        ).first()
        return _guardian(row) if row else None

    def add(self, school_id: str, details: GuardianDetails) -> Guardian:
        now = datetime.now(UTC)
        guardian = Guardian(id=str(uuid.uuid4()), school_id=school_id, details=details, version=1)
        self._s.execute(
            insert(guardians).values(
                id=guardian.id,
                school_id=school_id,
                parent_account_id=None,
                version=1,
                created_at=now,
                updated_at=now,
                **_guardian_columns(details),
            )
        )
        return guardian

    def update(self, guardian: Guardian, details: GuardianDetails, expected_version: int) -> Guardian | None:
        result = self._s.execute(
            update(guardians)
            .where(
                guardians.c.school_id == guardian.school_id,
                guardians.c.id == guardian.id,
                guardians.c.version == expected_version,
            )
            .values(version=expected_version + 1, updated_at=datetime.now(UTC), **_guardian_columns(details))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return Guardian(
            id=guardian.id,
            school_id=guardian.school_id,
            details=details,
            version=expected_version + 1,
            parent_account_id=guardian.parent_account_id,
        )

    def link(self, school_id: str, student_id: str, guardian_id: str, relation: str) -> None:
        self._s.execute(
            insert(student_guardians).values(
                student_id=student_id,
                guardian_id=guardian_id,
                school_id=school_id,
                relation=relation,
                created_at=datetime.now(UTC),
            )
        )

    def set_relation(self, school_id: str, student_id: str, guardian_id: str, relation: str) -> None:
        self._s.execute(
            update(student_guardians)
            .where(
                student_guardians.c.school_id == school_id,
                student_guardians.c.student_id == student_id,
                student_guardians.c.guardian_id == guardian_id,
            )
            .values(relation=relation)
        )

    def unlink(self, school_id: str, student_id: str, guardian_id: str) -> bool:
        result = self._s.execute(
            delete(student_guardians).where(
                student_guardians.c.school_id == school_id,
                student_guardians.c.student_id == student_id,
                student_guardians.c.guardian_id == guardian_id,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        if not self.student_ids(school_id, guardian_id):
            self._s.execute(delete(guardians).where(guardians.c.school_id == school_id, guardians.c.id == guardian_id))
        return True

    def set_account(self, school_id: str, guardian_id: str, account_id: str | None) -> None:
        self._s.execute(
            update(guardians)
            .where(guardians.c.school_id == school_id, guardians.c.id == guardian_id)
            .values(parent_account_id=account_id, updated_at=datetime.now(UTC))
        )

    def student_ids(self, school_id: str, guardian_id: str) -> list[str]:
        rows = self._s.execute(
            select(student_guardians.c.student_id)
            .where(student_guardians.c.school_id == school_id, student_guardians.c.guardian_id == guardian_id)
            .order_by(student_guardians.c.student_id)
        ).all()
        return [r[0] for r in rows]

    def children_of_account(self, school_id: str, account_id: str) -> list[str]:
        rows = self._s.execute(
            select(student_guardians.c.student_id)
            .distinct()
            .join(guardians, guardians.c.id == student_guardians.c.guardian_id)
            .where(guardians.c.school_id == school_id, guardians.c.parent_account_id == account_id)
            .order_by(student_guardians.c.student_id)
        ).all()
        return [r[0] for r in rows]


def _guardian_columns(details: GuardianDetails) -> dict[str, Any]:
    return {
        "full_name": details.full_name,
        "phone": details.phone,
        "birth_year": details.birth_year,
        "occupation": details.occupation,
        "email": details.email,
        "address": details.address,
    }
