"""Attendance use cases: the day's sheet, saving it (with corrections), the monthly sheet, alerts
and one pupil's history. Each runs in one unit of work; events go to the outbox there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from school_students.app.attendance_ports import (
    HistoryDay,
    Membership,
    OpenAlert,
    RecordedDay,
    Recorder,
    StoredCorrection,
)
from school_students.app.ports import Clock, DuplicateKeyError, UnitOfWork, UnitOfWorkFactory
from school_students.domain.attendance import (
    AbsenceAlertRaised,
    AlertThresholds,
    ClassAttendanceRecorded,
    Counts,
    Entry,
    Mark,
    Member,
    SchoolCalendar,
    check_day,
    count,
    fired_rules,
    plan_save,
    vn,
)
from school_students.domain.clock import VIETNAM, school_day
from school_students.domain.dates import parse_iso_date
from school_students.domain.errors import ConcurrencyError, FieldErrors, NotFoundError, ValidationError
from school_students.domain.school_class import SchoolClass
from school_students.domain.school_year import SchoolYear

HISTORY_LIMIT = 400


@dataclass(frozen=True)
class DaySheet:
    school_class: SchoolClass
    day: date
    members: list[Member]
    entries: dict[str, Entry]
    counts: Counts
    recorded: RecordedDay | None
    corrections: list[StoredCorrection] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.recorded.version if self.recorded else 0


@dataclass(frozen=True)
class MonthSheet:
    school_class: SchoolClass
    month: str
    days: list[tuple[date, bool, Counts]]
    rows: list[tuple[Member, list[Mark | None], Counts]]


@dataclass(frozen=True)
class StudentHistory:
    student_id: str
    days: list[HistoryDay]
    totals: Counts


@dataclass(frozen=True)
class SaveDay:
    school_id: str
    class_id: str
    date: str
    expected_version: int
    # student id → (mark, note); a None mark is one the caller sent but we do not know.
    marks: dict[str, tuple[Mark | None, str]]
    correction_reason: str
    by: Recorder


def _class_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})


class AttendanceUseCases:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, calendar: SchoolCalendar, thresholds: AlertThresholds
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.calendar = calendar
        self.thresholds = thresholds

    # -- reading --------------------------------------------------------------------------------

    def _class_and_year(self, uow: UnitOfWork, school_id: str, class_id: str) -> tuple[SchoolClass, SchoolYear]:
        school_class = uow.classes.get(school_id, class_id.strip()) if class_id.strip() else None
        if school_class is None:
            raise _class_not_found()
        year = uow.school_years.get(school_id, school_class.school_year_id)
        if year is None:  # the class references its year, so this means a broken database
            raise RuntimeError(f"class {class_id!r} has no school year")
        return school_class, year

    def _day(self, raw: str, year: SchoolYear, *, default_latest: bool) -> date:
        today = school_day(self._clock())
        errors = FieldErrors()
        if not raw.strip() and default_latest:
            latest = self.calendar.latest_school_day(today, year)
            if latest is None:
                raise ValidationError(
                    "Chưa có ngày học nào",
                    {"date": f"Năm học {year.name} chưa có ngày học nào tính đến hôm nay ({vn(today)})"},
                )
            return latest
        day = parse_iso_date(raw) if raw.strip() else None
        if day is None:
            msg = "Vui lòng chọn ngày điểm danh" if not raw.strip() else "Ngày điểm danh không hợp lệ"
            raise ValidationError(msg, {"date": msg})
        check_day(errors, "date", day, today=today, year=year, calendar=self.calendar)
        errors.raise_if_any("Ngày điểm danh không hợp lệ")
        return day

    def _sheet(self, uow: UnitOfWork, school_id: str, school_class: SchoolClass, day: date) -> DaySheet:
        members = [m.member for m in uow.attendance.members_between(school_id, school_class.id, day, day)]
        recorded = uow.attendance.get_day(school_id, school_class.id, day)
        stored = recorded.entries if recorded else {}
        # A pupil who joined after the day was recorded is shown present until the next save.
        entries = {m.student_id: stored.get(m.student_id, Entry()) for m in members}
        corrections = uow.attendance.corrections(school_id, recorded.id) if recorded else []
        return DaySheet(school_class, day, members, entries, count(entries.values()), recorded, corrections)

    def get_day(self, school_id: str, class_id: str, raw_date: str) -> DaySheet:
        with self._uow(True) as uow:
            school_class, year = self._class_and_year(uow, school_id, class_id)
            day = self._day(raw_date, year, default_latest=True)
            return self._sheet(uow, school_id, school_class, day)

    # -- saving ---------------------------------------------------------------------------------

    def save_day(self, cmd: SaveDay) -> tuple[DaySheet, bool]:
        now = self._clock()
        if cmd.expected_version < 0:
            raise ValidationError(
                "Phiên bản không hợp lệ", {"expected_version": "Phiên bản điểm danh không hợp lệ; hãy tải lại trang"}
            )

        def run(uow: UnitOfWork) -> tuple[DaySheet, bool]:
            school_class, year = self._class_and_year(uow, cmd.school_id, cmd.class_id)
            day = self._day(cmd.date, year, default_latest=False)
            members = [m.member for m in uow.attendance.members_between(cmd.school_id, school_class.id, day, day)]
            recorded = uow.attendance.get_day(cmd.school_id, school_class.id, day)
            # The marks as asked (pupils and marks checked), before comparing with what is stored.
            wanted = plan_save(members, None, cmd.marks, "").entries
            if recorded is not None and wanted == recorded.entries:
                # The same marks again (a retried request, a second tap): nothing to do.
                return self._sheet(uow, cmd.school_id, school_class, day), False
            if cmd.expected_version != (recorded.version if recorded else 0):
                raise _stale(recorded)
            plan = plan_save(members, recorded.entries if recorded else None, cmd.marks, cmd.correction_reason)
            if recorded is None:
                saved = uow.attendance.insert_day(cmd.school_id, school_class.id, day, plan.entries, cmd.by, now)
            else:
                updated = uow.attendance.update_day(recorded, cmd.school_id, plan.entries, cmd.by, now)
                if updated is None:
                    raise _stale(recorded)
                saved = updated
                uow.attendance.add_corrections(cmd.school_id, saved.id, plan.corrections, cmd.by, now)
            uow.emit(cmd.school_id, ClassAttendanceRecorded(school_class, day, saved.counts, saved.version))
            self._update_alerts(uow, cmd.school_id, school_class, year, day, members, now)
            return self._sheet(uow, cmd.school_id, school_class, day), True

        try:
            with self._uow(False) as uow:
                return run(uow)
        except DuplicateKeyError:
            # Another device recorded the same day first (both started from version 0).
            raise _stale(None) from None

    def _update_alerts(
        self,
        uow: UnitOfWork,
        school_id: str,
        school_class: SchoolClass,
        year: SchoolYear,
        day: date,
        members: list[Member],
        now: datetime,
    ) -> None:
        """Raise newly firing rules (once while open) and close alerts that no longer hold.

        Evaluated as of the latest recorded day of each pupil, so correcting an old day does not
        reopen or close alerts out of order.
        """
        window = max(self.thresholds.window_days, self.thresholds.consecutive_days * 7) + 7
        for member in members:
            marks = uow.attendance.student_marks(school_id, member.student_id, day - timedelta(days=window), day)
            later = uow.attendance.student_marks(school_id, member.student_id, day + timedelta(days=1), year.end_date)
            if later:
                continue  # a later day decides this pupil's alerts
            history = {d: Mark(m) for d, m in marks.items()}
            days = self.calendar.school_days(day - timedelta(days=window), day, year)
            fired = fired_rules(history, days, day, self.thresholds)
            open_alerts = {a.rule: a for a in uow.attendance.open_alerts(school_id, student_id=member.student_id)}
            for rule, n in fired.items():
                if rule not in open_alerts:
                    uow.attendance.raise_alert(school_id, member.student_id, school_class.id, rule, day, n, now)
                    uow.emit(
                        school_id,
                        AbsenceAlertRaised(member.student_id, member.student_code, school_class, rule, day, n),
                    )
            for rule, alert in open_alerts.items():
                if rule not in fired:
                    uow.attendance.resolve_alert(school_id, alert.id, day)

    # -- month, alerts, history -----------------------------------------------------------------

    def month(self, school_id: str, class_id: str, raw_month: str) -> MonthSheet:
        first = parse_iso_date(raw_month.strip() + "-01") if raw_month.strip() else None
        if first is None:
            msg = "Tháng không hợp lệ (định dạng YYYY-MM)" if raw_month.strip() else "Vui lòng chọn tháng"
            raise ValidationError(msg, {"month": msg})
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        with self._uow(True) as uow:
            school_class, year = self._class_and_year(uow, school_id, class_id)
            if last < year.start_date or first > year.end_date:
                msg = f"Tháng {first:%m/%Y} nằm ngoài năm học {year.name}"
                raise ValidationError(msg, {"month": msg})
            days = self.calendar.school_days(first, last, year)
            stays = uow.attendance.members_between(school_id, school_class.id, first, last) if days else []
            recorded = uow.attendance.class_marks(school_id, school_class.id, first, last)
        return _month_sheet(school_class, f"{first:%Y-%m}", days, stays, recorded.marks, recorded.days)

    def alerts(
        self, school_id: str, class_id: str, only_class_ids: frozenset[str] | None
    ) -> tuple[SchoolClass | None, list[OpenAlert]]:
        with self._uow(True) as uow:
            school_class = None
            if class_id.strip():
                school_class, _ = self._class_and_year(uow, school_id, class_id)
            found = uow.attendance.open_alerts(school_id, class_id=class_id.strip(), only_class_ids=only_class_ids)
        return school_class, found

    def history(self, school_id: str, student_id: str) -> StudentHistory:
        with self._uow(True) as uow:
            student = uow.students.get(school_id, student_id.strip()) if student_id.strip() else None
            if student is None:
                raise NotFoundError("Không tìm thấy học sinh", {"student_id": "Không tìm thấy học sinh"})
            days = uow.attendance.history(school_id, student.id, HISTORY_LIMIT)
        totals = count(Entry(Mark(d.mark)) for d in days)
        return StudentHistory(student.id, days, totals)

    def current_class(self, school_id: str, student_id: str) -> str:
        """The pupil's current class id ("" when none); NOT_FOUND for an unknown pupil."""
        with self._uow(True) as uow:
            student = uow.students.get(school_id, student_id.strip()) if student_id.strip() else None
        if student is None:
            raise NotFoundError("Không tìm thấy học sinh", {"student_id": "Không tìm thấy học sinh"})
        return student.class_id


