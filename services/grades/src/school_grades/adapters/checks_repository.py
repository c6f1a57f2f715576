"""SQLAlchemy side of the checks and locks (app.checks.ChecksStore) over the foundation's tables:
grade_classes and grade_years (structure), roster, cells, cell_changes, period_locks, lock_log,
programmes; each lock or unlock also writes its event to the outbox in the same transaction.

``is_locked`` and ``reason_required`` are the two questions the grade book's writes ask (helper A):
plain functions over the caller's session, so the answer is read in the write's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import checks_events_pb2
from school_grades.adapters.repositories import utc, utc_or_none
from school_grades.adapters.tables import outbox, roster
from school_grades.adapters.tables_gradebook import (
    cell_changes,
    cells,
    grade_classes,
    grade_years,
    lock_log,
    period_locks,
    programmes,
)
from school_grades.app.checks import (
    ChecksStore,
    ClassInfo,
    ConflictError,
    LockChange,
    LockLogEntry,
    LockState,
    YearInfo,
)
from school_grades.domain.checks import ITEMS_GROUP, Entered, Pupil
from school_grades.domain.programme import Period, Programme, stored_or_shipped
from schoolkit.db import read_only, transaction
from schoolkit.events.outbox import record_event

TOPIC = "school.grades.v1"
SERVICE = "grades"
CONFLICT = "Trạng thái khóa vừa được người khác thay đổi; hãy tải lại trang và thử lại"


def is_locked(session: Session, class_id: str, period: str) -> bool:
    """Whether the class's period is locked now (the grade book refuses every write while it is)."""
    locked = session.execute(
        select(period_locks.c.locked).where(period_locks.c.class_id == class_id, period_locks.c.period == period)
    ).scalar_one_or_none()
    return bool(locked)


