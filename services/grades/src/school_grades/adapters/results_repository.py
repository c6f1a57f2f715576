"""SQLAlchemy adapter of the year results: reads the grade book (classes, programme, roster, cells)
and keeps the results tables, writing the events to the outbox in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.repositories import utc_or_none
from school_grades.adapters.tables import outbox, roster
from school_grades.adapters.tables_gradebook import cells, grade_classes, grade_years, period_locks, programmes
from school_grades.adapters.tables_results import supplementary_assessments, tieu_bieu_nominations, year_results
from school_grades.app.results_ports import (
    Cell,
    CnLock,
    Pupil,
    ResultClass,
    ResultsUnitOfWork,
    StoredNomination,
    StoredResult,
    StoredSupplementary,
)
from school_grades.domain.evaluation import Award, YearResult
from school_grades.domain.programme import Period, Programme, stored_or_shipped
from school_grades.domain.results import Basis, Decision, PrincipalDecision, Supplementary, SupplementaryOutcome
from school_grades.events.results_outbound import SERVICE, TOPIC, promotion_decided, year_result_computed
from schoolkit.db import transaction
from schoolkit.events.outbox import record_event


def _aware(value: datetime) -> datetime:
    out = utc_or_none(value)
    assert out is not None
    return out


class SqlAlchemyResultsRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- grade book (read) ---------------------------------------------------------------------------

    def class_facts(self, school_id: str, class_id: str) -> ResultClass | None:
        row = self._s.execute(
            select(grade_classes, grade_years.c.name.label("year_name"))
            .join(grade_years, grade_years.c.id == grade_classes.c.school_year_id, isouter=True)
            .where(grade_classes.c.id == class_id, grade_classes.c.school_id == school_id)
        ).first()
        if row is None:
            return None
        return ResultClass(row.id, row.name, int(row.grade_level), row.school_year_id, row.year_name or "")

    def programme(self, school_id: str, school_year_id: str, school_year_name: str) -> Programme:
        body = self._s.execute(
            select(programmes.c.body).where(
                programmes.c.school_id == school_id, programmes.c.school_year_id == school_year_id
            )
        ).scalar_one_or_none()
        return stored_or_shipped(body, school_year_name)

    def pupils(self, school_id: str, class_id: str) -> list[Pupil]:
        rows = self._s.execute(
            select(roster)
            .where(roster.c.school_id == school_id, roster.c.class_id == class_id)
            .order_by(roster.c.name_sort_key, roster.c.student_id)
        ).all()
        return [_pupil(r) for r in rows]

    def pupil(self, school_id: str, student_id: str) -> Pupil | None:
        row = self._s.execute(
            select(roster).where(roster.c.school_id == school_id, roster.c.student_id == student_id)
        ).first()
        return _pupil(row) if row is not None else None

    def cells(self, school_id: str, school_year_id: str, period: Period, student_ids: Sequence[str]) -> list[Cell]:
        if not student_ids:
            return []
        found: list[Cell] = []
        ids = list(student_ids)
        for start in range(0, len(ids), 500):  # keep the IN list within every database's limits
            rows = self._s.execute(
                select(cells.c.student_id, cells.c.item_code, cells.c.kind, cells.c.level, cells.c.score).where(
                    cells.c.school_id == school_id,
                    cells.c.school_year_id == school_year_id,
                    cells.c.period == period.value,
                    cells.c.student_id.in_(ids[start : start + 500]),
                )
            ).all()
            found += [Cell(r[0], r[1], r[2], r[3], None if r[4] is None else int(r[4])) for r in rows]
        return found

    # -- results ---------------------------------------------------------------------------------------

    def result(
        self, school_id: str, student_id: str, school_year_id: str, *, for_update: bool = False
    ) -> StoredResult | None:
        query = select(year_results).where(
            year_results.c.school_id == school_id,
            year_results.c.student_id == student_id,
            year_results.c.school_year_id == school_year_id,
        )
        row = self._s.execute(query.with_for_update() if for_update else query).first()
        return _result(row) if row is not None else None

    def latest_result(self, school_id: str, student_id: str, *, for_update: bool = False) -> StoredResult | None:
        query = (
            select(year_results)
            .where(year_results.c.school_id == school_id, year_results.c.student_id == student_id)
            .order_by(year_results.c.computed_at.desc())
            .limit(1)
        )
        row = self._s.execute(query.with_for_update() if for_update else query).first()
        return _result(row) if row is not None else None

    def results(self, school_id: str, class_id: str, school_year_id: str) -> list[StoredResult]:
        rows = self._s.execute(
            select(year_results).where(
                year_results.c.school_id == school_id,
                year_results.c.class_id == class_id,
                year_results.c.school_year_id == school_year_id,
            )
        ).all()
        return [_result(r) for r in rows]

    def cn_lock(self, school_id: str, class_id: str, *, for_update: bool = False) -> CnLock | None:
        query = select(period_locks.c.locked, period_locks.c.version).where(
            period_locks.c.school_id == school_id,
            period_locks.c.class_id == class_id,
            period_locks.c.period == Period.CN.value,
        )
        row = self._s.execute(query.with_for_update() if for_update else query).first()
        return CnLock(bool(row.locked), int(row.version)) if row is not None else None

    def save_result(self, result: StoredResult, *, updated_at: datetime) -> None:
        principal = result.principal
        values: dict[str, Any] = {
            "school_id": result.school_id,
            "class_id": result.class_id,
            "grade_level": result.grade_level,
            "computed_result": result.computed_result.value,
            "explanation": list(result.explanation),
            "result": result.result.value,
            "completes_grade": result.completes_grade,
            "award": result.award.value if result.award else None,
            "decision": result.decision.value if result.decision else None,
            "decision_basis": result.decision_basis.value if result.decision_basis else None,
            "principal_decision": principal.decision.value if principal else None,
            "decision_ref": principal.decision_ref if principal else "",
            "decided_on": principal.decided_on if principal else None,
            "decided_by": result.decided_by,
            "decided_by_name": result.decided_by_name,
            "version": result.version,
            "computed_at": result.computed_at,
            "computed_by": result.computed_by,
            "computed_by_name": result.computed_by_name[:100],
            "cn_lock_version": result.cn_lock_version,
            "updated_at": updated_at,
        }
        done = self._s.execute(
            update(year_results)
            .where(
                year_results.c.student_id == result.student_id,
                year_results.c.school_year_id == result.school_year_id,
            )
            .values(**values)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            self._s.execute(
                insert(year_results).values(
                    student_id=result.student_id, school_year_id=result.school_year_id, **values
                )
            )

    def supplementary(self, school_id: str, student_id: str, school_year_id: str) -> list[StoredSupplementary]:
        rows = self._s.execute(
            select(supplementary_assessments)
            .where(
                supplementary_assessments.c.school_id == school_id,
                supplementary_assessments.c.student_id == student_id,
                supplementary_assessments.c.school_year_id == school_year_id,
            )
            # The last assessment counts: by the day it took place, then by when it was entered.
            .order_by(
                supplementary_assessments.c.assessed_on,
                supplementary_assessments.c.recorded_at,
                supplementary_assessments.c.id,
            )
        ).all()
        return [
            StoredSupplementary(
                Supplementary(r.assessed_on, tuple(r.subjects), SupplementaryOutcome(r.outcome), r.note),
                r.recorded_by_name,
                _aware(r.recorded_at),
            )
            for r in rows
        ]

    def add_supplementary(
        self, school_id: str, student_id: str, school_year_id: str, record: StoredSupplementary, recorded_by: str
    ) -> None:
        a = record.assessment
        self._s.execute(
            insert(supplementary_assessments).values(
                id=str(uuid.uuid4()),
                school_id=school_id,
                student_id=student_id,
                school_year_id=school_year_id,
                assessed_on=a.assessed_on,
                subjects=list(a.subjects),
                outcome=a.outcome.value,
                note=a.note,
                recorded_by=recorded_by,
                recorded_by_name=record.recorded_by_name[:100],
                recorded_at=record.recorded_at,
            )
        )

    def nomination(self, school_id: str, student_id: str, school_year_id: str) -> StoredNomination | None:
        r = self._s.execute(
            select(tieu_bieu_nominations).where(
                tieu_bieu_nominations.c.school_id == school_id,
                tieu_bieu_nominations.c.student_id == student_id,
                tieu_bieu_nominations.c.school_year_id == school_year_id,
            )
        ).first()
        if r is None:
            return None
        return StoredNomination(
            r.evidence,
            bool(r.recognised_by_class),
            r.nominated_by,
            r.nominated_by_name,
            _aware(r.nominated_at),
            None if r.approved is None else bool(r.approved),
            r.approved_by,
            r.approved_by_name,
            utc_or_none(r.approved_at),
        )

    def save_nomination(
        self, school_id: str, student_id: str, school_year_id: str, nomination: StoredNomination
    ) -> None:
        self.delete_nomination(school_id, student_id, school_year_id)
        self._s.execute(
            insert(tieu_bieu_nominations).values(
                student_id=student_id,
                school_year_id=school_year_id,
                school_id=school_id,
                evidence=nomination.evidence,
                recognised_by_class=nomination.recognised_by_class,
                nominated_by=nomination.nominated_by,
                nominated_by_name=nomination.nominated_by_name[:100],
                nominated_at=nomination.nominated_at,
                approved=nomination.approved,
                approved_by=nomination.approved_by,
                approved_by_name=(nomination.approved_by_name or "")[:100] or None,
                approved_at=nomination.approved_at,
            )
        )

    def delete_nomination(self, school_id: str, student_id: str, school_year_id: str) -> None:
        self._s.execute(
            delete(tieu_bieu_nominations).where(
                tieu_bieu_nominations.c.school_id == school_id,
                tieu_bieu_nominations.c.student_id == student_id,
                tieu_bieu_nominations.c.school_year_id == school_year_id,
            )
        )

    def publish(self, result: StoredResult, *, result_changed: bool, decision_changed: bool) -> None:
        messages: list[Message] = []
        if result_changed:
            messages.append(year_result_computed(result))
        if decision_changed:
            messages.append(promotion_decided(result))
        for message in messages:
            record_event(
                self._s,
                outbox,
                topic=TOPIC,
                key=result.student_id,
                message=message,
                service=SERVICE,
                school_id=result.school_id,
                subject=result.student_id,
            )


def _pupil(row: Any) -> Pupil:
    return Pupil(row.student_id, row.student_code, row.full_name, row.class_id or "", row.left_on, row.left_status)


def _result(r: Any) -> StoredResult:
    principal = None
    if r.principal_decision and r.decided_on is not None:
        principal = PrincipalDecision(Decision(r.principal_decision), r.decision_ref, r.decided_on)
    return StoredResult(
        student_id=r.student_id,
        school_year_id=r.school_year_id,
        school_id=r.school_id,
        class_id=r.class_id,
        grade_level=int(r.grade_level),
        computed_result=YearResult(r.computed_result),
        explanation=tuple(r.explanation),
        result=YearResult(r.result),
        completes_grade=bool(r.completes_grade),
        award=Award(r.award) if r.award else None,
        decision=Decision(r.decision) if r.decision else None,
        decision_basis=Basis(r.decision_basis) if r.decision_basis else None,
        principal=principal,
        decided_by=r.decided_by,
        decided_by_name=r.decided_by_name,
        version=int(r.version),
        computed_at=_aware(r.computed_at),
        computed_by=r.computed_by,
        computed_by_name=r.computed_by_name,
        cn_lock_version=None if r.cn_lock_version is None else int(r.cn_lock_version),
    )


def results_unit_of_work(factory: sessionmaker[Session]) -> ResultsUnitOfWork:
    """A ResultsUnitOfWork: one transaction per use case, committed on a clean exit."""

    @contextmanager
    def unit() -> Iterator[SqlAlchemyResultsRepository]:
        with transaction(factory) as session:
            yield SqlAlchemyResultsRepository(session)

    return unit
