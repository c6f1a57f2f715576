"""Year results and promotion decisions published by grades: written by the consumer, read by the roll-over."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from school_students.adapters.tables_grade_outcomes import grade_outcomes
from school_students.domain.movements import GradeOutcome, Promotion


class SqlAlchemyGradeOutcomeRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _row(self, student_id: str, year_id: str) -> Any:
        return self._s.execute(
            select(grade_outcomes)
            .where(grade_outcomes.c.student_id == student_id, grade_outcomes.c.school_year_id == year_id)
            .with_for_update()
        ).first()

    def _write(self, key: tuple[str, str], found: Any, values: dict[str, Any]) -> None:
        values["updated_at"] = datetime.now(UTC)
        student_id, year_id = key
        if found is None:
            base: dict[str, Any] = {
                "result": None,
                "completes_grade": None,
                "result_version": 0,
                "decision": None,
                "basis": "",
                "decision_ref": "",
                "decided_on": None,
                "decision_version": 0,
            }
            self._s.execute(
                insert(grade_outcomes).values(**{**base, **values, "student_id": student_id, "school_year_id": year_id})
            )
        else:
            self._s.execute(
                update(grade_outcomes)
                .where(grade_outcomes.c.student_id == student_id, grade_outcomes.c.school_year_id == year_id)
                .values(**values)
            )

    def record_result(
        self,
        *,
        school_id: str,
        student_id: str,
        year_id: str,
        class_id: str,
        grade_level: int,
        result: str,
        completes_grade: bool,
        version: int,
    ) -> bool:
        """Keep the result unless a newer one is stored already (events of one pupil arrive in
        order, but a replay of the topic must not bring an old result back). False when ignored."""
        found = self._row(student_id, year_id)
        if found is not None and found.result_version > version:
            return False
        self._write(
            (student_id, year_id),
            found,
            {
                "school_id": school_id,
                "class_id": class_id,
                "grade_level": grade_level,
                "result": result,
                "completes_grade": completes_grade,
                "result_version": version,
            },
        )
        return True

    def record_decision(
        self,
        *,
        school_id: str,
        student_id: str,
        year_id: str,
        class_id: str,
        grade_level: int,
        decision: Promotion | None,
        basis: str,
        decision_ref: str,
        decided_on: date | None,
        version: int,
    ) -> bool:
        found = self._row(student_id, year_id)
        if found is not None and found.decision_version > version:
            return False
        self._write(
            (student_id, year_id),
            found,
            {
                "school_id": school_id,
                "class_id": class_id,
                "grade_level": grade_level,
                "decision": decision.value if decision else None,
                "basis": basis,
                "decision_ref": decision_ref,
                "decided_on": decided_on,
                "decision_version": version,
            },
        )
        return True

    def outcomes(self, school_id: str, year_id: str) -> dict[str, GradeOutcome]:
        rows = self._s.execute(
            select(
                grade_outcomes.c.student_id,
                grade_outcomes.c.completes_grade,
                grade_outcomes.c.decision,
                grade_outcomes.c.decision_ref,
            ).where(grade_outcomes.c.school_id == school_id, grade_outcomes.c.school_year_id == year_id)
        ).all()
        return {
            r[0]: GradeOutcome(
                completes_grade=r[1] if r[1] is None else bool(r[1]),
                decision=Promotion(r[2]) if r[2] else None,
                decision_ref=r[3],
            )
            for r in rows
        }
