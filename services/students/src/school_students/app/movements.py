"""Use cases of student movements: each runs in one unit of work, logs the movement and emits its event."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from school_students.app.ports import Clock, CurrentStay, DuplicateKeyError, UnitOfWork, UnitOfWorkFactory
from school_students.domain.clock import school_day
from school_students.domain.dates import parse_iso_date
from school_students.domain.errors import (
    ClassFullError,
    ConcurrencyError,
    DuplicateError,
    FieldErrors,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from school_students.domain.events import ClassCreated, GuardianLinked, GuardianUnlinked
from school_students.domain.movement_events import (
    ClassesRolledOver,
    ClassRef,
    ClassRollOver,
    MovementRecord,
    StudentDeleted,
    StudentMoved,
    StudentsMerged,
)
from school_students.domain.movements import (
    DEFAULT_REASONS,
    LEAVES_CLASS,
    NOTE_MAX_LENGTH,
    RESULTS_MAX_LENGTH,
    SCHOOL_CODE_MAX_LENGTH,
    SCHOOL_NAME_MAX_LENGTH,
    ClassInfo,
    Kind,
    MovementReport,
    Status,
    check_documents,
    check_effective_date,
    check_reason,
    check_text,
    movement_report,
    next_class_name,
    next_status,
    roll_over_moves,
    roll_over_repeaters,
    transfer_deadline,
    validate_period,
)
from school_students.domain.school_class import ClassSpec, SchoolClass, ensure_room
from school_students.domain.school_year import SchoolYear
from school_students.domain.student import (
    Gender,
    Student,
    StudentDetails,
    generated_code,
    validate_details,
    validate_student_code,
)
from schoolkit.pagination import PageRequest

T = TypeVar("T")
_ALL_CLASSES = 1000


def load_reasons(path: str) -> Mapping[str, Mapping[str, str]]:
    """The reason lists: the built-in ones, or those of a JSON file ``{kind: {code: label}}``."""
    if not path:
        return DEFAULT_REASONS
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected an object of objects {{kind: {{code: label}}}}")
    unknown = set(data) - {k.value for k in Kind}
    if unknown:
        raise ValueError(f"{path}: unknown movement kinds {sorted(unknown)}")
    return {kind: {str(c).upper(): str(label) for c, label in codes.items()} for kind, codes in data.items()}


@dataclass(frozen=True)
class Movement:
    """Common fields of a movement request on an existing student."""

    school_id: str
    student_id: str
    effective_date: str
    reason_code: str
    note: str
    recorded_by: str


@dataclass(frozen=True)
class TransferOut(Movement):
    to_school_name: str = ""
    to_school_code: str = ""
    application_received_on: str = ""
    receiving_school_agreed: bool = False
    handed_over_on: str = ""
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dropout(Movement):
    withdrawal: bool = False


@dataclass(frozen=True)
class Placement(Movement):
    """A return to, or a change of, class."""

    class_id: str = ""


@dataclass(frozen=True)
class TransferIn:
    school_id: str
    class_id: str
    full_name: str
    date_of_birth: str
    gender: Gender | None
    student_code: str
    effective_date: str
    reason_code: str
    note: str
    from_school_name: str
    from_school_code: str
    documents: tuple[str, ...]
    earlier_results: str
    recorded_by: str
    student_id: str = ""


@dataclass(frozen=True)
class History:
    student: Student
    status: Status
    transferred_in: bool
    movements: list[MovementRecord] = field(default_factory=list)


def _student_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy học sinh", {"student_id": "Không tìm thấy học sinh"})


def _class_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})


def class_ref(school_class: SchoolClass) -> ClassRef:
    return ClassRef(school_class.id, school_class.name, school_class.grade_level, school_class.school_year_id)


def _find_student(uow: UnitOfWork, school_id: str, student_id: str) -> Student:
    """The student of this school; NOT_FOUND for a blank or unknown id."""
    student = uow.students.get(school_id, student_id.strip()) if student_id.strip() else None
    if student is None:
        raise _student_not_found()
    return student


def _target_class(uow: UnitOfWork, school_id: str, class_id: str) -> SchoolClass | None:
    """The class a student joins, locked for the size check; None when none was chosen, NOT_FOUND when unknown."""
    target = uow.classes.get(school_id, class_id, for_update=True) if class_id else None
    if class_id and target is None:
        raise _class_not_found()
    return target


def _movement_day(
    errors: FieldErrors, value: str, today: date, year: SchoolYear | None, not_before: date | None
) -> date | None:
    """The effective date of a movement: within the school year (when known), not before ``not_before``."""
    return check_effective_date(
        errors,
        value,
        today=today,
        year_start=year.start_date if year else None,
        year_end=year.end_date if year else None,
        enrolled_on=not_before,
    )


def _status_change(
    uow: UnitOfWork, school_id: str, student_id: str, kind: Kind
) -> tuple[CurrentStay | None, Status | None, Status, bool]:
    """The student's current stay, status before and after ``kind`` (refused when not allowed), transferred-in mark.

    Locks the student first, so a second movement of the same child waits and then reads what the
    first one wrote.
    """
    uow.movements.lock_student(school_id, student_id)
    status, transferred_in = uow.movements.status(school_id, student_id)
    stay = uow.movements.current_stay(school_id, student_id)
    before = status or (Status.DANG_HOC if stay else None)
    return stay, before, next_status(before, kind), transferred_in


def _log_movement(uow: UnitOfWork, school_id: str, student: Student, class_id: str, record: MovementRecord) -> Student:
    """Keep the movement in the history and emit StudentMoved with the student's class after it."""
    uow.movements.add(school_id, record)
    moved = replace(student, class_id=class_id)
    uow.emit(school_id, StudentMoved(moved, record))
    return moved


