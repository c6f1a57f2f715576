"""The archive chain in SQL: append in one transaction with its RecordArchived outbox rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.repositories import utc
from school_grades.adapters.tables import outbox
from school_grades.adapters.tables_records import archive_entries as t
from school_grades.app.records import ArchivedRecord, ConflictError
from school_grades.domain.archive import ArchiveEntry
from school_grades.events.records_outbound import SERVICE, TOPIC, record_archived
from schoolkit.db import read_only, transaction
from schoolkit.events.outbox import record_event


def _entry(row: Any) -> ArchiveEntry:
    return ArchiveEntry(
        sequence=row.sequence,
        school_id=row.school_id,
        school_year=row.school_year,
        period=row.period,
        kind=row.kind,
        name=row.name,
        file_sha256=row.file_sha256,
        previous_link=row.previous_link,
        link=row.link,
    )


def _record(row: Any) -> ArchivedRecord:
    at = utc(row.archived_at)
    return ArchivedRecord(
        entry=_entry(row),
        school_year_id=row.school_year_id,
        class_id=row.class_id,
        student_id=row.student_id,
        version=row.version,
        size_bytes=row.size_bytes,
        signer=row.signer,
        archived_at=at,
        archived_by=row.archived_by,
        archived_by_name=row.archived_by_name,
    )


class SqlAlchemyArchiveRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def chain(self, school_id: str) -> list[ArchiveEntry]:
        with read_only(self._sessions) as s:
            rows = s.execute(select(t).where(t.c.school_id == school_id).order_by(t.c.sequence))
            return [_entry(r) for r in rows]

    def records(
        self, school_id: str, *, school_year_id: str = "", class_id: str = "", after: int = 0, limit: int = 100
    ) -> list[ArchivedRecord]:
        query = select(t).where(t.c.school_id == school_id, t.c.sequence > after)
        if school_year_id:
            query = query.where(t.c.school_year_id == school_year_id)
        if class_id:
            query = query.where(t.c.class_id == class_id)
        with read_only(self._sessions) as s:
            return [_record(r) for r in s.execute(query.order_by(t.c.sequence).limit(limit))]

    def get(self, school_id: str, sequence: int) -> ArchivedRecord | None:
        with read_only(self._sessions) as s:
            row = s.execute(select(t).where(t.c.school_id == school_id, t.c.sequence == sequence)).first()
            return _record(row) if row else None

    def latest_version(
        self, school_id: str, school_year_id: str, period: str, kind: str, class_id: str, student_id: str
    ) -> int:
        with read_only(self._sessions) as s:
            value = s.execute(
                select(func.max(t.c.version)).where(
                    t.c.school_id == school_id,
                    t.c.school_year_id == school_year_id,
                    t.c.period == period,
                    t.c.kind == kind,
                    t.c.class_id == class_id,
                    t.c.student_id == student_id,
                )
            ).scalar()
            return int(value or 0)

    def append(
        self, school_id: str, build: Callable[[Sequence[ArchiveEntry]], list[ArchivedRecord]]
    ) -> list[ArchivedRecord]:
        try:
            with transaction(self._sessions) as s:
                rows = s.execute(select(t).where(t.c.school_id == school_id).order_by(t.c.sequence))
                records = build([_entry(r) for r in rows])
                for record in records:
                    s.execute(insert(t).values(**_values(record)))
                    record_event(
                        s,
                        outbox,
                        topic=TOPIC,
                        key=school_id,
                        message=record_archived(record),
                        service=SERVICE,
                        school_id=school_id,
                        subject=f"{school_id}/{record.entry.sequence}",
                    )
                return records
        except IntegrityError:
            # Another archive took the same sequence or version between our read and our commit.
            raise ConflictError(
                "Chuỗi lưu trữ vừa được người khác ghi thêm; hãy thử lại", {"class_id": "Hãy thử lại"}
            ) from None


def _values(record: ArchivedRecord) -> dict[str, object]:
    entry = record.entry
    return {
        "school_id": entry.school_id,
        "sequence": entry.sequence,
        "school_year_id": record.school_year_id,
        "school_year": entry.school_year,
        "period": entry.period,
        "kind": entry.kind,
        "class_id": record.class_id,
        "student_id": record.student_id,
        "version": record.version,
        "name": entry.name,
        "file_sha256": entry.file_sha256,
        "previous_link": entry.previous_link,
        "link": entry.link,
        "size_bytes": record.size_bytes,
        "signer": record.signer[:300],
        "archived_at": utc(record.archived_at),
        "archived_by": record.archived_by[:36],
        "archived_by_name": record.archived_by_name[:100],
    }
