"""Grade book use cases (issue 5 points 1–3): the programme and entry windows of a year, the sheet of
a class, saving cells (one transaction: object, window and lock re-checked, every value checked,
versions per cell, audit rows and ScoreRecorded events), retests, a cell's history and the comment
bank. The Excel round trip lives in app/gradebook_excel.py and saves through ``save_cells``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from importlib import resources

from school_grades.app.gradebook_ports import (
    Actor,
    Attempt,
    BankComment,
    CellKey,
    CellWrite,
    ChangeRow,
    ClassInfo,
    DuplicateKeyError,
    GradebookRepository,
    GradebookUnitOfWork,
    LockState,
    ScoreRecorded,
    StoredChange,
    YearInfo,
)
from school_grades.domain.errors import DomainError, NotFoundError, ValidationError
from school_grades.domain.evaluation import check_score, last_attempt, official_score
from school_grades.domain.gradebook import (
    QUALITIES_SHEET,
    CellKind,
    Window,
    WindowSpec,
    check_window,
    check_window_dates,
    default_window,
    write_refusal,
)
from school_grades.domain.gradebook import may_write as may_write_cell
from school_grades.domain.gradebook_cells import (
    LEVELS,
    CellRequest,
    CellValue,
    Outcome,
    Pupil,
    StoredCell,
    check_cells,
    conflict_message,
    decide,
    parse_score,
    parse_vn_date,
)
from school_grades.domain.locking import check_reason, check_write
from school_grades.domain.programme import (
    Period,
    Programme,
    ProgrammeError,
    parse_period,
    parse_programme,
    shipped_year_for,
)

VIETNAM = timezone(timedelta(hours=7), "ICT")
IDEMPOTENCY_KEY_MAX = 100
COMMENT_TEXT_MAX = 500
PROGRAMME_MAX_BYTES = 200_000

Clock = Callable[[], datetime]
RETEST_PERIODS = frozenset({Period.CK1, Period.CN})


class ForbiddenError(DomainError):
    """The caller's assignments do not cover this cell (PERMISSION_DENIED)."""


class ClosedError(DomainError):
    """The period takes no write now: outside its entry window, or locked (FAILED_PRECONDITION)."""


class StaleError(DomainError):
    """Someone changed the object since the caller read it (ABORTED)."""


# -- who may write ---------------------------------------------------------------------------------


# Correcting any cell of the school: a delegated deputy (held by no role by default).
CORRECT_ANY = "grades:score:correct"


def may_write(actor: Actor, class_id: str, kind: CellKind, item_code: str) -> bool:
    """The write permission, then the assignment rules of domain/gradebook.may_write."""
    return "grades:score:write" in actor.permissions and may_write_cell(
        actor.scopes, class_id, kind, item_code, corrects_any=CORRECT_ANY in actor.permissions
    )


def window_refusal(window: Window, today: date, period: Period) -> str | None:
    """Why a write is refused today (outside the entry window), or None."""
    try:
        check_window(window, today, period)
    except ValidationError as err:
        return err.message
    return None


# -- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    item_code: str
    name: str
    kind: CellKind
    tested: bool

    @property
    def levels(self) -> tuple[str, ...]:
        return LEVELS[self.kind]


@dataclass(frozen=True)
class Row:
    pupil: Pupil
    cells: list[tuple[StoredCell, int]]  # per column: the cell and its number of test attempts


@dataclass(frozen=True)
class Sheet:
    school_class: ClassInfo
    period: Period
    period_name: str
    subject_code: str
    subject_name: str
    columns: list[Column]
    rows: list[Row]
    may_write: bool
    write_refusal: str
    window: Window
    window_stored: bool
    window_open: bool
    lock: LockState
    subjects: list[tuple[str, str, bool]]  # (code, name, caller may write)


@dataclass(frozen=True)
class SavedCell:
    student_id: str
    item_code: str
    level: str
    score: int | None
    comment: str
    version: int
    updated_by_name: str
    updated_at: str  # ISO instant ("" for never saved)
    attempts: int = 0


@dataclass(frozen=True)
class Conflict:
    current: SavedCell
    sent: CellRequest
    message: str