def _month_sheet(
    school_class: SchoolClass,
    month: str,
    days: list[date],
    stays: list[Membership],
    marks: dict[tuple[str, date], str],
    recorded: dict[date, Counts],
) -> MonthSheet:
    members: dict[str, Member] = {}
    for stay in stays:
        if any(stay.on(d) for d in days):
            members.setdefault(stay.member.student_id, stay.member)
    day_columns: list[tuple[date, bool, Counts]] = []
    for d in days:
        enrolled = len({s.member.student_id for s in stays if s.on(d)})
        if d in recorded:
            day_columns.append((d, True, recorded[d]))
        else:
            day_columns.append((d, False, Counts(enrolled=enrolled)))
    rows: list[tuple[Member, list[Mark | None], Counts]] = []
    for member in members.values():
        cells: list[Mark | None] = [
            Mark(marks[(member.student_id, d)]) if (member.student_id, d) in marks else None for d in days
        ]
        rows.append((member, cells, count(Entry(c) for c in cells if c is not None)))
    return MonthSheet(school_class, month, day_columns, rows)


def _stale(recorded: RecordedDay | None) -> ConcurrencyError:
    if recorded is None:
        detail = "Điểm danh ngày này vừa được lưu từ một thiết bị khác; hãy tải lại rồi lưu lại"
    else:
        detail = (
            f"Điểm danh ngày này đã được {recorded.updated_by_name or 'người khác'} lưu lúc "
            f"{recorded.updated_at.astimezone(VIETNAM):%H:%M %d/%m/%Y} (phiên bản {recorded.version}); "
            "hãy tải lại rồi lưu lại"
        )
    return ConcurrencyError(detail, {"expected_version": detail})
