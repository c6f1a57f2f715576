"""SQLAlchemy repository of student movements: status, stays in classes and the movement log."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.orm import Session

from school_students.adapters.repositories import utc
from school_students.adapters.repositories_grade_outcomes import SqlAlchemyGradeOutcomeRepository
from school_students.adapters.tables import classes, enrolments, idempotency_keys, students
from school_students.adapters.tables_grade_outcomes import grade_outcomes
from school_students.adapters.tables_movements import (
    enrolment_movements,
    repeat_marks,
    student_movements,
    student_record_audit,
    student_statuses,
)
from school_students.adapters.tables_records import guardians, student_guardians, student_records
from school_students.app.ports import CurrentStay
from school_students.domain.movement_events import ClassRef, MovementRecord
from school_students.domain.movements import GradeOutcome, Kind, Status, Stay
from school_students.domain.school_class import SchoolClass


class SqlAlchemyMovementRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def status(self, school_id: str, student_id: str) -> tuple[Status | None, bool]:
        row = self._s.execute(
            select(student_statuses.c.status, student_statuses.c.transferred_in).where(
                student_statuses.c.school_id == school_id, student_statuses.c.student_id == student_id
            )
        ).first()
        if row is None:
            return None, False
        return Status(row[0]), bool(row[1])

    def set_status(self, school_id: str, student_id: str, status: Status, since: date, transferred_in: bool) -> None:
        values = {
            "status": status.value,
            "since": since,
            "transferred_in": transferred_in,
            "updated_at": datetime.now(UTC),
        }
        result = self._s.execute(
            update(student_statuses)
            .where(student_statuses.c.school_id == school_id, student_statuses.c.student_id == student_id)
            .values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            self._s.execute(insert(student_statuses).values(student_id=student_id, school_id=school_id, **values))

    def current_stay(self, school_id: str, student_id: str) -> CurrentStay | None:
        row = self._s.execute(
            select(enrolments.c.id, enrolments.c.class_id, enrolments.c.enrolled_on).where(
                enrolments.c.school_id == school_id,
                enrolments.c.student_id == student_id,
                enrolments.c.left_on.is_(None),
            )
        ).first()
        return CurrentStay(row[0], row[1], row[2]) if row else None

    def lock_student(self, school_id: str, student_id: str) -> None:
        """Hold the student's row until the transaction ends, so two movements of one child run one
        after the other and the second reads what the first wrote (SQLite's IMMEDIATE transactions
        already serialise writers; PostgreSQL needs the row lock)."""
        self._s.execute(
            select(students.c.id)
            .where(students.c.school_id == school_id, students.c.id == student_id)
            .with_for_update()
        )

    def leave(self, school_id: str, enrolment_id: str, on: date, kind: Kind) -> bool:
        result = self._s.execute(
            update(enrolments)
            .where(enrolments.c.school_id == school_id, enrolments.c.id == enrolment_id, enrolments.c.left_on.is_(None))
            .values(left_on=on)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            return False
        result = self._s.execute(
            update(enrolment_movements)
            .where(enrolment_movements.c.enrolment_id == enrolment_id)
            .values(left_by=kind.value)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            self._s.execute(
                insert(enrolment_movements).values(
                    enrolment_id=enrolment_id, school_id=school_id, joined_by=None, left_by=kind.value
                )
            )
        return True

    def join(self, student_id: str, school_class: SchoolClass, on: date, kind: Kind) -> None:
        enrolment_id = str(uuid.uuid4())
        self._s.execute(
            insert(enrolments).values(
                id=enrolment_id,
                school_id=school_class.school_id,
                student_id=student_id,
                class_id=school_class.id,
                enrolled_on=on,
                left_on=None,
                created_at=datetime.now(UTC),
            )
        )
        self._s.execute(
            insert(enrolment_movements).values(
                enrolment_id=enrolment_id, school_id=school_class.school_id, joined_by=kind.value, left_by=None
            )
        )

    def last_left_on(self, school_id: str, student_id: str) -> date | None:
        value = self._s.execute(
            select(func.max(enrolments.c.left_on)).where(
                enrolments.c.school_id == school_id, enrolments.c.student_id == student_id
            )
        ).scalar()
        return value if isinstance(value, date) else None

    def add(self, school_id: str, record: MovementRecord) -> None:
        seq = self._s.execute(
            select(func.coalesce(func.max(student_movements.c.seq), 0)).where(
                student_movements.c.school_id == school_id, student_movements.c.student_id == record.student_id
            )
        ).scalar_one()
        self._s.execute(
            insert(student_movements).values(
                id=record.id,
                school_id=school_id,
                student_id=record.student_id,
                kind=record.kind.value,
                effective_date=record.effective_date,
                reason_code=record.reason_code,
                note=record.note,
                status_before=record.status_before.value if record.status_before else None,
                status_after=record.status_after.value,
                from_class_id=record.from_class.id if record.from_class else None,
                to_class_id=record.to_class.id if record.to_class else None,
                details=record.details,
                recorded_by=record.recorded_by,
                recorded_at=record.recorded_at,
                seq=int(seq) + 1,
            )
        )

    def update_details(self, school_id: str, movement_id: str, details: dict[str, Any]) -> None:
        self._s.execute(
            update(student_movements)
            .where(student_movements.c.school_id == school_id, student_movements.c.id == movement_id)
            .values(details=details)
        )

    def history(self, school_id: str, student_id: str) -> list[MovementRecord]:
        rows = self._s.execute(
            select(student_movements)
            .where(student_movements.c.school_id == school_id, student_movements.c.student_id == student_id)
            .order_by(student_movements.c.seq)
        ).all()
        ids = {r._mapping["from_class_id"] for r in rows} | {r._mapping["to_class_id"] for r in rows}
        refs = self._class_refs(school_id, {i for i in ids if i})
        return [_record(r, refs) for r in rows]

    def _class_refs(self, school_id: str, ids: set[str]) -> dict[str, ClassRef]:
        if not ids:
            return {}
        rows = self._s.execute(
            select(classes.c.id, classes.c.name, classes.c.grade_level, classes.c.school_year_id).where(
                classes.c.school_id == school_id, classes.c.id.in_(sorted(ids))
            )
        ).all()
        return {r[0]: ClassRef(r[0], r[1], int(r[2]), r[3]) for r in rows}

    def stays(self, school_id: str, year_id: str) -> list[Stay]:
        rows = self._s.execute(
            select(
                enrolments.c.class_id,
                enrolments.c.enrolled_on,
                enrolments.c.left_on,
                enrolment_movements.c.joined_by,
                enrolment_movements.c.left_by,
            )
            .join(classes, classes.c.id == enrolments.c.class_id)
            .outerjoin(enrolment_movements, enrolment_movements.c.enrolment_id == enrolments.c.id)
            .where(enrolments.c.school_id == school_id, classes.c.school_year_id == year_id)
        ).all()
        return [Stay(r[0], r[1], r[2], Kind(r[3]) if r[3] else None, Kind(r[4]) if r[4] else None) for r in rows]

    # -- roll-over ----------------------------------------------------------------------------

    def pupils_of(self, school_id: str, class_id: str) -> list[tuple[str, CurrentStay]]:
        rows = self._s.execute(
            select(enrolments.c.student_id, enrolments.c.id, enrolments.c.class_id, enrolments.c.enrolled_on)
            .where(
                enrolments.c.school_id == school_id,
                enrolments.c.class_id == class_id,
                enrolments.c.left_on.is_(None),
            )
            .order_by(enrolments.c.student_id)
        ).all()
        return [(r[0], CurrentStay(r[1], r[2], r[3])) for r in rows]

    def set_repeat(
        self, school_id: str, student_id: str, year_id: str, repeat: bool, note: str, by: str, at: datetime
    ) -> None:
        self._s.execute(
            delete(repeat_marks).where(
                repeat_marks.c.school_id == school_id,
                repeat_marks.c.student_id == student_id,
                repeat_marks.c.school_year_id == year_id,
            )
        )
        if repeat:
            self._s.execute(
                insert(repeat_marks).values(
                    student_id=student_id,
                    school_year_id=year_id,
                    school_id=school_id,
                    note=note,
                    recorded_by=by,
                    recorded_at=at,
                )
            )

    def repeaters(self, school_id: str, year_id: str) -> frozenset[str]:
        rows = self._s.execute(
            select(repeat_marks.c.student_id).where(
                repeat_marks.c.school_id == school_id, repeat_marks.c.school_year_id == year_id
            )
        ).all()
        return frozenset(r[0] for r in rows)

    def grade_outcomes(self, school_id: str, year_id: str) -> dict[str, GradeOutcome]:
        return SqlAlchemyGradeOutcomeRepository(self._s).outcomes(school_id, year_id)

    # -- deletion and merge -------------------------------------------------------------------

    def history_size(self, school_id: str, student_id: str) -> tuple[int, int]:
        """(movements, enrolments) recorded for the student."""
        moves = self._s.execute(
            select(func.count()).where(
                student_movements.c.school_id == school_id, student_movements.c.student_id == student_id
            )
        ).scalar_one()
        stays = self._s.execute(
            select(func.count()).where(enrolments.c.school_id == school_id, enrolments.c.student_id == student_id)
        ).scalar_one()
        return int(moves), int(stays)

    def drop_stay(self, school_id: str, enrolment_id: str) -> None:
        """Remove a duplicate enrolment (merging two records of one child in the same class)."""
        self._s.execute(delete(enrolment_movements).where(enrolment_movements.c.enrolment_id == enrolment_id))
        self._s.execute(delete(enrolments).where(enrolments.c.school_id == school_id, enrolments.c.id == enrolment_id))

    def delete_student(self, school_id: str, student_id: str) -> None:
        own = select(enrolments.c.id).where(enrolments.c.school_id == school_id, enrolments.c.student_id == student_id)
        self._s.execute(delete(enrolment_movements).where(enrolment_movements.c.enrolment_id.in_(own)))
        self._s.execute(
            delete(enrolments).where(enrolments.c.school_id == school_id, enrolments.c.student_id == student_id)
        )
        self._s.execute(delete(student_movements).where(student_movements.c.student_id == student_id))
        self._s.execute(delete(student_statuses).where(student_statuses.c.student_id == student_id))
        self._s.execute(delete(repeat_marks).where(repeat_marks.c.student_id == student_id))
        self._s.execute(delete(grade_outcomes).where(grade_outcomes.c.student_id == student_id))
        self._s.execute(delete(idempotency_keys).where(idempotency_keys.c.student_id == student_id))
        # The record (hồ sơ) and the guardian links go with the student; a guardian no other child
        # has is removed too (the use case refused first if one signs in as a parent).
        linked = [
            row[0]
            for row in self._s.execute(
                select(student_guardians.c.guardian_id).where(student_guardians.c.student_id == student_id)
            )
        ]
        self._s.execute(delete(student_guardians).where(student_guardians.c.student_id == student_id))
        for guardian_id in linked:
            still = self._s.execute(
                select(func.count()).where(student_guardians.c.guardian_id == guardian_id)
            ).scalar_one()
            if not still:
                self._s.execute(delete(guardians).where(guardians.c.id == guardian_id))
        self._s.execute(delete(student_records).where(student_records.c.student_id == student_id))
        self._s.execute(delete(students).where(students.c.school_id == school_id, students.c.id == student_id))

    def move_record(self, school_id: str, from_student: str, to_student: str) -> None:
        """Merging: the kept record takes the merged one's record row when it has none of its own,
        and its guardian links (a guardian both already have stays linked once)."""
        has_own = self._s.execute(select(func.count()).where(student_records.c.student_id == to_student)).scalar_one()
        if not has_own:
            self._s.execute(
                update(student_records)
                .where(student_records.c.school_id == school_id, student_records.c.student_id == from_student)
                .values(student_id=to_student)
            )
        kept = {
            row[0]
            for row in self._s.execute(
                select(student_guardians.c.guardian_id).where(student_guardians.c.student_id == to_student)
            )
        }
        moving = select(student_guardians.c.guardian_id).where(student_guardians.c.student_id == from_student)
        for (guardian_id,) in self._s.execute(moving).all():
            if guardian_id in kept:
                self._s.execute(
                    delete(student_guardians).where(
                        student_guardians.c.student_id == from_student, student_guardians.c.guardian_id == guardian_id
                    )
                )
            else:
                self._s.execute(
                    update(student_guardians)
                    .where(
                        student_guardians.c.student_id == from_student, student_guardians.c.guardian_id == guardian_id
                    )
                    .values(student_id=to_student)
                )

    def move_history(self, school_id: str, from_student: str, to_student: str) -> None:
        """Re-point the enrolments, movements and marks of ``from_student`` to ``to_student``."""
        self._s.execute(
            update(enrolments)
            .where(enrolments.c.school_id == school_id, enrolments.c.student_id == from_student)
            .values(student_id=to_student)
        )
        offset = self._s.execute(
            select(func.coalesce(func.max(student_movements.c.seq), 0)).where(
                student_movements.c.student_id == to_student
            )
        ).scalar_one()
        self._s.execute(
            update(student_movements)
            .where(student_movements.c.school_id == school_id, student_movements.c.student_id == from_student)
            .values(student_id=to_student, seq=student_movements.c.seq + int(offset))
        )
        self._s.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.school_id == school_id, idempotency_keys.c.student_id == from_student)
            .values(student_id=to_student)
        )
        self._s.execute(delete(repeat_marks).where(repeat_marks.c.student_id == from_student))
        self._s.execute(delete(student_statuses).where(student_statuses.c.student_id == from_student))
        # Grades' results and decisions (issue 5) follow per year unless the kept record has its own.
        theirs = select(grade_outcomes.c.school_year_id).where(grade_outcomes.c.student_id == to_student)
        self._s.execute(
            delete(grade_outcomes).where(
                grade_outcomes.c.student_id == from_student, grade_outcomes.c.school_year_id.in_(theirs)
            )
        )
        self._s.execute(
            update(grade_outcomes).where(grade_outcomes.c.student_id == from_student).values(student_id=to_student)
        )

    def audit(
        self,
        school_id: str,
        action: str,
        student: tuple[str, str, str],
        surviving_id: str | None,
        reason: str,
        by: str,
        at: datetime,
    ) -> None:
        student_id, code, name = student
        self._s.execute(
            insert(student_record_audit).values(
                id=str(uuid.uuid4()),
                school_id=school_id,
                action=action,
                student_id=student_id,
                student_code=code,
                full_name=name,
                surviving_student_id=surviving_id,
                reason=reason,
                recorded_by=by,
                recorded_at=at,
            )
        )


def _record(row: Row[Any], refs: dict[str, ClassRef]) -> MovementRecord:
    m = row._mapping
    return MovementRecord(
        id=m["id"],
        student_id=m["student_id"],
        kind=Kind(m["kind"]),
        effective_date=m["effective_date"],
        reason_code=m["reason_code"],
        note=m["note"],
        status_before=Status(m["status_before"]) if m["status_before"] else None,
        status_after=Status(m["status_after"]),
        from_class=refs.get(m["from_class_id"] or ""),
        to_class=refs.get(m["to_class_id"] or ""),
        details=dict(m["details"] or {}),
        recorded_by=m["recorded_by"],
        recorded_at=utc(m["recorded_at"]),
    )