@dataclass(frozen=True)
class SaveResult:
    saved: list[SavedCell] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SaveResult:
        raw = json.loads(text)
        return cls(
            saved=[SavedCell(**c) for c in raw["saved"]],
            conflicts=[
                Conflict(SavedCell(**c["current"]), CellRequest(**c["sent"]), c["message"]) for c in raw["conflicts"]
            ],
            unchanged=raw["unchanged"],
        )


@dataclass(frozen=True)
class SaveCells:
    class_id: str
    period: str
    subject_code: str
    cells: list[CellRequest]
    idempotency_key: str = ""
    reason: str = ""


@dataclass(frozen=True)
class _Target:
    school_class: ClassInfo
    columns: list[Column]
    requests: list[CellRequest]


@dataclass(frozen=True)
class Retest:
    class_id: str
    student_id: str
    period: str
    subject_code: str
    score: str
    raw_total: str
    reason: str
    expected_version: int


@dataclass(frozen=True)
class CellHistory:
    cell: SavedCell
    changes: list[StoredChange]
    attempts: list[Attempt]


@dataclass(frozen=True)
class ProgrammeView:
    year: YearInfo
    body: str
    version: int
    stored: bool
    updated_by_name: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class WindowsView:
    year: YearInfo
    windows: list[tuple[Period, str, Window, bool]]  # (period, name, window, stored)


def saved_cell(student_id: str, item_code: str, cell: StoredCell, attempts: int = 0) -> SavedCell:
    return SavedCell(
        student_id=student_id,
        item_code=item_code,
        level=cell.value.level,
        score=cell.value.score,
        comment=cell.value.comment,
        version=cell.version,
        updated_by_name=cell.updated_by_name,
        updated_at=cell.updated_at.isoformat() if cell.updated_at else "",
        attempts=attempts,
    )


def _field_error(name: str, message: str) -> ValidationError:
    return ValidationError(message, {name: message})


def shipped_programme_text(year_name: str) -> str | None:
    """The JSON text of the programme shipped for ``year_name``; for a year without its own file,
    the newest earlier one, else the oldest (as the checks read it: programmes change rarely and the
    HT can store the year's own), with the year's name in it so a downloaded copy uploads back.
    None when the package ships none."""
    chosen = shipped_year_for(year_name)
    if chosen is None:
        return None
    name = f"data/programme_{chosen.replace('-', '_')}.json"
    text = resources.files("school_grades").joinpath(name).read_text(encoding="utf-8")
    if chosen == year_name:
        return text
    raw = json.loads(text)
    raw["school_year"] = year_name
    return json.dumps(raw, ensure_ascii=False, indent=2)


def check_programme_text(body: str, year: YearInfo) -> Programme:
    """Parse and check a programme upload; refusals name the field ``body``."""
    if len(body.encode("utf-8")) > PROGRAMME_MAX_BYTES:
        raise _field_error("body", f"Tệp chương trình tối đa {PROGRAMME_MAX_BYTES // 1000} KB")
    try:
        raw = json.loads(body)
    except ValueError as err:
        raise _field_error("body", f"Tệp chương trình không phải JSON hợp lệ (dòng {err.lineno})") from None  # type: ignore[attr-defined]
    if not isinstance(raw, dict):
        raise _field_error("body", "Tệp chương trình phải là một đối tượng JSON")
    try:
        programme = parse_programme(raw)
    except ProgrammeError as err:
        raise _field_error("body", f"Chương trình không hợp lệ: {err}") from None
    except KeyError as err:
        raise _field_error("body", f"Chương trình không hợp lệ: thiếu mục {err}") from None
    except Exception:  # noqa: BLE001 - any other shape error of an uploaded file is the uploader's, not a crash
        message = (
            "Chương trình không hợp lệ: sai cấu trúc (periods, subjects, tests, qualities, competencies "
            "phải theo đúng mẫu tệp tải xuống)"
        )
        raise _field_error("body", message) from None
    if programme.school_year != year.name:
        raise _field_error("body", f"Tệp ghi năm học {programme.school_year}, không phải năm học {year.name} đang sửa")
    return programme