def reason_required(session: Session, class_id: str, period: str) -> bool:
    """Whether a write to this class's period must state a reason: it was locked once and has been
    unlocked since (the newest lock-log entry is an UNLOCK), so every change after it is a correction."""
    last = session.execute(
        select(lock_log.c.action)
        .where(lock_log.c.class_id == class_id, lock_log.c.period == period)
        .order_by(lock_log.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return last == "UNLOCK"


def hold_period(session: Session, school_id: str, class_id: str, period: str) -> None:
    """Take the class period's lock row FOR UPDATE in the caller's transaction (creating it unlocked
    when missing): grade book saves and locks/unlocks both come through here, so on PostgreSQL a
    save cannot read "unlocked" and then write after a lock committed over a complete period.
    SQLite transactions already take the database's write lock (BEGIN IMMEDIATE)."""
    where = (period_locks.c.class_id == class_id, period_locks.c.period == period)
    found = session.execute(select(period_locks.c.version).where(*where).with_for_update()).first()
    if found is not None:
        return
    try:
        # Version 1, unlocked: the same as no row to every reader; a lock then updates it.
        with session.begin_nested():
            session.execute(
                insert(period_locks).values(
                    school_id=school_id, class_id=class_id, period=period, locked=False, version=1
                )
            )
    except IntegrityError:
        pass  # a concurrent saver created it first: wait for their transaction below
    session.execute(select(period_locks.c.version).where(*where).with_for_update()).first()


class SqlAlchemyChecksStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- structure and programme ---------------------------------------------------------------

    def school_class(self, school_id: str, class_id: str) -> ClassInfo | None:
        row = self._s.execute(
            select(grade_classes).where(grade_classes.c.id == class_id, grade_classes.c.school_id == school_id)
        ).one_or_none()
        return ClassInfo(row.id, row.school_id, row.school_year_id, row.name, row.grade_level) if row else None

    def classes(self, school_id: str, school_year_id: str, grade_level: int) -> list[ClassInfo]:
        query = select(grade_classes).where(
            grade_classes.c.school_id == school_id, grade_classes.c.school_year_id == school_year_id
        )
        if grade_level:
            query = query.where(grade_classes.c.grade_level == grade_level)
        rows = self._s.execute(query.order_by(grade_classes.c.grade_level, grade_classes.c.name)).all()
        return [ClassInfo(r.id, r.school_id, r.school_year_id, r.name, r.grade_level) for r in rows]

    def year_name(self, school_id: str, school_year_id: str) -> str | None:
        return self._s.execute(
            select(grade_years.c.name).where(grade_years.c.id == school_year_id, grade_years.c.school_id == school_id)
        ).scalar_one_or_none()

    def years(self, school_id: str) -> list[YearInfo]:
        rows = self._s.execute(
            select(grade_years)
            .where(grade_years.c.school_id == school_id)
            .order_by(grade_years.c.starts_on.desc(), grade_years.c.id)
        ).all()
        return [YearInfo(r.id, r.name, r.starts_on, r.ends_on) for r in rows]

    def programme(self, school_id: str, school_year_id: str) -> Programme:
        body = self._s.execute(
            select(programmes.c.body).where(
                programmes.c.school_id == school_id, programmes.c.school_year_id == school_year_id
            )
        ).scalar_one_or_none()
        return stored_or_shipped(body, self.year_name(school_id, school_year_id) or "")

    # -- roster and cells ----------------------------------------------------------------------

    def pupils(self, school_id: str, class_id: str) -> list[Pupil]:
        rows = self._s.execute(
            select(roster.c.student_id, roster.c.student_code, roster.c.full_name)
            .where(roster.c.school_id == school_id, roster.c.class_id == class_id, roster.c.left_on.is_(None))
            .order_by(roster.c.name_sort_key, roster.c.student_id)
        ).all()
        return [Pupil(r.student_id, r.student_code, r.full_name) for r in rows]

    def cells(
        self, school_id: str, school_year_id: str, period: Period, student_ids: Sequence[str]
    ) -> dict[tuple[str, str], Entered]:
        if not student_ids:
            return {}
        rows = self._s.execute(
            select(cells.c.student_id, cells.c.item_code, cells.c.level, cells.c.score).where(
                cells.c.school_id == school_id,
                cells.c.school_year_id == school_year_id,
                cells.c.period == period.value,
                cells.c.student_id.in_(list(student_ids)),
            )
        ).all()
        return {(r.student_id, r.item_code): Entered(r.level, r.score) for r in rows}

    def followed(self, school_id: str, school_year_id: str, student_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        if not student_ids:
            return {}
        rows = self._s.execute(
            select(cells.c.student_id, cells.c.item_code)
            .where(
                cells.c.school_id == school_id,
                cells.c.school_year_id == school_year_id,
                cells.c.kind == "SUBJECT",
                cells.c.student_id.in_(list(student_ids)),
            )
            .distinct()
        ).all()
        found: dict[str, set[str]] = {}
        for r in rows:
            found.setdefault(r.student_id, set()).add(r.item_code)
        return {k: frozenset(v) for k, v in found.items()}

    def entered_by(self, school_id: str, class_id: str, school_year_id: str, period: Period) -> dict[str, str]:
        rows = self._s.execute(
            select(cells.c.item_code, cells.c.kind, cells.c.updated_by_name)
            .where(
                cells.c.school_id == school_id,
                cells.c.class_id == class_id,
                cells.c.school_year_id == school_year_id,
                cells.c.period == period.value,
            )
            .order_by(cells.c.updated_at, cells.c.id)
        ).all()
        names: dict[str, str] = {}
        for r in rows:  # oldest first, so the newest name wins
            if r.updated_by_name:
                names[ITEMS_GROUP if r.kind == "ITEM" else r.item_code] = r.updated_by_name
        return names

    # -- locks ---------------------------------------------------------------------------------

    def lock(self, school_id: str, class_id: str, period: Period) -> LockState:
        row = self._s.execute(
            select(period_locks).where(
                period_locks.c.school_id == school_id,
                period_locks.c.class_id == class_id,
                period_locks.c.period == period.value,
            )
        ).one_or_none()
        if row is None:
            return LockState(locked=False)
        name = ""
        if row.locked:
            name = (
                self._s.execute(
                    select(lock_log.c.actor_name)
                    .where(
                        lock_log.c.class_id == class_id, lock_log.c.period == period.value, lock_log.c.action == "LOCK"
                    )
                    .order_by(lock_log.c.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
                or ""
            )
        return LockState(row.locked, utc_or_none(row.locked_at), row.locked_by or "", name, row.version)

    def hold(self, school_id: str, class_id: str, period: Period) -> None:
        hold_period(self._s, school_id, class_id, period.value)

    def changed_cells(self, school_id: str, class_id: str, school_year_id: str, period: Period, actor: str) -> bool:
        changed = exists().where(
            cell_changes.c.school_id == school_id,
            cell_changes.c.class_id == class_id,
            cell_changes.c.school_year_id == school_year_id,
            cell_changes.c.period == period.value,
            cell_changes.c.changed_by == actor,
        )
        # The cells themselves too: the last writer of a cell entered it even if its history row is elsewhere.
        wrote = exists().where(
            cells.c.school_id == school_id,
            cells.c.class_id == class_id,
            cells.c.school_year_id == school_year_id,
            cells.c.period == period.value,
            cells.c.updated_by == actor,
        )
        return bool(self._s.execute(select(changed)).scalar()) or bool(self._s.execute(select(wrote)).scalar())

    def save_lock(self, change: LockChange) -> LockState:
        c = change.school_class
        locking = change.action == "LOCK"
        values: dict[str, object] = {
            "locked": locking,
            "locked_at": change.at if locking else None,
            "locked_by": change.actor if locking else None,
        }
        if change.expected_version == 0:
            try:
                with self._s.begin_nested():
                    self._s.execute(
                        insert(period_locks).values(
                            school_id=c.school_id, class_id=c.class_id, period=change.period.value, version=1, **values
                        )
                    )
            except IntegrityError:
                raise ConflictError(CONFLICT, {"period": CONFLICT}) from None
            version = 1
        else:
            result = self._s.execute(
                update(period_locks)
                .where(
                    period_locks.c.class_id == c.class_id,
                    period_locks.c.period == change.period.value,
                    period_locks.c.version == change.expected_version,
                )
                .values(version=change.expected_version + 1, **values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise ConflictError(CONFLICT, {"period": CONFLICT})
            version = change.expected_version + 1
        self._s.execute(
            insert(lock_log).values(
                school_id=c.school_id,
                class_id=c.class_id,
                period=change.period.value,
                action=change.action,
                actor=change.actor,
                actor_name=change.actor_name,
                at=change.at,
                reason=change.reason or None,
            )
        )
        at = Timestamp()
        at.FromDatetime(change.at)
        keys = {
            "school_id": c.school_id,
            "school_year_id": c.school_year_id,
            "school_year_name": change.school_year_name,
            "class_id": c.class_id,
            "class_name": c.name,
            "period": change.period.value,
        }
        message = (
            checks_events_pb2.PeriodLocked(**keys, locked_by=change.actor, locked_at=at)
            if locking
            else checks_events_pb2.PeriodUnlocked(**keys, unlocked_by=change.actor, unlocked_at=at)
        )
        record_event(
            self._s, outbox, topic=TOPIC, key=c.class_id, message=message, service=SERVICE, school_id=c.school_id
        )
        return LockState(
            locking, change.at if locking else None, change.actor if locking else "", change.actor_name, version
        )

    def lock_log(
        self, school_id: str, school_year_id: str, class_ids: Sequence[str] | None, limit: int
    ) -> list[LockLogEntry]:
        query = (
            select(lock_log, grade_classes.c.name.label("class_name"))
            .join(grade_classes, grade_classes.c.id == lock_log.c.class_id)
            .where(lock_log.c.school_id == school_id, grade_classes.c.school_year_id == school_year_id)
        )
        if class_ids is not None:
            if not class_ids:
                return []
            query = query.where(lock_log.c.class_id.in_(list(class_ids)))
        rows = self._s.execute(query.order_by(lock_log.c.id.desc()).limit(limit)).all()
        return [
            LockLogEntry(
                r.class_id,
                r.class_name,
                r.period,
                r.action,
                r.actor,
                r.actor_name,
                utc(r.at),
                r.reason or "",
            )
            for r in rows
        ]


def checks_store_factory(sessions: sessionmaker[Session]) -> Callable[[bool], AbstractContextManager[ChecksStore]]:
    """Adapt a session factory to app.checks.StoreFactory: read-only or read-write transactions."""

    @contextmanager
    def open_store(readonly: bool) -> Iterator[ChecksStore]:
        with read_only(sessions) if readonly else transaction(sessions) as session:
            yield SqlAlchemyChecksStore(session)

    return open_store
