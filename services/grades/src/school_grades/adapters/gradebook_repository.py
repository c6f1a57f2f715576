"""SQLAlchemy storage of the grade book (tables of adapters/tables_gradebook.py and the save
requests), and its unit of work: one transaction holding the cells, their history and the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import RowMapping, and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.checks_repository import hold_period, is_locked, reason_required
from school_grades.adapters.repositories import utc
from school_grades.adapters.structure_repository import SqlAlchemyStructureRepository
from school_grades.adapters.tables import outbox, roster
from school_grades.adapters.tables_gradebook import (
    cell_changes,
    cells,
    comment_bank,
    grade_classes,
    period_locks,
    period_windows,
    programmes,
    score_attempts,
)
from school_grades.adapters.tables_gradebook_saves import gradebook_requests
from school_grades.app.gradebook_ports import (
    Actor,
    Attempt,
    BankComment,
    CellKey,
    CellWrite,
    ChangeRow,
    ClassInfo,
    DuplicateKeyError,
    LockState,
    ScoreRecorded,
    SheetCells,
    StoredChange,
    StoredProgramme,
    YearInfo,
)
from school_grades.domain.gradebook import Window
from school_grades.domain.gradebook_cells import CellValue, Pupil, StoredCell
from school_grades.domain.programme import Period
from school_grades.events.gradebook_outbound import SERVICE, TOPIC, score_recorded_message
from schoolkit.db import read_only, transaction
from schoolkit.events.outbox import record_events

ANSWER_KEPT = timedelta(days=2)  # how long a save's answer is kept for its retries


class SqlAlchemyGradebookRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._structure = SqlAlchemyStructureRepository(session)

    # -- years, classes, programme, windows ---------------------------------------------------------

    def year(self, school_id: str, year_id: str) -> YearInfo | None:
        found = self._structure.year(school_id, year_id)
        return YearInfo(found.school_year_id, found.name, found.starts_on, found.ends_on) if found else None

    def class_info(self, school_id: str, class_id: str) -> ClassInfo | None:
        found = self._structure.class_facts(school_id, class_id)
        if found is None or found.year is None:
            return None
        year = found.year
        return ClassInfo(
            found.class_id,
            found.name,
            found.grade_level,
            YearInfo(year.school_year_id, year.name, year.starts_on, year.ends_on),
        )

    def programme(self, school_id: str, year_id: str) -> StoredProgramme | None:
        row = self._s.execute(
            select(programmes).where(programmes.c.school_id == school_id, programmes.c.school_year_id == year_id)
        ).first()
        if row is None:
            return None
        m = row._mapping
        # The row keeps the account id only, not a name to show.
        return StoredProgramme(m["body"], m["version"], "", utc(m["updated_at"]))

    def save_programme(
        self, school_id: str, year_id: str, body: str, expected_version: int, by: Actor, now: datetime
    ) -> bool:
        values = {"body": body, "updated_by": by.subject, "updated_at": now}
        if expected_version == 0:
            try:
                with self._s.begin_nested():
                    self._s.execute(
                        insert(programmes).values(school_id=school_id, school_year_id=year_id, version=1, **values)
                    )
            except IntegrityError:
                return False
            return True
        result = self._s.execute(
            update(programmes)
            .where(
                programmes.c.school_id == school_id,
                programmes.c.school_year_id == year_id,
                programmes.c.version == expected_version,
            )
            .values(version=expected_version + 1, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def windows(self, school_id: str, year_id: str) -> dict[Period, Window]:
        rows = self._s.execute(
            select(period_windows).where(
                period_windows.c.school_id == school_id, period_windows.c.school_year_id == year_id
            )
        ).all()
        return {Period(r.period): Window(r.opens_on, r.closes_on) for r in rows}

    def save_windows(
        self, school_id: str, year_id: str, windows: Mapping[Period, Window], by: Actor, now: datetime
    ) -> None:
        self._s.execute(
            delete(period_windows).where(
                period_windows.c.school_id == school_id, period_windows.c.school_year_id == year_id
            )
        )
        for period, window in windows.items():
            self._s.execute(
                insert(period_windows).values(
                    school_id=school_id,
                    school_year_id=year_id,
                    period=period.value,
                    opens_on=window.opens_on,
                    closes_on=window.closes_on,
                    updated_by=by.subject,
                    updated_at=now,
                )
            )

    # -- pupils and cells -------------------------------------------------------------------------

    def pupils(self, school_id: str, class_id: str) -> list[Pupil]:
        rows = self._s.execute(
            select(roster.c.student_id, roster.c.full_name, roster.c.student_code, roster.c.left_on)
            .where(roster.c.school_id == school_id, roster.c.class_id == class_id)
            .order_by(roster.c.name_sort_key, roster.c.student_id)
        ).all()
        return [Pupil(r.student_id, r.full_name, r.student_code, r.left_on) for r in rows]

    def sheet_cells(
        self,
        school_id: str,
        year_id: str,
        period: Period,
        student_ids: Iterable[str],
        item_codes: Iterable[str],
        *,
        for_update: bool = False,
    ) -> SheetCells:
        students, items = list(student_ids), list(item_codes)
        found = SheetCells()
        if not students or not items:
            return found
        query = select(cells).where(
            cells.c.school_id == school_id,
            cells.c.school_year_id == year_id,
            cells.c.period == period.value,
            cells.c.student_id.in_(students),
            cells.c.item_code.in_(items),
        )
        for row in self._s.execute(query.with_for_update() if for_update else query).all():
            m = row._mapping
            found.cells[(m["student_id"], m["item_code"])] = StoredCell(
                CellValue(m["level"] or "", m["score"], m["comment"] or ""),
                m["version"],
                m["updated_by_name"],
                utc(m["updated_at"]),
            )
        attempts = self._s.execute(
            select(score_attempts.c.student_id, score_attempts.c.item_code, score_attempts.c.attempt_no).where(
                score_attempts.c.school_id == school_id,
                score_attempts.c.school_year_id == year_id,
                score_attempts.c.period == period.value,
                score_attempts.c.student_id.in_(students),
                score_attempts.c.item_code.in_(items),
            )
        ).all()
        for a in attempts:
            key = (a.student_id, a.item_code)
            found.attempts[key] = max(found.attempts.get(key, 0), a.attempt_no)
        return found

    def write_cells(
        self,
        school_id: str,
        class_id: str,
        year_id: str,
        period: Period,
        writes: Sequence[CellWrite],
        by: Actor,
        now: datetime,
    ) -> dict[tuple[str, str], int | None]:
        """Every write in two statements (one executemany each for updates and inserts): a class's
        save costs about as much as one cell's. The cells were read FOR UPDATE in this transaction,
        so an update finds its version; a first insert may race another saver (then None)."""
        common = {"class_id": class_id, "updated_by": by.subject, "updated_by_name": by.name, "updated_at": now}
        done: dict[tuple[str, str], int | None] = {}
        updates = [w for w in writes if w.expected_version > 0]
        if updates:
            statement = (
                update(cells)
                .where(
                    cells.c.student_id == bindparam("b_student"),
                    cells.c.school_year_id == year_id,
                    cells.c.period == period.value,
                    cells.c.item_code == bindparam("b_item"),
                    cells.c.school_id == school_id,
                    cells.c.version == bindparam("b_expected"),
                )
                .values(
                    level=bindparam("b_level"),
                    score=bindparam("b_score"),
                    comment=bindparam("b_comment"),
                    version=bindparam("b_version"),
                    **common,
                )
            )
            params = [
                {
                    "b_student": w.key.student_id,
                    "b_item": w.key.item_code,
                    "b_expected": w.expected_version,
                    "b_level": w.value.level or None,
                    "b_score": w.value.score,
                    "b_comment": w.value.comment,
                    "b_version": w.expected_version + 1,
                }
                for w in updates
            ]
            result = self._s.connection().execute(statement, params)
            if result.rowcount != len(updates):
                # Another writer got between the locked read and this update (not expected): the
                # use case runs the save again from a fresh read, which reports the conflicts.
                raise DuplicateKeyError("a cell changed during the save")
            done.update({(w.key.student_id, w.key.item_code): w.expected_version + 1 for w in updates})
        inserts = [w for w in writes if w.expected_version == 0]
        rows = [
            {
                "school_id": school_id,
                "student_id": w.key.student_id,
                "school_year_id": year_id,
                "period": period.value,
                "item_code": w.key.item_code,
                "kind": w.kind.value,
                "level": w.value.level or None,
                "score": w.value.score,
                "comment": w.value.comment,
                "version": 1,
                **common,
            }
            for w in inserts
        ]
        if rows:
            try:
                # A savepoint: a concurrent first insert of one of these cells is a conflict for that
                # cell, not a failure of the save (on PostgreSQL a failed statement ends the transaction).
                with self._s.begin_nested():
                    self._s.execute(insert(cells), rows)
                done.update({(w.key.student_id, w.key.item_code): 1 for w in inserts})
            except IntegrityError:
                for w, row in zip(inserts, rows, strict=True):
                    try:
                        with self._s.begin_nested():
                            self._s.execute(insert(cells).values(**row))
                        done[(w.key.student_id, w.key.item_code)] = 1
                    except IntegrityError:
                        done[(w.key.student_id, w.key.item_code)] = None
        return done

    def add_changes(
        self,
        school_id: str,
        class_id: str,
        year_id: str,
        period: Period,
        rows: Iterable[ChangeRow],
        by: Actor,
        now: datetime,
    ) -> None:
        values = [
            {
                "school_id": school_id,
                "class_id": class_id,
                "student_id": r.student_id,
                "school_year_id": year_id,
                "period": period.value,
                "item_code": r.item_code,
                "field": r.field,
                "old_value": r.old_value or None,
                "new_value": r.new_value or None,
                "changed_by": by.subject,
                "changed_by_name": by.name,
                "changed_at": now,
                "reason": r.reason or None,
                "request_id": by.request_id[:64] or None,
            }
            for r in rows
        ]
        if values:
            self._s.execute(insert(cell_changes), values)

    def lock_state(self, school_id: str, class_id: str, period: Period) -> LockState:
        # The lock tables belong to the checks (LockService); read them the way it does.
        return LockState(
            locked=is_locked(self._s, class_id, period.value), reopened=reason_required(self._s, class_id, period.value)
        )

    def year_has_lock(self, school_id: str, year_id: str) -> bool:
        locked = exists().where(
            period_locks.c.school_id == school_id,
            period_locks.c.locked.is_(True),
            period_locks.c.class_id.in_(
                select(grade_classes.c.id).where(
                    grade_classes.c.school_id == school_id, grade_classes.c.school_year_id == year_id
                )
            ),
        )
        return bool(self._s.execute(select(locked)).scalar())

    def hold_period(self, school_id: str, class_id: str, period: Period) -> None:
        hold_period(self._s, school_id, class_id, period.value)

    # -- attempts and history ---------------------------------------------------------------------

    def attempts(self, school_id: str, student_id: str, year_id: str, period: Period, item_code: str) -> list[Attempt]:
        rows = self._s.execute(
            select(score_attempts)
            .where(
                score_attempts.c.school_id == school_id,
                score_attempts.c.student_id == student_id,
                score_attempts.c.school_year_id == year_id,
                score_attempts.c.period == period.value,
                score_attempts.c.item_code == item_code,
            )
            .order_by(score_attempts.c.attempt_no)
        ).all()
        return [
            Attempt(r.attempt_no, r.score, r.raw_total or "", r.is_retest, r.reason or "", utc(r.recorded_at))
            for r in rows
        ]

    def add_attempt(
        self,
        school_id: str,
        student_id: str,
        year_id: str,
        period: Period,
        item_code: str,
        attempt: Attempt,
        by: Actor,
    ) -> None:
        self._s.execute(
            insert(score_attempts).values(
                school_id=school_id,
                student_id=student_id,
                school_year_id=year_id,
                period=period.value,
                item_code=item_code,
                attempt_no=attempt.attempt_no,
                score=attempt.score,
                raw_total=attempt.raw_total or None,
                is_retest=attempt.is_retest,
                reason=attempt.reason,
                recorded_by=by.subject,
                recorded_at=attempt.recorded_at,
            )
        )

    def correct_attempt(
        self, school_id: str, key: CellKey, year_id: str, period: Period, score: int | None, by: Actor, now: datetime
    ) -> None:
        where = (
            score_attempts.c.school_id == school_id,
            score_attempts.c.student_id == key.student_id,
            score_attempts.c.school_year_id == year_id,
            score_attempts.c.period == period.value,
            score_attempts.c.item_code == key.item_code,
        )
        if score is None:
            self._s.execute(delete(score_attempts).where(*where))
            return
        last = select(func.max(score_attempts.c.attempt_no)).where(*where).scalar_subquery()
        self._s.execute(
            update(score_attempts)
            .where(*where, score_attempts.c.attempt_no == last)
            .values(score=score, raw_total=None, recorded_by=by.subject, recorded_at=now)
        )

    def changes(
        self, school_id: str, student_id: str, year_id: str, period: Period, item_code: str
    ) -> list[StoredChange]:
        rows = self._s.execute(
            select(cell_changes)
            .where(
                cell_changes.c.school_id == school_id,
                cell_changes.c.student_id == student_id,
                cell_changes.c.school_year_id == year_id,
                cell_changes.c.period == period.value,
                cell_changes.c.item_code == item_code,
            )
            .order_by(cell_changes.c.id)
        ).all()
        return [
            StoredChange(
                r.field, r.old_value or "", r.new_value or "", r.changed_by_name, utc(r.changed_at), r.reason or ""
            )
            for r in rows
        ]

    # -- comment bank -----------------------------------------------------------------------------

    def comments(self, school_id: str, owner_id: str, item_code: str) -> list[BankComment]:
        query = select(comment_bank).where(
            comment_bank.c.school_id == school_id, comment_bank.c.owner_id.in_(["", owner_id])
        )
        if item_code:
            query = query.where(or_(comment_bank.c.item_code == item_code, comment_bank.c.item_code == ""))
        rows = self._s.execute(query.order_by(comment_bank.c.owner_id, comment_bank.c.text).limit(500)).all()
        return [_comment(r._mapping) for r in rows]

    def add_comment(self, school_id: str, owner_id: str, item_code: str, text: str, now: datetime) -> BankComment:
        comment = BankComment(str(uuid.uuid4()), owner_id, item_code, text, now)
        self._s.execute(
            insert(comment_bank).values(
                id=comment.id, school_id=school_id, owner_id=owner_id, item_code=item_code, text=text, created_at=now
            )
        )
        return comment

    def get_comment(self, school_id: str, comment_id: str) -> BankComment | None:
        row = self._s.execute(
            select(comment_bank).where(comment_bank.c.school_id == school_id, comment_bank.c.id == comment_id)
        ).first()
        return _comment(row._mapping) if row else None

    def delete_comment(self, school_id: str, comment_id: str) -> None:
        self._s.execute(
            delete(comment_bank).where(and_(comment_bank.c.school_id == school_id, comment_bank.c.id == comment_id))
        )

    # -- idempotency and events -------------------------------------------------------------------

    def saved_answer(self, school_id: str, actor: str, key: str) -> tuple[str, str] | None:
        row = self._s.execute(
            select(gradebook_requests.c.fingerprint, gradebook_requests.c.answer).where(
                gradebook_requests.c.school_id == school_id,
                gradebook_requests.c.actor == actor,
                gradebook_requests.c.idempotency_key == key,
            )
        ).first()
        return (row.fingerprint, row.answer) if row else None

    def remember_answer(
        self,
        school_id: str,
        actor: str,
        key: str,
        fingerprint: str,
        answer: str,
        student_ids: Iterable[str],
        now: datetime,
    ) -> None:
        # A retry comes within minutes; older answers (with their levels and comments) are dropped.
        self._s.execute(
            delete(gradebook_requests).where(
                gradebook_requests.c.school_id == school_id,
                gradebook_requests.c.actor == actor,
                gradebook_requests.c.created_at < now - ANSWER_KEPT,
            )
        )
        self._s.execute(
            insert(gradebook_requests).values(
                school_id=school_id,
                actor=actor,
                idempotency_key=key,
                fingerprint=fingerprint,
                answer=answer,
                student_ids=f" {' '.join(sorted(set(student_ids)))} ",
                created_at=now,
            )
        )

    def emit(self, school_id: str, events: Sequence[ScoreRecorded]) -> None:
        messages = [score_recorded_message(school_id, e) for e in events]
        record_events(self._s, outbox, messages, topic=TOPIC, service=SERVICE, school_id=school_id)


def forget_pupil_answers(session: Session, student_id: str) -> None:
    """Drop the stored save answers naming a pupil (their comments and scores), for a record that is
    deleted or merged away: a retry of such an old save then simply runs again."""
    session.execute(
        delete(gradebook_requests).where(gradebook_requests.c.student_ids.contains(f" {student_id} ", autoescape=True))
    )


def _comment(m: RowMapping) -> BankComment:
    created = m["created_at"]
    assert isinstance(created, datetime)
    return BankComment(str(m["id"]), str(m["owner_id"]), str(m["item_code"]), str(m["text"]), utc(created))


def gradebook_unit_of_work(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """The app's GradebookUnitOfWork: a transaction (read-only when asked) and its repository."""

    @contextmanager
    def open_(readonly: bool) -> Iterator[SqlAlchemyGradebookRepository]:
        try:
            with (read_only if readonly else transaction)(factory) as session:
                yield SqlAlchemyGradebookRepository(session)
        except IntegrityError as err:
            raise DuplicateKeyError(str(err.orig)) from err

    return open_