class GradebookUseCases:
    def __init__(self, uow: GradebookUnitOfWork, clock: Clock, default_windows: WindowSpec) -> None:
        self._uow = uow
        self._clock = clock
        self._default_windows = default_windows

    # -- shared lookups ---------------------------------------------------------------------------

    def _today(self) -> date:
        return self._clock().astimezone(VIETNAM).date()

    @staticmethod
    def _class(repo: GradebookRepository, school_id: str, class_id: str) -> ClassInfo:
        found = repo.class_info(school_id, class_id.strip()) if class_id.strip() else None
        if found is None:
            raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
        return found

    @staticmethod
    def _year(repo: GradebookRepository, school_id: str, year_id: str) -> YearInfo:
        found = repo.year(school_id, year_id.strip()) if year_id.strip() else None
        if found is None:
            raise NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})
        return found

    @staticmethod
    def _programme(repo: GradebookRepository, school_id: str, year: YearInfo) -> Programme:
        stored = repo.programme(school_id, year.id)
        text = stored.body if stored else shipped_programme_text(year.name)
        if text is None:
            message = f"Chưa có chương trình cho năm học {year.name}; Hiệu trưởng cần tải lên chương trình"
            raise ClosedError(message, {"school_year_id": message})
        return parse_programme(json.loads(text))

    def _windows(self, repo: GradebookRepository, school_id: str, year: YearInfo) -> dict[Period, tuple[Window, bool]]:
        stored = repo.windows(school_id, year.id)
        return {
            p: (stored[p], True)
            if p in stored
            else (default_window(self._default_windows, p, year.starts_on, year.ends_on), False)
            for p in Period
        }

    @staticmethod
    def _columns(programme: Programme, grade: int, period: Period, subject_code: str) -> tuple[str, list[Column]]:
        code = subject_code.strip().upper()
        if code == QUALITIES_SHEET:
            return "Phẩm chất và năng lực", [
                Column(item, name, CellKind.ITEM, False) for item, name in programme.items.items()
            ]
        subject = programme.subjects.get(code)
        if subject is None or not subject.taught_in(grade):
            message = f"Môn {subject_code or '(trống)'} không có trong chương trình lớp {grade}"
            raise _field_error("subject_code", message)
        tested = code in programme.tested(grade, period)
        return subject.name, [Column(code, subject.name, CellKind.SUBJECT, tested)]

    @staticmethod
    def _subjects(programme: Programme, actor: Actor, school_class: ClassInfo) -> list[tuple[str, str, bool]]:
        grade = school_class.grade_level
        choices = [
            (s.code, s.name, may_write(actor, school_class.id, CellKind.SUBJECT, s.code))
            for s in programme.subjects_of(grade)
        ]
        choices.append((QUALITIES_SHEET, "Phẩm chất và năng lực", may_write(actor, school_class.id, CellKind.ITEM, "")))
        return choices

    # -- the sheet ------------------------------------------------------------------------------

    def get_sheet(self, actor: Actor, school_id: str, class_id: str, period_code: str, subject_code: str) -> Sheet:
        period = parse_period(period_code)
        with self._uow(True) as repo:
            school_class = self._class(repo, school_id, class_id)
            programme = self._programme(repo, school_id, school_class.year)
            subject_name, columns = self._columns(programme, school_class.grade_level, period, subject_code)
            window, window_stored = self._windows(repo, school_id, school_class.year)[period]
            lock = repo.lock_state(school_id, school_class.id, period)
            pupils = repo.pupils(school_id, school_class.id)
            found = repo.sheet_cells(
                school_id, school_class.year.id, period, [p.student_id for p in pupils], [c.item_code for c in columns]
            )
        rows = [
            Row(
                pupil,
                [
                    (
                        found.cells.get((pupil.student_id, c.item_code), StoredCell(CellValue(), 0)),
                        found.attempts.get((pupil.student_id, c.item_code), 0),
                    )
                    for c in columns
                ],
            )
            for pupil in pupils
        ]
        refusal = self._refusal(actor, school_class, columns, window, period, lock)
        return Sheet(
            school_class=school_class,
            period=period,
            period_name=programme.periods[period],
            subject_code=subject_code.strip().upper(),
            subject_name=subject_name,
            columns=columns,
            rows=rows,
            may_write=refusal is None,
            write_refusal=refusal or "",
            window=window,
            window_stored=window_stored,
            window_open=window.state(self._today()) == "OPEN",
            lock=lock,
            subjects=self._subjects(programme, actor, school_class),
        )

    def _refusal(
        self,
        actor: Actor,
        school_class: ClassInfo,
        columns: list[Column],
        window: Window,
        period: Period,
        lock: LockState,
    ) -> str | None:
        """Why the caller may not write this sheet now (None when they may)."""
        for c in columns:
            if not may_write(actor, school_class.id, c.kind, c.item_code):
                return write_refusal(c.kind, c.item_code, c.name)
        if lock.locked:
            return "Kỳ đánh giá đã khóa; cần Hiệu trưởng hoặc Phó Hiệu trưởng mở khóa (có lý do) trước khi sửa"
        if lock.reopened:
            return None  # unlocked for corrections: open whatever the entry window says (as _check_open)
        return window_refusal(window, self._today(), period)

    # -- saving ---------------------------------------------------------------------------------

    def save_cells(self, actor: Actor, school_id: str, cmd: SaveCells) -> SaveResult:
        period = parse_period(cmd.period)
        key = cmd.idempotency_key.strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise _field_error("idempotency_key", f"Khóa chống gửi trùng tối đa {IDEMPOTENCY_KEY_MAX} ký tự")
        if not cmd.cells:
            raise _field_error("cells", "Không có ô nào để lưu")
        fingerprint = _fingerprint(actor, cmd)
        # A unique violation means a concurrent writer took the same key or first-inserted one of
        # the cells: run again, which then answers from the stored key or reports the conflict.
        for _ in range(3):
            try:
                with self._uow(False) as repo:
                    # Who may write these cells first: a stored answer is replayed only to a caller
                    # who may still make this save (keys are per user, so it is their own answer).
                    target = self._target(repo, actor, school_id, cmd, period)
                    if key:
                        answer = self._answer_for(repo, school_id, actor.subject, key, fingerprint)
                        if answer is not None:
                            return answer
                    result = self._save(repo, actor, school_id, target, period, cmd.reason)
                    if key:
                        pupils = {c.student_id for c in result.saved} | {c.current.student_id for c in result.conflicts}
                        repo.remember_answer(
                            school_id, actor.subject, key, fingerprint, result.to_json(), pupils, self._clock()
                        )
                    return result
            except DuplicateKeyError:
                continue
        message = "Bảng điểm đang được nhiều người lưu cùng lúc; hãy tải lại trang rồi lưu lại"
        raise StaleError(message, {"cells": message})

    @staticmethod
    def _answer_for(
        repo: GradebookRepository, school_id: str, actor: str, key: str, fingerprint: str
    ) -> SaveResult | None:
        stored = repo.saved_answer(school_id, actor, key)
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise _field_error("idempotency_key", "Khóa chống gửi trùng này đã được dùng cho một lần lưu khác")
        return SaveResult.from_json(stored[1])

    def _check_open(
        self, repo: GradebookRepository, school_id: str, school_class: ClassInfo, period: Period, reason: str
    ) -> str:
        """Re-check the window and the lock in the writing transaction; the reason, when one is needed.
        The lock row is held first, so a concurrent lock waits for this write (or this write for it)."""
        repo.hold_period(school_id, school_class.id, period)
        lock = repo.lock_state(school_id, school_class.id, period)
        try:
            check_write(locked=lock.locked)
        except ValidationError as err:
            raise ClosedError(err.message, err.fields) from None
        if lock.reopened:
            # Unlocked by the HT with a reason: corrections are the point, whatever the entry window says.
            return check_reason(reason)
        window, _ = self._windows(repo, school_id, school_class.year)[period]
        refusal = window_refusal(window, self._today(), period)
        if refusal:
            raise ClosedError(refusal, {"period": refusal})
        return " ".join(reason.split())[:500]

    def _target(
        self, repo: GradebookRepository, actor: Actor, school_id: str, cmd: SaveCells, period: Period
    ) -> _Target:
        """The class, its columns and the requests of a save, once the caller may write every cell."""
        school_class = self._class(repo, school_id, cmd.class_id)
        programme = self._programme(repo, school_id, school_class.year)
        _, columns = self._columns(programme, school_class.grade_level, period, cmd.subject_code)
        kinds = {c.item_code: c.kind for c in columns}
        requests = [
            CellRequest(c.student_id, c.item_code.strip().upper() or columns[0].item_code, *_rest(c)) for c in cmd.cells
        ]
        for req in requests:
            kind = kinds.get(req.item_code, CellKind.SUBJECT)
            if not may_write(actor, school_class.id, kind, req.item_code):
                message = write_refusal(kind, req.item_code, programme.name_of(req.item_code))
                raise ForbiddenError(message, {"subject_code": message})
        return _Target(school_class, columns, requests)

    def _save(
        self, repo: GradebookRepository, actor: Actor, school_id: str, target: _Target, period: Period, why: str
    ) -> SaveResult:
        school_class, columns, requests = target.school_class, target.columns, target.requests
        kinds = {c.item_code: c.kind for c in columns}
        reason = self._check_open(repo, school_id, school_class, period, why)
        pupils = {p.student_id: p for p in repo.pupils(school_id, school_class.id)}
        tested = frozenset(c.item_code for c in columns if c.tested)
        names = {c.item_code: c.name for c in columns}
        wanted = check_cells(requests, kinds=kinds, tested=tested, pupils=pupils, names=names, period_name=period.value)
        year_id = school_class.year.id
        found = repo.sheet_cells(school_id, year_id, period, {r.student_id for r in requests}, kinds, for_update=True)
        now = self._clock()
        saved: list[SavedCell] = []
        conflicts: list[Conflict] = []
        unchanged = 0
        changes: list[ChangeRow] = []
        # First what each cell does, then every write at once (one statement per kind of write).
        writes: list[tuple[CellRequest, StoredCell, CellValue]] = []
        stale: list[tuple[CellRequest, StoredCell]] = []
        for req in requests:
            cell_key = (req.student_id, req.item_code)
            stored = found.cells.get(cell_key, StoredCell(CellValue(), 0))
            value = wanted[cell_key]
            outcome = decide(stored, value, req.expected_version)
            if outcome is Outcome.UNCHANGED:
                unchanged += 1
            elif outcome is Outcome.CONFLICT:
                stale.append((req, stored))
            else:
                writes.append((req, stored, value))
        versions = repo.write_cells(
            school_id,
            school_class.id,
            year_id,
            period,
            [CellWrite(CellKey(r.student_id, r.item_code), kinds[r.item_code], v, st.version) for r, st, v in writes],
            actor,
            now,
        )
        events: list[ScoreRecorded] = []
        for req, stored, value in writes:
            cell_key = (req.student_id, req.item_code)
            version = versions.get(cell_key)
            if version is None:  # someone first-inserted this cell between our read and write
                stale.append((req, stored))
                continue
            for name in value.changed_fields(stored.value):
                changes.append(
                    ChangeRow(
                        req.student_id,
                        req.item_code,
                        name,
                        stored.value.field_text(name),
                        value.field_text(name),
                        reason,
                    )
                )
            attempts = found.attempts.get(cell_key, 0)
            if value.score is not None and attempts == 0:
                # The first test taken: the start of the attempts history retests add to.
                repo.add_attempt(
                    school_id, req.student_id, year_id, period, req.item_code,
                    Attempt(1, value.score, "", False, "", now), actor,
                )  # fmt: skip
                attempts = 1
            elif attempts and value.score != stored.value.score:
                # A correction on the grid: the attempts history must keep ending with the score that counts.
                repo.correct_attempt(school_id, CellKey(*cell_key), year_id, period, value.score, actor, now)
                attempts = attempts if value.score is not None else 0
            saved.append(saved_cell(*cell_key, StoredCell(value, version, actor.name, now), attempts))
            events.append(
                ScoreRecorded(
                    school_year_id=year_id,
                    class_id=school_class.id,
                    student_id=req.student_id,
                    student_code=pupils[req.student_id].student_code,
                    period=period,
                    item_code=req.item_code,
                    kind=kinds[req.item_code],
                    level=value.level,
                    score=value.score,
                    version=version,
                    is_retest=False,
                    recorded_at=now,
                )
            )
        if stale:
            current = repo.sheet_cells(
                school_id, year_id, period, {r.student_id for r, _ in stale}, {r.item_code for r, _ in stale}
            )
            for req, stored in stale:
                cell_key = (req.student_id, req.item_code)
                latest = current.cells.get(cell_key, stored)
                when = latest.updated_at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") if latest.updated_at else ""
                conflicts.append(
                    Conflict(
                        saved_cell(*cell_key, latest, current.attempts.get(cell_key, 0)),
                        req,
                        conflict_message(latest, when),
                    )
                )
        repo.emit(school_id, events)
        repo.add_changes(school_id, school_class.id, year_id, period, changes, actor, now)
        return SaveResult(saved, conflicts, unchanged)

    # -- retests --------------------------------------------------------------------------------

    def record_retest(self, actor: Actor, school_id: str, cmd: Retest) -> SavedCell:
        period = parse_period(cmd.period)
        reason = check_reason(cmd.reason)
        score = _retest_score(cmd.score, cmd.raw_total)
        raw_total = cmd.raw_total.strip().replace(",", ".") if not cmd.score.strip() else ""
        with self._uow(False) as repo:
            school_class = self._class(repo, school_id, cmd.class_id)
            programme = self._programme(repo, school_id, school_class.year)
            subject_name, columns = self._columns(programme, school_class.grade_level, period, cmd.subject_code)
            column = columns[0]
            if column.kind is not CellKind.SUBJECT:
                raise _field_error("subject_code", "Chỉ môn học có bài kiểm tra định kì mới kiểm tra lại")
            if not may_write(actor, school_class.id, column.kind, column.item_code):
                message = write_refusal(column.kind, column.item_code, subject_name)
                raise ForbiddenError(message, {"subject_code": message})
            if not column.tested:
                message = f"Kỳ {period.value} môn {subject_name} không có bài kiểm tra định kì"
                raise _field_error("score", message)
            if period not in RETEST_PERIODS:
                # domain-vn §1.5: a retest is for the end-of-term tests (CK1, CN) only.
                message = "Chỉ kiểm tra lại bài kiểm tra định kì cuối học kì I (CK1) và cuối năm học (CN)"
                raise _field_error("period", message)
            self._check_open(repo, school_id, school_class, period, reason)
            pupil = next((p for p in repo.pupils(school_id, school_class.id) if p.student_id == cmd.student_id), None)
            if pupil is None or not pupil.editable:
                raise _field_error("student_id", "Học sinh không còn trong lớp ở kỳ này")
            year_id = school_class.year.id
            found = repo.sheet_cells(
                school_id, year_id, period, [pupil.student_id], [column.item_code], for_update=True
            )
            cell_key = (pupil.student_id, column.item_code)
            stored = found.cells.get(cell_key)
            if stored is None or stored.value.score is None:
                raise _field_error("score", "Học sinh chưa có điểm bài kiểm tra lần đầu; hãy nhập điểm trên bảng")
            if stored.version != cmd.expected_version:
                when = stored.updated_at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") if stored.updated_at else ""
                message = conflict_message(stored, when)
                raise StaleError(message, {"expected_version": message})
            attempts = repo.attempts(school_id, pupil.student_id, year_id, period, column.item_code)
            now = self._clock()
            if not attempts:  # a score from before the attempts history: keep it as the first test
                first = Attempt(1, stored.value.score, "", False, "", stored.updated_at or now)
                repo.add_attempt(school_id, pupil.student_id, year_id, period, column.item_code, first, actor)
                attempts = [first]
            retest = Attempt(len(attempts) + 1, score, raw_total, True, reason, now)
            repo.add_attempt(school_id, pupil.student_id, year_id, period, column.item_code, retest, actor)
            official = last_attempt([a.score for a in [*attempts, retest]])
            value = CellValue(stored.value.level, official, stored.value.comment)
            write = CellWrite(CellKey(*cell_key), CellKind.SUBJECT, value, stored.version)
            version = repo.write_cells(school_id, school_class.id, year_id, period, [write], actor, now).get(cell_key)
            if version is None:
                message = "Ô này vừa được người khác sửa; hãy tải lại rồi nhập lại"
                raise StaleError(message, {"expected_version": message})
            if stored.value.score != official:
                change = ChangeRow(
                    pupil.student_id, column.item_code, "score", stored.value.field_text("score"), str(official), reason
                )
                repo.add_changes(school_id, school_class.id, year_id, period, [change], actor, now)
            repo.emit(
                school_id,
                [ScoreRecorded(
                    year_id, school_class.id, pupil.student_id, pupil.student_code, period, column.item_code,
                    CellKind.SUBJECT, value.level, official, version, True, now,
                )],
            )  # fmt: skip
            return saved_cell(*cell_key, StoredCell(value, version, actor.name, now), len(attempts) + 1)

    # -- history --------------------------------------------------------------------------------

    def cell_history(
        self, school_id: str, class_id: str, student_id: str, period_code: str, item_code: str
    ) -> CellHistory:
        period = parse_period(period_code)
        code = item_code.strip().upper()
        with self._uow(True) as repo:
            school_class = self._class(repo, school_id, class_id)
            if student_id not in {p.student_id for p in repo.pupils(school_id, school_class.id)}:
                raise NotFoundError("Không tìm thấy học sinh trong lớp", {"student_id": "Không tìm thấy học sinh"})
            year_id = school_class.year.id
            found = repo.sheet_cells(school_id, year_id, period, [student_id], [code])
            cell = found.cells.get((student_id, code), StoredCell(CellValue(), 0))
            changes = repo.changes(school_id, student_id, year_id, period, code)
            attempts = repo.attempts(school_id, student_id, year_id, period, code)
        return CellHistory(saved_cell(student_id, code, cell, len(attempts)), changes, attempts)

    # -- comment bank ---------------------------------------------------------------------------

    def comments(self, actor: Actor, school_id: str, item_code: str) -> list[BankComment]:
        with self._uow(True) as repo:
            return repo.comments(school_id, actor.subject, item_code.strip().upper())

    def add_comment(self, actor: Actor, school_id: str, text: str, item_code: str, shared: bool) -> BankComment:
        clean = " ".join(text.split())
        if not clean:
            raise _field_error("text", "Hãy nhập nội dung nhận xét")
        if len(clean) > COMMENT_TEXT_MAX:
            raise _field_error("text", f"Nhận xét tối đa {COMMENT_TEXT_MAX} ký tự")
        code = item_code.strip().upper()
        if len(code) > 40:
            raise _field_error("item_code", "Mã môn hoặc nội dung không hợp lệ")
        if shared and not actor.school_wide:
            message = "Chỉ Ban giám hiệu được thêm nhận xét dùng chung cho cả trường"
            raise ForbiddenError(message, {"shared": message})
        with self._uow(False) as repo:
            return repo.add_comment(school_id, "" if shared else actor.subject, code, clean, self._clock())

    def delete_comment(self, actor: Actor, school_id: str, comment_id: str) -> None:
        with self._uow(False) as repo:
            found = repo.get_comment(school_id, comment_id.strip()) if comment_id.strip() else None
            visible = found is not None and found.owner_id in ("", actor.subject)
            if found is None or not visible:
                raise NotFoundError("Không tìm thấy nhận xét", {"comment_id": "Không tìm thấy nhận xét"})
            if found.owner_id == "" and not actor.school_wide:
                message = "Chỉ Ban giám hiệu được xóa nhận xét dùng chung"
                raise ForbiddenError(message, {"comment_id": message})
            repo.delete_comment(school_id, found.id)

    # -- programme and windows ------------------------------------------------------------------

    def programme(self, school_id: str, year_id: str) -> ProgrammeView:
        with self._uow(True) as repo:
            year = self._year(repo, school_id, year_id)
            stored = repo.programme(school_id, year.id)
        if stored is not None:
            return ProgrammeView(year, stored.body, stored.version, True, stored.updated_by_name, stored.updated_at)
        text = shipped_programme_text(year.name)
        if text is None:
            message = f"Chưa có chương trình cho năm học {year.name}; hãy tải lên tệp chương trình"
            raise NotFoundError(message, {"school_year_id": message})
        return ProgrammeView(year, text, 0, False)

    def replace_programme(
        self, actor: Actor, school_id: str, year_id: str, body: str, expected_version: int
    ) -> ProgrammeView:
        with self._uow(False) as repo:
            year = self._year(repo, school_id, year_id)
            check_programme_text(body, year)
            if repo.year_has_lock(school_id, year.id):
                # Tested subjects decide lock completeness and results: a locked period keeps its programme.
                message = (
                    f"Năm học {year.name} đã có lớp khóa kỳ đánh giá; không thể thay chương trình. "
                    "Hãy mở khóa các kỳ đã khóa trước nếu thật sự cần thay"
                )
                raise ClosedError(message, {"body": message})
            now = self._clock()
            if not repo.save_programme(school_id, year.id, body, expected_version, actor, now):
                message = "Chương trình vừa được người khác thay; hãy tải lại trang"
                raise StaleError(message, {"expected_version": message})
        return self.programme(school_id, year_id)

    def windows(self, school_id: str, year_id: str) -> WindowsView:
        with self._uow(True) as repo:
            year = self._year(repo, school_id, year_id)
            windows = self._windows(repo, school_id, year)
            stored = repo.programme(school_id, year.id)
        names = _period_names(stored.body if stored else shipped_programme_text(year.name))
        return WindowsView(year, [(p, names.get(p, p.value), w, s) for p, (w, s) in windows.items()])

    def save_windows(
        self, actor: Actor, school_id: str, year_id: str, wanted: Mapping[str, tuple[str, str]]
    ) -> WindowsView:
        """``wanted`` maps a period code to (opens_on, closes_on) as ISO or dd/mm/yyyy text."""
        parsed: dict[Period, tuple[str, str]] = {}
        problems: dict[str, str] = {}
        for code, dates in wanted.items():
            try:
                parsed[Period(code.strip().upper())] = dates
            except ValueError:
                problems[f"windows.{code}"] = "Kỳ đánh giá là GK1, CK1, GK2 hoặc CN"
        for period in Period:
            if period not in parsed and not problems:
                problems[f"windows.{period.value}"] = f"Thiếu thời hạn nhập của kỳ {period.value}"
        if problems:
            raise ValidationError("Thời hạn nhập chưa hợp lệ", problems)
        with self._uow(False) as repo:
            year = self._year(repo, school_id, year_id)
            windows: dict[Period, Window] = {}
            for period, (opens, closes) in parsed.items():
                prefix = f"windows.{period.value}"
                try:
                    window = Window(
                        parse_vn_date(opens, f"{prefix}.opens_on"), parse_vn_date(closes, f"{prefix}.closes_on")
                    )
                    check_window_dates(window.opens_on, window.closes_on, year.starts_on, year.ends_on)
                    windows[period] = window
                except ValidationError as err:
                    problems.update({k if k.startswith(prefix) else f"{prefix}.{k}": v for k, v in err.fields.items()})
            if problems:
                raise ValidationError("Thời hạn nhập chưa hợp lệ", problems)
            repo.save_windows(school_id, year.id, windows, actor, self._clock())
        return self.windows(school_id, year_id)