class MovementsUseCases:
    """Transfers, dropouts, returns, class changes, history and the movement report."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        reasons: Mapping[str, Mapping[str, str]] = DEFAULT_REASONS,
        handover_working_days: int = 3,
        holidays: frozenset[date] = frozenset(),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.reasons = reasons
        self._handover_days = handover_working_days
        self._holidays = holidays

    # -- lookups used by the API layer for the object check ------------------------------------

    def student_class_id(self, school_id: str, student_id: str) -> str:
        """The student's current class ("" when in none); NOT_FOUND for an unknown student."""
        with self._uow(True) as uow:
            return _find_student(uow, school_id, student_id).class_id

    def _reason_and_note(self, errors: FieldErrors, kind: Kind, reason_code: str, note: str) -> tuple[str, str]:
        """A configured reason of this kind of movement and the note, checked."""
        reason = check_reason(errors, self.reasons, kind, reason_code)
        return reason, check_text(errors, "note", note, "Ghi chú", NOTE_MAX_LENGTH)

    # -- leaving -----------------------------------------------------------------------------

    def transfer_out(self, cmd: TransferOut) -> MovementRecord:
        errors = FieldErrors()
        reason, note = self._reason_and_note(errors, Kind.TRANSFER_OUT, cmd.reason_code, cmd.note)
        school_name = check_text(
            errors, "to_school_name", cmd.to_school_name, "Tên trường chuyển đến", SCHOOL_NAME_MAX_LENGTH
        )
        if not school_name:
            errors.add("to_school_name", "Vui lòng nhập tên trường chuyển đến")
        school_code = check_text(errors, "to_school_code", cmd.to_school_code, "Mã trường", SCHOOL_CODE_MAX_LENGTH)
        documents = check_documents(errors, "documents", cmd.documents)
        if not cmd.receiving_school_agreed:
            errors.add(
                "receiving_school_agreed",
                "Đơn xin chuyển trường phải có ý kiến đồng ý của trường nơi đến (TT 28/2020, Điều 36)",
            )

        def leave(uow: UnitOfWork, student: Student, day: date, year_start: date) -> dict[str, object]:
            today = school_day(self._clock())
            applied = check_effective_date(
                errors,
                cmd.application_received_on,
                today=today,
                year_start=None,
                year_end=None,
                enrolled_on=None,
                field_name="application_received_on",
                label="Ngày nhận đơn",
            )
            handed = None
            if cmd.handed_over_on.strip():
                handed = check_effective_date(
                    errors,
                    cmd.handed_over_on,
                    today=today,
                    year_start=None,
                    year_end=None,
                    enrolled_on=None,
                    field_name="handed_over_on",
                    label="Ngày bàn giao hồ sơ",
                )
                if handed and applied and handed < applied:
                    errors.add("handed_over_on", "Ngày bàn giao hồ sơ không được trước ngày nhận đơn")
            if applied and day and applied > day:
                errors.add("application_received_on", "Ngày nhận đơn không được sau ngày chuyển đi")
            errors.raise_if_any("Thông tin chuyển trường không hợp lệ")
            assert applied is not None
            deadline = transfer_deadline(applied, self._handover_days, self._holidays)
            return {
                "other_school_name": school_name,
                "other_school_code": school_code,
                "application_received_on": applied.isoformat(),
                "receiving_school_agreed": True,
                "handed_over_on": handed.isoformat() if handed else "",
                "documents": [d.value for d in documents],
                "handover_deadline": deadline.isoformat(),
            }

        return self._leave(cmd, Kind.TRANSFER_OUT, reason, note, errors, leave)

    def record_dropout(self, cmd: Dropout) -> MovementRecord:
        kind = Kind.WITHDRAWAL if cmd.withdrawal else Kind.DROPOUT
        errors = FieldErrors()
        reason, note = self._reason_and_note(errors, kind, cmd.reason_code, cmd.note)
        return self._leave(cmd, kind, reason, note, errors, lambda *_: {})

    def _leave(
        self,
        cmd: Movement,
        kind: Kind,
        reason: str,
        note: str,
        errors: FieldErrors,
        details: Callable[[UnitOfWork, Student, date, date], dict[str, object]],
    ) -> MovementRecord:
        student_id = cmd.student_id.strip()
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> MovementRecord:
            student = _find_student(uow, cmd.school_id, student_id)
            stay, before, after, transferred_in = _status_change(uow, cmd.school_id, student.id, kind)
            if stay is None:  # a DANG_HOC status row without a class: refuse rather than guess
                raise RuleViolationError("Học sinh không ở lớp nào", {"student_id": "Học sinh không ở lớp nào"})
            school_class = uow.classes.get(cmd.school_id, stay.class_id, for_update=True)
            assert school_class is not None
            year = uow.school_years.get(cmd.school_id, school_class.school_year_id)
            assert year is not None
            day = _movement_day(errors, cmd.effective_date, today, year, stay.enrolled_on)
            extra = details(uow, student, day or today, year.start_date)
            errors.raise_if_any("Thông tin biến động không hợp lệ")
            assert day is not None
            if not uow.movements.leave(cmd.school_id, stay.enrolment_id, day, kind):
                raise _changed_meanwhile()
            uow.movements.set_status(cmd.school_id, student.id, after, day, transferred_in)
            record = MovementRecord(
                id=str(uuid.uuid4()),
                student_id=student.id,
                kind=kind,
                effective_date=day,
                reason_code=reason,
                note=note,
                status_before=before,
                status_after=after,
                from_class=class_ref(school_class),
                to_class=None,
                details=extra,
                recorded_by=cmd.recorded_by,
                recorded_at=self._clock(),
            )
            _log_movement(uow, cmd.school_id, student, "", record)
            return record

        return self._write(run)

    # -- joining -----------------------------------------------------------------------------

    def record_return(self, cmd: Placement) -> MovementRecord:
        return self._place(cmd, Kind.RETURN)

    def change_class(self, cmd: Placement) -> MovementRecord:
        return self._place(cmd, Kind.CLASS_CHANGE)

    def _place(self, cmd: Placement, kind: Kind) -> MovementRecord:
        errors = FieldErrors()
        reason, note = self._reason_and_note(errors, kind, cmd.reason_code, cmd.note)
        student_id, class_id = cmd.student_id.strip(), cmd.class_id.strip()
        if not class_id:
            errors.add("class_id", "Vui lòng chọn lớp")
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> MovementRecord:
            student = _find_student(uow, cmd.school_id, student_id)
            stay, before, after, transferred_in = _status_change(uow, cmd.school_id, student.id, kind)
            target = _target_class(uow, cmd.school_id, class_id)
            source = uow.classes.get(cmd.school_id, stay.class_id) if stay else None
            year = uow.school_years.get(cmd.school_id, target.school_year_id) if target else None
            if kind is Kind.CLASS_CHANGE and target is not None and source is not None:
                if target.id == source.id:
                    errors.add("class_id", "Học sinh đang học lớp này; hãy chọn lớp khác")
                elif target.school_year_id != source.school_year_id:
                    errors.add("class_id", "Chỉ chuyển lớp trong cùng năm học; sang năm học mới dùng kết chuyển")
            not_before = stay.enrolled_on if stay else uow.movements.last_left_on(cmd.school_id, student.id)
            day = _movement_day(errors, cmd.effective_date, today, year, not_before)
            errors.raise_if_any("Thông tin biến động không hợp lệ")
            assert target is not None
            assert day is not None
            ensure_room(target)
            if stay is not None and not uow.movements.leave(cmd.school_id, stay.enrolment_id, day, kind):
                raise _changed_meanwhile()
            uow.movements.join(student.id, target, day, kind)
            uow.movements.set_status(cmd.school_id, student.id, after, day, transferred_in)
            record = MovementRecord(
                id=str(uuid.uuid4()),
                student_id=student.id,
                kind=kind,
                effective_date=day,
                reason_code=reason,
                note=note,
                status_before=before,
                status_after=after,
                from_class=class_ref(source) if source else None,
                to_class=class_ref(target),
                details={},
                recorded_by=cmd.recorded_by,
                recorded_at=self._clock(),
            )
            _log_movement(uow, cmd.school_id, student, target.id, record)
            return record

        return self._write(run)

    def transfer_in(self, cmd: TransferIn) -> tuple[Student, MovementRecord]:
        errors = FieldErrors()
        reason, note = self._reason_and_note(errors, Kind.TRANSFER_IN, cmd.reason_code, cmd.note)
        school_name = check_text(
            errors, "from_school_name", cmd.from_school_name, "Tên trường chuyển đi", SCHOOL_NAME_MAX_LENGTH
        )
        if not school_name:
            errors.add("from_school_name", "Vui lòng nhập tên trường chuyển đi")
        school_code = check_text(errors, "from_school_code", cmd.from_school_code, "Mã trường", SCHOOL_CODE_MAX_LENGTH)
        documents = check_documents(errors, "documents", cmd.documents)
        results = check_text(
            errors, "earlier_results", cmd.earlier_results, "Kết quả học tập trước đó", RESULTS_MAX_LENGTH
        )
        code = validate_student_code(errors, cmd.student_code)
        class_id = cmd.class_id.strip()
        if not class_id:
            errors.add("class_id", "Vui lòng chọn lớp")
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> tuple[Student, MovementRecord]:
            target = _target_class(uow, cmd.school_id, class_id)
            year = uow.school_years.get(cmd.school_id, target.school_year_id) if target else None
            returning = uow.students.get(cmd.school_id, cmd.student_id.strip()) if cmd.student_id.strip() else None
            if cmd.student_id.strip() and returning is None:
                raise _student_not_found()
            before: Status | None = None
            if returning is not None:
                status, _ = uow.movements.status(cmd.school_id, returning.id)
                before = status or (Status.DANG_HOC if returning.class_id else None)
                next_status(before, Kind.TRANSFER_IN)  # only a student who transferred out comes back
                details: StudentDetails | None = returning.details
            else:
                details = validate_details(
                    errors,
                    full_name=cmd.full_name,
                    date_of_birth=cmd.date_of_birth,
                    gender=cmd.gender,
                    today=today,
                    school_year_start=year.start_date if year else None,
                )
            not_before = uow.movements.last_left_on(cmd.school_id, returning.id) if returning else None
            day = _movement_day(errors, cmd.effective_date, today, year, not_before)
            errors.raise_if_any("Thông tin học sinh chuyển đến không hợp lệ")
            assert target is not None
            assert details is not None
            assert day is not None
            ensure_room(target)
            after = next_status(before, Kind.TRANSFER_IN)
            if returning is not None:
                student = returning
            else:
                if code and uow.students.code_taken(cmd.school_id, code):
                    raise _code_duplicate(code)
                student = uow.students.add(cmd.school_id, code or self._assign_code(uow, cmd.school_id), details)
            uow.movements.join(student.id, target, day, Kind.TRANSFER_IN)
            uow.movements.set_status(cmd.school_id, student.id, after, day, True)
            record = MovementRecord(
                id=str(uuid.uuid4()),
                student_id=student.id,
                kind=Kind.TRANSFER_IN,
                effective_date=day,
                reason_code=reason,
                note=note,
                status_before=before,
                status_after=after,
                from_class=None,
                to_class=class_ref(target),
                details={
                    "other_school_name": school_name,
                    "other_school_code": school_code,
                    "documents": [d.value for d in documents],
                    "earlier_results": results,
                },
                recorded_by=cmd.recorded_by,
                recorded_at=self._clock(),
            )
            return _log_movement(uow, cmd.school_id, student, target.id, record), record

        try:
            return self._write(run)
        except DuplicateKeyError:
            raise _code_duplicate(code) from None

    def _assign_code(self, uow: UnitOfWork, school_id: str) -> str:
        while True:
            code = generated_code(uow.students.next_code_number(school_id))
            if not uow.students.code_taken(school_id, code):
                return code

    def record_handover(
        self, school_id: str, student_id: str, movement_id: str, handed_over_on: str, documents: tuple[str, ...]
    ) -> MovementRecord:
        """Record the hand-over of a transfer dossier (TT 28/2020 Điều 36 khoản 2, step 3)."""
        errors = FieldErrors()
        docs = check_documents(errors, "documents", documents)
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> MovementRecord:
            student = _find_student(uow, school_id, student_id)
            day = check_effective_date(
                errors,
                handed_over_on,
                today=today,
                year_start=None,
                year_end=None,
                enrolled_on=None,
                field_name="handed_over_on",
                label="Ngày bàn giao hồ sơ",
            )
            errors.raise_if_any("Thông tin bàn giao hồ sơ không hợp lệ")
            found = next((m for m in uow.movements.history(school_id, student.id) if m.id == movement_id.strip()), None)
            if found is None or found.kind is not Kind.TRANSFER_OUT:
                message = "Không tìm thấy lần chuyển trường đi này"
                raise NotFoundError(message, {"movement_id": message})
            applied = parse_iso_date(str(found.details.get("application_received_on", "")))
            if day and applied and day < applied:
                errors.add("handed_over_on", f"Ngày bàn giao hồ sơ không được trước ngày nhận đơn ({applied:%d/%m/%Y})")
            errors.raise_if_any("Thông tin bàn giao hồ sơ không hợp lệ")
            assert day is not None
            details = {**found.details, "handed_over_on": day.isoformat(), "documents": [d.value for d in docs]}
            uow.movements.update_details(school_id, found.id, details)
            return replace(found, details=details)

        return self._write(run)

    # -- reading -----------------------------------------------------------------------------

    def history(self, school_id: str, student_id: str) -> History:
        with self._uow(True) as uow:
            student = _find_student(uow, school_id, student_id)
            status, transferred_in = uow.movements.status(school_id, student.id)
            movements = uow.movements.history(school_id, student.id)
        return History(student, status or Status.DANG_HOC, transferred_in, movements)

    def report(
        self,
        school_id: str,
        year_id: str,
        period_from: str,
        period_to: str,
        only_class_ids: frozenset[str] | None = None,
    ) -> MovementReport:
        if not year_id.strip():
            raise ValidationError("Thiếu năm học", {"school_year_id": "Vui lòng chọn năm học"})
        with self._uow(True) as uow:
            year = uow.school_years.get(school_id, year_id.strip())
            if year is None:
                raise NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})
            start, end = validate_period(period_from, period_to, year.start_date, year.end_date)
            classes = uow.classes.list(school_id, year.id, PageRequest(size=_ALL_CLASSES), only_class_ids)
            stays = uow.movements.stays(school_id, year.id)
        infos = [ClassInfo(c.id, c.name, c.grade_level) for c in classes or []]
        return movement_report(infos, stays, start, end)

    # -- plumbing ----------------------------------------------------------------------------

    def _write(self, run: Callable[[UnitOfWork], T]) -> T:
        try:
            with self._uow(False) as uow:
                return run(uow)
        except DuplicateKeyError:
            # Another request placed the student in a class first (one open enrolment per student).
            raise _changed_meanwhile() from None


