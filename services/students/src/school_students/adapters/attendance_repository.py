"""SQLAlchemy repository of attendance: every query is filtered by the caller's school (tenant)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from school_students.adapters.repositories import utc
from school_students.adapters.tables import classes, enrolments, students
from school_students.adapters.tables_attendance import (
    absence_alerts,
    attendance_corrections,
    attendance_days,
    attendance_marks,
)
from school_students.app.attendance_ports import (
    HistoryDay,
    Membership,
    MonthMarks,
    OpenAlert,
    RecordedDay,
    Recorder,
    StoredCorrection,
)
from school_students.domain.attendance import AlertRule, Correction, Counts, Entry, Mark, Member, count


class SqlAlchemyAttendanceRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- who is in the class ------------------------------------------------------------------------

    def members_between(self, school_id: str, class_id: str, first: date, last: date) -> list[Membership]:
        # An enrolment covers [enrolled_on, left_on): in the class from the day they joined until
        # the day before they left. Transfers and drop-outs only need to set left_on.
        rows = self._s.execute(
            select(
                students.c.id,
                students.c.student_code,
                students.c.full_name,
                enrolments.c.enrolled_on,
                enrolments.c.left_on,
            )
            .join(enrolments, enrolments.c.student_id == students.c.id)
            .where(
                students.c.school_id == school_id,
                enrolments.c.school_id == school_id,
                enrolments.c.class_id == class_id,
                enrolments.c.enrolled_on <= last,
                or_(enrolments.c.left_on.is_(None), enrolments.c.left_on > first),
            )
            .order_by(students.c.name_sort_key, students.c.id, enrolments.c.enrolled_on)
        ).all()
        return [Membership(Member(r[0], r[1], r[2]), r[3], r[4]) for r in rows]

    # -- days ---------------------------------------------------------------------------------------

    def get_day(self, school_id: str, class_id: str, day: date) -> RecordedDay | None:
        row = self._s.execute(
            select(attendance_days).where(
                attendance_days.c.school_id == school_id,
                attendance_days.c.class_id == class_id,
                attendance_days.c.day == day,
            )
        ).first()
        if row is None:
            return None
        marks = self._s.execute(
            select(attendance_marks.c.student_id, attendance_marks.c.mark, attendance_marks.c.note).where(
                attendance_marks.c.day_id == row._mapping["id"]
            )
        ).all()
        return _day(row, {m[0]: Entry(Mark(m[1]), m[2]) for m in marks})

    def insert_day(
        self, school_id: str, class_id: str, day: date, entries: dict[str, Entry], by: Recorder, now: datetime
    ) -> RecordedDay:
        day_id = str(uuid.uuid4())
        totals = count(entries.values())
        self._s.execute(
            insert(attendance_days).values(
                id=day_id,
                school_id=school_id,
                class_id=class_id,
                day=day,
                version=1,
                **_count_columns(totals),
                recorded_by=by.subject,
                recorded_by_name=by.name,
                recorded_at=now,
                updated_by=by.subject,
                updated_by_name=by.name,
                updated_at=now,
            )
        )
        self._write_marks(day_id, school_id, class_id, day, entries)
        return RecordedDay(day_id, class_id, day, 1, dict(entries), totals, by.name, now, by.name, now)

    def update_day(
        self, recorded: RecordedDay, school_id: str, entries: dict[str, Entry], by: Recorder, now: datetime
    ) -> RecordedDay | None:
        totals = count(entries.values())
        result = self._s.execute(
            update(attendance_days)
            .where(
                attendance_days.c.school_id == school_id,
                attendance_days.c.id == recorded.id,
                attendance_days.c.version == recorded.version,
            )
            .values(
                version=recorded.version + 1,
                **_count_columns(totals),
                updated_by=by.subject,
                updated_by_name=by.name,
                updated_at=now,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        self._s.execute(delete(attendance_marks).where(attendance_marks.c.day_id == recorded.id))
        self._write_marks(recorded.id, school_id, recorded.class_id, recorded.day, entries)
        return RecordedDay(
            recorded.id,
            recorded.class_id,
            recorded.day,
            recorded.version + 1,
            dict(entries),
            totals,
            recorded.recorded_by_name,
            recorded.recorded_at,
            by.name,
            now,
        )

    def _write_marks(self, day_id: str, school_id: str, class_id: str, day: date, entries: dict[str, Entry]) -> None:
        if not entries:
            return
        self._s.execute(
            insert(attendance_marks),
            [
                {
                    "day_id": day_id,
                    "school_id": school_id,
                    "student_id": student_id,
                    "class_id": class_id,
                    "day": day,
                    "mark": entry.mark.value,
                    "note": entry.note,
                }
                for student_id, entry in entries.items()
            ],
        )

    def add_corrections(
        self, school_id: str, day_id: str, corrections: list[Correction], by: Recorder, now: datetime
    ) -> None:
        if not corrections:
            return
        self._s.execute(
            insert(attendance_corrections),
            [
                {
                    "id": str(uuid.uuid4()),
                    "school_id": school_id,
                    "day_id": day_id,
                    "student_id": c.student_id,
                    "old_mark": c.old.value,
                    "new_mark": c.new.value,
                    "reason": c.reason,
                    "corrected_by": by.subject,
                    "corrected_by_name": by.name,
                    "corrected_at": now,
                }
                for c in corrections
            ],
        )

    def corrections(self, school_id: str, day_id: str) -> list[StoredCorrection]:
        c = attendance_corrections.c
        rows = self._s.execute(
            select(c.student_id, c.old_mark, c.new_mark, c.reason, c.corrected_by_name, c.corrected_at)
            .where(c.school_id == school_id, c.day_id == day_id)
            .order_by(c.corrected_at, c.id)
        ).all()
        return [StoredCorrection(r[0], r[1], r[2], r[3], r[4], utc(r[5])) for r in rows]

    # -- ranges -------------------------------------------------------------------------------------

    def class_marks(self, school_id: str, class_id: str, first: date, last: date) -> MonthMarks:
        result = MonthMarks()
        d = attendance_days.c
        for row in self._s.execute(
            select(d.day, d.enrolled, d.present, d.excused, d.unexcused, d.late).where(
                d.school_id == school_id, d.class_id == class_id, d.day >= first, d.day <= last
            )
        ).all():
            result.days[row[0]] = Counts(row[1], row[2], row[3], row[4], row[5])
        m = attendance_marks.c
        for mark_row in self._s.execute(
            select(m.student_id, m.day, m.mark).where(
                m.school_id == school_id, m.class_id == class_id, m.day >= first, m.day <= last
            )
        ).all():
            result.marks[(mark_row[0], mark_row[1])] = mark_row[2]
        return result

    def student_marks(self, school_id: str, student_id: str, first: date, last: date) -> dict[date, str]:
        m = attendance_marks.c
        rows = self._s.execute(
            select(m.day, m.mark).where(
                m.school_id == school_id, m.student_id == student_id, m.day >= first, m.day <= last
            )
        ).all()
        return {r[0]: r[1] for r in rows}

    def history(self, school_id: str, student_id: str, limit: int) -> list[HistoryDay]:
        m = attendance_marks.c
        rows = self._s.execute(
            select(m.day, m.class_id, classes.c.name, m.mark, m.note)
            .join(classes, classes.c.id == m.class_id)
            .where(m.school_id == school_id, m.student_id == student_id)
            .order_by(m.day.desc())
            .limit(limit)
        ).all()
        return [HistoryDay(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # -- alerts -------------------------------------------------------------------------------------

    def open_alerts(
        self,
        school_id: str,
        *,
        class_id: str = "",
        student_id: str = "",
        only_class_ids: frozenset[str] | None = None,
    ) -> list[OpenAlert]:
        a = absence_alerts.c
        query = (
            select(a.id, a.student_id, students.c.student_code, students.c.full_name, a.class_id, classes.c.name)
            .add_columns(a.rule, a.raised_on, a.count)
            .join(students, students.c.id == a.student_id)
            .join(classes, classes.c.id == a.class_id)
            .where(and_(a.school_id == school_id, a.resolved_on.is_(None)))
        )
        if class_id:
            query = query.where(a.class_id == class_id)
        if student_id:
            query = query.where(a.student_id == student_id)
        if only_class_ids is not None:
            query = query.where(a.class_id.in_(sorted(only_class_ids)))
        rows = self._s.execute(query.order_by(a.raised_on.desc(), classes.c.name, students.c.name_sort_key)).all()
        return [_alert(r) for r in rows]

    def raise_alert(
        self, school_id: str, student_id: str, class_id: str, rule: AlertRule, on: date, count: int, now: datetime
    ) -> None:
        self._s.execute(
            insert(absence_alerts).values(
                id=str(uuid.uuid4()),
                school_id=school_id,
                student_id=student_id,
                class_id=class_id,
                rule=rule.value,
                raised_on=on,
                count=count,
                resolved_on=None,
                created_at=now,
            )
        )

    def resolve_alert(self, school_id: str, alert_id: str, on: date) -> None:
        self._s.execute(
            update(absence_alerts)
            .where(absence_alerts.c.school_id == school_id, absence_alerts.c.id == alert_id)
            .values(resolved_on=on)
        )


def _count_columns(totals: Counts) -> dict[str, int]:
    return {
        "enrolled": totals.enrolled,
        "present": totals.present,
        "excused": totals.excused,
        "unexcused": totals.unexcused,
        "late": totals.late,
    }


def _day(row: Row[Any], entries: dict[str, Entry]) -> RecordedDay:
    m = row._mapping
    return RecordedDay(
        id=m["id"],
        class_id=m["class_id"],
        day=m["day"],
        version=int(m["version"]),
        entries=entries,
        counts=Counts(m["enrolled"], m["present"], m["excused"], m["unexcused"], m["late"]),
        recorded_by_name=m["recorded_by_name"],
        recorded_at=utc(m["recorded_at"]),
        updated_by_name=m["updated_by_name"],
        updated_at=utc(m["updated_at"]),
    )


def _alert(row: Any) -> OpenAlert:
    return OpenAlert(
        id=row[0],
        student_id=row[1],
        student_code=row[2],
        full_name=row[3],
        class_id=row[4],
        class_name=row[5],
        rule=AlertRule(row[6]),
        raised_on=row[7],
        count=int(row[8]),
    )
