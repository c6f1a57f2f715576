"""Moving a pupil's cells: carried to their record at another school after a transfer, re-pointed
when two records are merged, removed with a record deleted as entered by mistake (domain/history.py).
The change history (cell_changes) is never removed: it is the audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session

from school_grades.adapters.gradebook_repository import forget_pupil_answers
from school_grades.adapters.repositories import SqlAlchemyRosterRepository
from school_grades.adapters.tables import roster, roster_changes
from school_grades.adapters.tables_gradebook import (
    carried_histories,
    cell_changes,
    cells,
    grade_classes,
    grade_years,
    score_attempts,
)
from school_grades.adapters.tables_results import supplementary_assessments, tieu_bieu_nominations, year_results
from school_grades.domain.history import CARRY_REASON, TRANSFERRED_OUT, is_transfer_twin
from school_grades.domain.roster import RosterEntry

TRANSFERRED_IN_TYPE = "school.students.v1.StudentTransferredIn"
CELL_KEY = ("school_year_id", "period", "item_code")


class SqlAlchemyHistoryRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._roster = SqlAlchemyRosterRepository(session)

    # -- transfers between schools --------------------------------------------------------------

    def carry_after_arrival(self, arrived_id: str, now: datetime) -> int:
        """The pupil joined by transfer: carry the history of their departed record, if any."""
        arrived = self._roster.get(arrived_id)
        if arrived is None:
            return 0
        twins = [
            d for d in self._candidates(arrived.student_code, arrived.date_of_birth) if is_transfer_twin(d, arrived)
        ]
        return sum(self._carry(d, arrived, now) for d in twins)

    def carry_after_departure(self, departed_id: str, now: datetime) -> int:
        """The pupil left by transfer: if their new school's record arrived first, carry now."""
        departed = self._roster.get(departed_id)
        if departed is None or departed.left_status != TRANSFERRED_OUT:
            return 0
        carried = 0
        for arrived in self._candidates(departed.student_code, departed.date_of_birth):
            joined = arrived.left_on is None and self._arrived_by_transfer(arrived.student_id)
            if joined and is_transfer_twin(departed, arrived):
                carried += self._carry(departed, arrived, now)
        return carried

    def _candidates(self, code: str, born: Any) -> list[RosterEntry]:
        ids = self._s.execute(
            select(roster.c.student_id).where(roster.c.student_code == code, roster.c.date_of_birth == born)
        ).scalars()
        return [e for e in (self._roster.get(i) for i in ids) if e is not None]

    def _arrived_by_transfer(self, student_id: str) -> bool:
        query = select(
            exists().where(
                roster_changes.c.student_id == student_id, roster_changes.c.event_type == TRANSFERRED_IN_TYPE
            )
        )
        return bool(self._s.execute(query).scalar())

    def _carry(self, departed: RosterEntry, arrived: RosterEntry, now: datetime) -> int:
        """Copy the departed record's cells of the arriving class's school year (matched by name)."""
        done = self._s.execute(
            select(carried_histories.c.id).where(
                carried_histories.c.from_student_id == departed.student_id,
                carried_histories.c.to_student_id == arrived.student_id,
            )
        ).first()
        if done is not None or not arrived.class_id:
            return 0
        target = self._s.execute(
            select(grade_classes.c.school_year_id, grade_years.c.name)
            .join(grade_years, grade_years.c.id == grade_classes.c.school_year_id)
            .where(grade_classes.c.id == arrived.class_id)
        ).first()
        if target is None:
            return 0  # the class or its year is not known yet; the pupil's teachers enter by hand
        to_year_id, year_name = target
        source_years = select(grade_years.c.id).where(
            grade_years.c.school_id == departed.school_id, grade_years.c.name == year_name
        )
        rows = self._s.execute(
            select(cells).where(cells.c.student_id == departed.student_id, cells.c.school_year_id.in_(source_years))
        ).all()
        taken = {
            (r.period, r.item_code)
            for r in self._s.execute(
                select(cells.c.period, cells.c.item_code).where(
                    cells.c.student_id == arrived.student_id, cells.c.school_year_id == to_year_id
                )
            )
        }
        copied = 0
        for row in rows:
            if (row.period, row.item_code) in taken:
                continue  # the receiving school already assessed it: its own entry stands
            copied += 1
            self._s.execute(
                cells.insert().values(
                    school_id=arrived.school_id,
                    class_id=arrived.class_id,
                    student_id=arrived.student_id,
                    school_year_id=to_year_id,
                    period=row.period,
                    item_code=row.item_code,
                    kind=row.kind,
                    level=row.level,
                    score=row.score,
                    comment=row.comment,
                    version=1,
                    updated_by=row.updated_by,
                    updated_by_name=row.updated_by_name,
                    updated_at=now,
                )
            )
            for field in ("level", "score", "comment"):
                value = row._mapping[field]
                if value not in (None, ""):
                    self._s.execute(
                        cell_changes.insert().values(
                            school_id=arrived.school_id,
                            class_id=arrived.class_id,
                            student_id=arrived.student_id,
                            school_year_id=to_year_id,
                            period=row.period,
                            item_code=row.item_code,
                            field=field,
                            old_value=None,
                            new_value=str(value),
                            changed_by="svc:grades",
                            changed_by_name="",
                            changed_at=now,
                            reason=CARRY_REASON,
                        )
                    )
        self._s.execute(
            carried_histories.insert().values(
                from_student_id=departed.student_id,
                from_school_id=departed.school_id,
                to_student_id=arrived.student_id,
                to_school_id=arrived.school_id,
                school_year_name=year_name,
                cells_carried=copied,
                carried_at=now,
            )
        )
        return copied

    # -- merges and deletions within a school ---------------------------------------------------

    def repoint(self, merged_id: str, surviving_id: str) -> None:
        """A merge: the duplicate's cells, attempts and history become the kept record's; where
        both records hold the same cell, the kept record's entry stands."""
        for table, key in ((cells, CELL_KEY), (score_attempts, (*CELL_KEY, "attempt_no"))):
            for row in self._s.execute(select(table).where(table.c.student_id == merged_id)).all():
                same = and_(table.c.student_id == surviving_id, *(table.c[k] == row._mapping[k] for k in key))
                if self._s.execute(select(exists().where(same))).scalar():
                    self._s.execute(delete(table).where(table.c.id == row.id))
                else:
                    self._s.execute(table.update().where(table.c.id == row.id).values(student_id=surviving_id))
        self._s.execute(
            cell_changes.update().where(cell_changes.c.student_id == merged_id).values(student_id=surviving_id)
        )
        self._repoint_results(merged_id, surviving_id)
        forget_pupil_answers(self._s, merged_id)

    def _repoint_results(self, merged_id: str, surviving_id: str) -> None:
        """Year results (issue 5) follow the kept record per year; where the kept record already has
        that year's result, the duplicate's result, assessments and nomination go."""
        years = self._s.execute(
            select(year_results.c.school_year_id).where(year_results.c.student_id == merged_id)
        ).scalars()
        for year in list(years):
            kept = select(
                exists().where(year_results.c.student_id == surviving_id, year_results.c.school_year_id == year)
            )
            keep_theirs = bool(self._s.execute(kept).scalar())
            for table in (year_results, supplementary_assessments, tieu_bieu_nominations):
                mine = and_(table.c.student_id == merged_id, table.c.school_year_id == year)
                if keep_theirs:
                    self._s.execute(delete(table).where(mine))
                else:
                    self._s.execute(table.update().where(mine).values(student_id=surviving_id))

    def drop(self, student_id: str) -> None:
        """A record deleted as entered by mistake takes its cells and attempts along; the change
        history stays as the audit of what was entered."""
        self._s.execute(delete(score_attempts).where(score_attempts.c.student_id == student_id))
        self._s.execute(delete(cells).where(cells.c.student_id == student_id))
        forget_pupil_answers(self._s, student_id)  # stored save answers hold its levels and comments
        for table in (supplementary_assessments, tieu_bieu_nominations, year_results):
            self._s.execute(delete(table).where(table.c.student_id == student_id))