def _rest(c: CellRequest) -> tuple[str, str, str, int]:
    return c.level, c.score, c.comment, c.expected_version


def _fingerprint(actor: Actor, cmd: SaveCells) -> str:
    """What makes two saves "the same request" for the idempotency check (the sender included)."""
    body = json.dumps(
        [actor.subject, cmd.class_id, cmd.period, cmd.subject_code, [asdict(c) for c in cmd.cells], cmd.reason],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _retest_score(score: str, raw_total: str) -> int:
    """The official score of a retest: the whole score typed, or the paper's total (0.25 steps)
    rounded by official_score."""
    if score.strip() and raw_total.strip():
        raise _field_error("raw_total", "Nhập điểm hoặc điểm bài làm, không nhập cả hai")
    if score.strip():
        value, problem = parse_score(score)
        if problem or value is None:
            raise _field_error("score", problem or "Hãy nhập điểm")
        return check_score("score", value)
    text = raw_total.strip().replace(",", ".")
    if not text:
        raise _field_error("score", "Hãy nhập điểm bài kiểm tra lại")
    try:
        total = Decimal(text)
    except InvalidOperation:
        raise _field_error("raw_total", "Điểm bài làm phải là số, ví dụ 8,75") from None
    if total.is_finite() and (total * 4) != (total * 4).to_integral_value():
        raise _field_error("raw_total", "Điểm bài làm chấm theo bước 0,25 (ví dụ 8,25; 8,5; 8,75)")
    return official_score(total)


def _period_names(text: str | None) -> dict[Period, str]:
    if not text:
        return {}
    try:
        return {Period(code): str(name) for code, name in json.loads(text)["periods"]}
    except (KeyError, TypeError, ValueError):
        return {}


def utc_now() -> datetime:
    return datetime.now(UTC)
