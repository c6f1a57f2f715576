"""SQLAlchemy roster repository: tenant-filtered reads, upserts and the change log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, and_, exists, insert, or_, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.tables import roster, roster_changes
from school_grades.domain.names import roster_sort_key
from school_grades.domain.roster import RosterEntry
from schoolkit.db import read_only
from schoolkit.pagination import PageRequest


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    """utc() for a column that may be NULL."""
    return None if value is None else utc(value)


class SqlAlchemyRosterRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, student_id: str, *, for_update: bool = False) -> RosterEntry | None:
        query = select(roster).where(roster.c.student_id == student_id)
        row = self._s.execute(query.with_for_update() if for_update else query).first()
        return _entry(row) if row else None

    def save(self, entry: RosterEntry) -> None:
        values = {
            "school_id": entry.school_id,
            "class_id": entry.class_id,
            "class_name": entry.class_name,
            "student_code": entry.student_code,
            "full_name": entry.full_name,
            "name_sort_key": roster_sort_key(entry.full_name),
            "date_of_birth": entry.date_of_birth,
            "last_event_seq": entry.last_event_seq,
            "updated_at": entry.updated_at,
            "left_on": entry.left_on,
            "left_status": entry.left_status,
        }
        result = self._s.execute(update(roster).where(roster.c.student_id == entry.student_id).values(**values))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            self._s.execute(insert(roster).values(student_id=entry.student_id, **values))

    def delete(self, student_id: str) -> None:
        self._s.execute(sa_delete(roster).where(roster.c.student_id == student_id))

    def change_applied(self, event_id: str) -> bool:
        return bool(self._s.execute(select(exists().where(roster_changes.c.event_id == event_id))).scalar())

    def log_change(self, event_id: str, student_id: str, event_type: str, seq: int | None, at: datetime) -> None:
        self._s.execute(
            insert(roster_changes).values(
                event_id=event_id, student_id=student_id, event_type=event_type, event_seq=seq, applied_at=at
            )
        )

    def list_class(self, school_id: str, class_id: str, page: PageRequest) -> list[RosterEntry] | None:
        query = select(roster).where(
            roster.c.school_id == school_id, roster.c.class_id == class_id, roster.c.left_on.is_(None)
        )
        if page.after_id:
            anchor = self._s.execute(
                select(roster.c.name_sort_key, roster.c.student_id).where(
                    roster.c.school_id == school_id, roster.c.student_id == page.after_id
                )
            ).first()
            if anchor is None:
                return None
            key, sid = anchor
            query = query.where(
                or_(roster.c.name_sort_key > key, and_(roster.c.name_sort_key == key, roster.c.student_id > sid))
            )
        query = query.order_by(roster.c.name_sort_key, roster.c.student_id).limit(page.size + 1)
        return [_entry(r) for r in self._s.execute(query).all()]

    def class_belongs_elsewhere(self, school_id: str, class_id: str) -> bool:
        found = self._s.execute(
            select(roster.c.student_id).where(roster.c.class_id == class_id, roster.c.school_id != school_id).limit(1)
        ).first()
        return found is not None


def _entry(row: Row[Any]) -> RosterEntry:
    m = row._mapping
    return RosterEntry(
        student_id=m["student_id"],
        school_id=m["school_id"],
        student_code=m["student_code"],
        full_name=m["full_name"],
        date_of_birth=m["date_of_birth"],
        class_id=m["class_id"],
        class_name=m["class_name"],
        last_event_seq=m["last_event_seq"],
        updated_at=utc(m["updated_at"]),
        left_on=m["left_on"],
        left_status=m["left_status"],
    )


class SqlAlchemyRosterReader:
    """The app's RosterReader: a read-only transaction (no SQLite write lock) per query."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    @contextmanager
    def __call__(self) -> Iterator[SqlAlchemyRosterRepository]:
        with read_only(self._factory) as session:
            yield SqlAlchemyRosterRepository(session)