def _changed_meanwhile() -> ConcurrencyError:
    message = "Hồ sơ học sinh vừa được người khác thay đổi; hãy tải lại trang rồi thử lại"
    return ConcurrencyError(message, {"student_id": message})


def _code_duplicate(code: str) -> DuplicateError:
    return DuplicateError("Mã học sinh đã tồn tại", {"student_code": f"Mã học sinh {code} đã tồn tại"})


__all__ = ["LEAVES_CLASS", "MovementsUseCases", "load_reasons"]


# -- roll-over, repeat marks, deletion and merge ------------------------------------------------------


@dataclass(frozen=True)
class RollOver:
    school_id: str
    from_year_id: str
    to_year_id: str
    targets: Mapping[str, str]
    repeater_ids: tuple[str, ...]
    recorded_by: str


@dataclass(frozen=True)
class RollOverResult:
    classes: list[ClassRollOver]
    created: list[str]


REASON_MAX_LENGTH = 500


def _required_reason(errors: FieldErrors, reason: str) -> str:
    clean = reason.strip()
    if not clean:
        errors.add("reason", "Vui lòng nhập lý do")
    elif len(clean) > REASON_MAX_LENGTH:
        errors.add("reason", f"Lý do tối đa {REASON_MAX_LENGTH} ký tự")
    return clean


class RecordsUseCases:
    """Year-end roll-over, repeat marks, and deleting or merging student records."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def mark_repeat(self, school_id: str, student_id: str, repeat: bool, note: str, by: str) -> str:
        errors = FieldErrors()
        clean_note = check_text(errors, "note", note, "Ghi chú", NOTE_MAX_LENGTH)
        errors.raise_if_any()
        with self._uow(False) as uow:
            student = _find_student(uow, school_id, student_id)
            school_class = uow.classes.get(school_id, student.class_id) if student.class_id else None
            if school_class is None:
                message = "Học sinh không ở lớp nào nên không thể đánh dấu ở lại lớp"
                raise RuleViolationError(message, {"student_id": message})
            uow.movements.set_repeat(
                school_id, student.id, school_class.school_year_id, repeat, clean_note, by, self._clock()
            )
            return school_class.school_year_id

    def roll_over(self, cmd: RollOver) -> RollOverResult:
        errors = FieldErrors()
        if not cmd.from_year_id.strip():
            errors.add("from_school_year_id", "Vui lòng chọn năm học cần kết chuyển")
        if not cmd.to_year_id.strip():
            errors.add("to_school_year_id", "Vui lòng chọn năm học mới")
        errors.raise_if_any("Thông tin kết chuyển không hợp lệ")

        def run(uow: UnitOfWork) -> RollOverResult:
            old = uow.school_years.get(cmd.school_id, cmd.from_year_id.strip())
            new = uow.school_years.get(cmd.school_id, cmd.to_year_id.strip())
            if old is None:
                message = "Không tìm thấy năm học cần kết chuyển"
                raise NotFoundError(message, {"from_school_year_id": message})
            if new is None:
                raise NotFoundError("Không tìm thấy năm học mới", {"to_school_year_id": "Không tìm thấy năm học mới"})
            if old and new and new.start_date <= old.end_date:
                errors.add("to_school_year_id", f"Năm học mới phải bắt đầu sau ngày {old.end_date:%d/%m/%Y}")
            errors.raise_if_any("Thông tin kết chuyển không hợp lệ")
            assert old is not None
            assert new is not None
            page = PageRequest(size=_ALL_CLASSES)
            old_classes = sorted(
                uow.classes.list(cmd.school_id, old.id, page) or [], key=lambda c: (c.grade_level, c.name)
            )
            new_classes = {c.name: c for c in uow.classes.list(cmd.school_id, new.id, page) or []}
            new_by_id = {c.id: c for c in new_classes.values()}
            old_by_id = {c.id: c for c in old_classes}
            for src_id, dst_id in cmd.targets.items():
                if src_id not in old_by_id:
                    errors.add("targets", "Lớp cần kết chuyển không thuộc năm học cũ")
                elif dst_id not in new_by_id:
                    errors.add("targets", "Lớp đích không thuộc năm học mới")
                elif new_by_id[dst_id].grade_level != old_by_id[src_id].grade_level + 1:
                    errors.add(
                        "targets",
                        f"Lớp {old_by_id[src_id].name} phải lên một lớp khối {old_by_id[src_id].grade_level + 1}",
                    )
            pupils = {c.id: uow.movements.pupils_of(cmd.school_id, c.id) for c in old_classes}
            everyone = {sid for rows in pupils.values() for sid, _ in rows}
            requested = frozenset(r.strip() for r in cmd.repeater_ids if r.strip())
            # The principal's decisions grades published (issue 5) come before the repeat marks.
            choice = roll_over_repeaters(
                sorted(everyone),
                uow.movements.repeaters(cmd.school_id, old.id),
                requested,
                uow.movements.grade_outcomes(cmd.school_id, old.id),
            )
            repeaters = choice.repeaters
            if choice.conflicts:
                errors.add(
                    "repeater_student_ids",
                    "Hiệu trưởng đã quyết định cho lên lớp (hoặc hoàn thành chương trình tiểu học) đối với: "
                    + _pupil_list(uow, cmd.school_id, choice.conflicts),
                )
            if choice.undecided:
                errors.add(
                    "repeater_student_ids",
                    "Học sinh chưa hoàn thành chương trình lớp học và chưa có quyết định lên lớp hay ở lại lớp "
                    "của hiệu trưởng: " + _pupil_list(uow, cmd.school_id, choice.undecided),
                )
            for wanted in requested:
                if wanted in everyone:
                    continue
                # Already rolled over by an earlier run (now in the new year) is fine: re-runs are no-ops.
                repeater = uow.students.get(cmd.school_id, wanted)
                if repeater is None or repeater.class_id not in new_by_id:
                    errors.add("repeater_student_ids", "Có học sinh ở lại lớp không thuộc lớp nào của năm học cũ")
            errors.raise_if_any("Thông tin kết chuyển không hợp lệ")

            left_on = old.end_date + timedelta(days=1)
            created: list[str] = []
            incoming: dict[str, int] = {}
            summary: list[ClassRollOver] = []

            def target_class(name: str, grade: int, max_size: int) -> SchoolClass:
                found = new_classes.get(name)
                if found is None:
                    found = uow.classes.add(cmd.school_id, new.id, ClassSpec(name, grade, max_size))
                    uow.emit(cmd.school_id, ClassCreated(found))
                    new_classes[name] = found
                    created.append(name)
                return found

            for source in old_classes:
                rows = pupils[source.id]
                if not rows:
                    continue
                promoted, repeating, completing = roll_over_moves(
                    [sid for sid, _ in rows], source.grade_level, repeaters
                )
                stays = dict(rows)
                to: SchoolClass | None = None
                again: SchoolClass | None = None
                if promoted:
                    chosen = cmd.targets.get(source.id)
                    to = (
                        new_by_id[chosen]
                        if chosen
                        else target_class(
                            next_class_name(source.name, source.grade_level), source.grade_level + 1, source.max_size
                        )
                    )
                if repeating:
                    again = target_class(source.name, source.grade_level, source.max_size)
                for dest, count in ((to, len(promoted)), (again, len(repeating))):
                    if dest is None:
                        continue
                    incoming[dest.id] = incoming.get(dest.id, 0) + count
                    if dest.size + incoming[dest.id] > dest.max_size:
                        message = (
                            f"Lớp {dest.name} năm học {new.name} không đủ chỗ: sĩ số tối đa {dest.max_size}, "
                            f"cần {dest.size + incoming[dest.id]}"
                        )
                        raise ClassFullError(message, {"targets": message})
                for group, dest in ((promoted, to), (repeating, again)):
                    for student_id in group:
                        assert dest is not None
                        self._move(uow, cmd, student_id, stays[student_id], source, dest, left_on, new.start_date)
                for student_id in completing:
                    self._complete(uow, cmd, student_id, stays[student_id], source, left_on)
                summary.append(
                    ClassRollOver(
                        class_ref(source),
                        class_ref(to) if to else None,
                        class_ref(again) if again else None,
                        len(promoted),
                        len(repeating),
                        len(completing),
                    )
                )
            if summary:
                uow.emit(cmd.school_id, ClassesRolledOver(old.id, new.id, tuple(summary)))
            return RollOverResult(summary, created)

        return _write_once(self._uow, run)

    def _move(
        self,
        uow: UnitOfWork,
        cmd: RollOver,
        student_id: str,
        stay: CurrentStay,
        source: SchoolClass,
        target: SchoolClass,
        left_on: date,
        joined_on: date,
    ) -> None:
        student = uow.students.get(cmd.school_id, student_id)
        assert student is not None
        status, _ = uow.movements.status(cmd.school_id, student_id)
        before = status or Status.DANG_HOC
        after = next_status(before, Kind.ROLL_OVER)
        uow.movements.leave(cmd.school_id, stay.enrolment_id, left_on, Kind.ROLL_OVER)
        uow.movements.join(student_id, target, joined_on, Kind.ROLL_OVER)
        uow.movements.set_status(cmd.school_id, student_id, after, joined_on, False)
        record = MovementRecord(
            id=str(uuid.uuid4()),
            student_id=student_id,
            kind=Kind.ROLL_OVER,
            effective_date=joined_on,
            reason_code="O_LAI_LOP" if target.grade_level == source.grade_level else "LEN_LOP",
            note="",
            status_before=before,
            status_after=after,
            from_class=class_ref(source),
            to_class=class_ref(target),
            details={},
            recorded_by=cmd.recorded_by,
            recorded_at=self._clock(),
        )
        _log_movement(uow, cmd.school_id, student, target.id, record)

    def _complete(
        self, uow: UnitOfWork, cmd: RollOver, student_id: str, stay: CurrentStay, source: SchoolClass, left_on: date
    ) -> None:
        student = uow.students.get(cmd.school_id, student_id)
        assert student is not None
        status, transferred_in = uow.movements.status(cmd.school_id, student_id)
        before = status or Status.DANG_HOC
        after = next_status(before, Kind.COMPLETION)
        uow.movements.leave(cmd.school_id, stay.enrolment_id, left_on, Kind.COMPLETION)
        uow.movements.set_status(cmd.school_id, student_id, after, left_on, transferred_in)
        record = MovementRecord(
            id=str(uuid.uuid4()),
            student_id=student_id,
            kind=Kind.COMPLETION,
            effective_date=left_on,
            reason_code="HOAN_THANH",
            note="",
            status_before=before,
            status_after=after,
            from_class=class_ref(source),
            to_class=None,
            details={},
            recorded_by=cmd.recorded_by,
            recorded_at=self._clock(),
        )
        _log_movement(uow, cmd.school_id, student, "", record)

    def delete_student(self, school_id: str, student_id: str, reason: str, by: str, confirm_code: str = "") -> Student:
        errors = FieldErrors()
        clean = _required_reason(errors, reason)
        errors.raise_if_any("Thiếu lý do xóa hồ sơ")

        def run(uow: UnitOfWork) -> Student:
            student = _find_student(uow, school_id, student_id)
            _confirm(student, confirm_code, "confirm_student_code")
            moves, stays = uow.movements.history_size(school_id, student.id)
            if moves or stays > 1:
                message = "Hồ sơ đã có lịch sử biến động cần lưu giữ nên không thể xóa; hãy dùng gộp hồ sơ nếu bị trùng"
                raise RuleViolationError(message, {"student_id": message})
            if any(g.parent_account_id for g in uow.guardians.of_student(school_id, student.id)):
                # A parent signs in with this child: unlink the account first, so the parent's
                # access ends through its own event.
                message = (
                    "Người giám hộ của học sinh đang có tài khoản phụ huynh; hãy hủy liên kết tài khoản trước khi xóa"
                )
                raise RuleViolationError(message, {"student_id": message})
            uow.movements.audit(
                school_id,
                "DELETE",
                (student.id, student.student_code, student.full_name),
                None,
                clean,
                by,
                self._clock(),
            )
            uow.movements.delete_student(school_id, student.id)
            uow.emit(school_id, StudentDeleted(student, clean))
            return student

        return _write_once(self._uow, run, refuse_links=True)

    def merge_students(
        self, school_id: str, surviving_id: str, merged_id: str, reason: str, by: str, confirm_code: str = ""
    ) -> Student:
        errors = FieldErrors()
        clean = _required_reason(errors, reason)
        keep_id, drop_id = surviving_id.strip(), merged_id.strip()
        if not keep_id:
            errors.add("surviving_student_id", "Vui lòng chọn hồ sơ giữ lại")
        if not drop_id:
            errors.add("merged_student_id", "Vui lòng chọn hồ sơ bị gộp")
        if keep_id and keep_id == drop_id:
            errors.add("merged_student_id", "Hai hồ sơ cần gộp phải khác nhau")
        errors.raise_if_any("Thông tin gộp hồ sơ không hợp lệ")

        def run(uow: UnitOfWork) -> Student:
            keep = uow.students.get(school_id, keep_id)
            drop = uow.students.get(school_id, drop_id)
            if keep is None:
                raise NotFoundError("Không tìm thấy học sinh", {"surviving_student_id": "Không tìm thấy học sinh"})
            if drop is None:
                raise NotFoundError("Không tìm thấy học sinh", {"merged_student_id": "Không tìm thấy học sinh"})
            _confirm(drop, confirm_code, "confirm_student_code")
            keep_stay = uow.movements.current_stay(school_id, keep.id)
            drop_stay = uow.movements.current_stay(school_id, drop.id)
            if keep_stay and drop_stay:
                if keep_stay.class_id != drop_stay.class_id:
                    message = "Hai hồ sơ đang ở hai lớp khác nhau; hãy chuyển lớp một hồ sơ trước khi gộp"
                    raise RuleViolationError(message, {"merged_student_id": message})
                uow.movements.drop_stay(school_id, drop_stay.enrolment_id)  # the same child, counted twice
            uow.movements.audit(
                school_id, "MERGE", (drop.id, drop.student_code, drop.full_name), keep.id, clean, by, self._clock()
            )
            drop_status, drop_transferred_in = uow.movements.status(school_id, drop.id)
            accounts_before = {g.parent_account_id for g in uow.guardians.of_student(school_id, keep.id)}
            dropped_accounts = {g.parent_account_id for g in uow.guardians.of_student(school_id, drop.id)}
            uow.movements.move_history(school_id, drop.id, keep.id)
            uow.movements.move_record(school_id, drop.id, keep.id)
            if drop_stay and not keep_stay:
                # The kept record takes over the merged one's place in its class, and its status.
                uow.movements.set_status(
                    school_id, keep.id, drop_status or Status.DANG_HOC, drop_stay.enrolled_on, drop_transferred_in
                )
            uow.movements.delete_student(school_id, drop.id)
            merged = uow.students.get(school_id, keep.id)
            assert merged is not None
            uow.emit(school_id, StudentsMerged(merged, drop.id, drop.student_code, clean))
            # Parents follow the child to the kept record (identity grants and revokes by student id).
            for account in sorted(a for a in dropped_accounts if a):
                uow.emit(school_id, GuardianUnlinked(replace(drop, class_id=""), account))
                if account not in accounts_before:
                    uow.emit(school_id, GuardianLinked(merged, account))
            return merged

        return _write_once(self._uow, run, refuse_links=True)


def _pupil_list(uow: UnitOfWork, school_id: str, student_ids: tuple[str, ...]) -> str:
    """ "Nguyễn Văn An (HS000001), ..." for a refusal that names the pupils (at most ten, then a count)."""
    shown: list[str] = []
    for student_id in student_ids[:10]:
        student = uow.students.get(school_id, student_id)
        shown.append(f"{student.full_name} ({student.student_code})" if student else student_id)
    more = len(student_ids) - len(shown)
    return ", ".join(shown) + (f" và {more} học sinh khác" if more > 0 else "")


def _confirm(student: Student, typed: str, field_name: str) -> None:
    """Deleting or merging away a record asks for its code again, so the wrong record is never removed."""
    if typed.strip() != student.student_code:
        message = f"Hãy nhập đúng mã học sinh {student.student_code} để xác nhận"
        raise ValidationError("Chưa xác nhận mã học sinh", {field_name: message})


def _write_once(uow_factory: UnitOfWorkFactory, run: Callable[[UnitOfWork], T], *, refuse_links: bool = False) -> T:
    try:
        with uow_factory(False) as uow:
            return run(uow)
    except DuplicateKeyError:
        # A row of another part of the record (guardians, attendance...) still points at the student.
        message = "Hồ sơ còn dữ liệu liên quan (phụ huynh, điểm danh...) nên chưa thể xóa hoặc gộp"
        if refuse_links:
            raise RuleViolationError(message, {"student_id": message}) from None
        raise
