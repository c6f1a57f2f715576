"""Use cases of the grade-book checks and of locking (issue 5 points 5 and 6).

Reading: per class of a school year, what is still missing in a period (domain.checks), for the
classes the caller reaches (the TTCM through the department's grades, the PHT and HT everywhere).
Writing: lock a class's period once nothing is missing and, with separation of duties on, only by
someone who changed none of its cells; lock a whole grade or school class by class; unlock with a
reason. Each lock or unlock writes the lock row, the lock log and its event in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from school_grades.domain.checks import Entered, Gap, GroupSummary, Pupil, class_gaps, lock_blockers, summarise
from school_grades.domain.errors import DomainError, NotFoundError, ValidationError
from school_grades.domain.locking import LockRefusedError, PeriodState, check_lock, check_reason
from school_grades.domain.programme import GRADES, Period, Programme, parse_period

NOT_ASSIGNED = "Bạn không phụ trách lớp này"
LOG_LIMIT_DEFAULT, LOG_LIMIT_MAX = 100, 500
# School days are Vietnamese calendar days (UTC+7 all year).
VN_TZ = timezone(timedelta(hours=7))


class ForbiddenError(DomainError):
    """The caller may not act on this object (outside their reach, or without the permission)."""


class ConflictError(DomainError):
    """Someone else changed the lock at the same moment: reload and try again."""


@dataclass(frozen=True)
class ClassInfo:
    class_id: str
    school_id: str
    school_year_id: str
    name: str
    grade_level: int


@dataclass(frozen=True)
class YearInfo:
    school_year_id: str
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class LockState:
    locked: bool
    locked_at: datetime | None = None
    locked_by: str = ""
    locked_by_name: str = ""
    version: int = 0


@dataclass(frozen=True)
class LockLogEntry:
    class_id: str
    class_name: str
    period: str
    action: str  # LOCK | UNLOCK
    actor: str
    actor_name: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class LockChange:
    """One lock or unlock to store, with what its event says (natural keys; no reason text)."""

    school_class: ClassInfo
    school_year_name: str
    period: Period
    action: str  # LOCK | UNLOCK
    actor: str
    actor_name: str
    at: datetime
    reason: str
    expected_version: int  # 0: no lock row yet


@dataclass(frozen=True)
class Actor:
    """Who calls, as the use cases need it: ``reaches`` is the object check (Caller.reaches_class_in)."""

    user_id: str
    name: str
    school_id: str
    reaches: Callable[[ClassInfo], bool]
    can_lock: bool = False


@dataclass(frozen=True)
class ClassCheck:
    school_class: ClassInfo
    period: Period
    pupils: int
    expected: int
    missing_levels: int
    missing_scores: int
    lock: LockState


@dataclass(frozen=True)
class ClassChecks:
    year: YearInfo | None  # None until grades has heard of a school year
    years: list[YearInfo]
    classes: list[ClassCheck]


@dataclass(frozen=True)
class ClassDetail:
    summary: ClassCheck
    subjects: list[GroupSummary]
    gaps: list[Gap]


@dataclass(frozen=True)
class LockOutcome:
    school_class: ClassInfo
    outcome: str  # LOCKED | ALREADY_LOCKED | REFUSED
    reasons: Mapping[str, str] = field(default_factory=dict)


class ChecksStore(Protocol):
    """What the checks read and the locks write, inside one transaction (see adapters)."""

    def school_class(self, school_id: str, class_id: str) -> ClassInfo | None: ...

    def classes(self, school_id: str, school_year_id: str, grade_level: int) -> list[ClassInfo]:
        """The year's classes by name; grade_level 0 for every grade."""
        ...

    def year_name(self, school_id: str, school_year_id: str) -> str | None: ...

    def years(self, school_id: str) -> list[YearInfo]:
        """The school's years, newest first."""
        ...

    def programme(self, school_id: str, school_year_id: str) -> Programme: ...

    def pupils(self, school_id: str, class_id: str) -> list[Pupil]:
        """The class's roster in name order, without the pupils who left."""
        ...

    def cells(
        self, school_id: str, school_year_id: str, period: Period, student_ids: Sequence[str]
    ) -> dict[tuple[str, str], Entered]: ...

    def followed(self, school_id: str, school_year_id: str, student_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """Pupil → subject codes with any cell in the year (who follows an elective)."""
        ...

    def entered_by(self, school_id: str, class_id: str, school_year_id: str, period: Period) -> dict[str, str]:
        """Subject code (or the qualities' group) → name of who last entered one of its cells."""
        ...

    def lock(self, school_id: str, class_id: str, period: Period) -> LockState: ...

    def hold(self, school_id: str, class_id: str, period: Period) -> None:
        """Hold the class period's lock row until the transaction ends (grade book saves hold it too),
        so a save cannot land between reading completeness and writing the lock."""
        ...

    def changed_cells(self, school_id: str, class_id: str, school_year_id: str, period: Period, actor: str) -> bool:
        """Whether ``actor`` changed any cell of this class in this period (cell_changes)."""
        ...

    def save_lock(self, change: LockChange) -> LockState:
        """Write the lock row (ConflictError on a stale version), the lock log and the event."""
        ...

    def lock_log(
        self, school_id: str, school_year_id: str, class_ids: Sequence[str] | None, limit: int
    ) -> list[LockLogEntry]: ...


StoreFactory = Callable[[bool], AbstractContextManager[ChecksStore]]
"""Opens a transaction (read-only when True) and yields a store bound to it."""


def _grade(value: int) -> int:
    if value and value not in GRADES:
        message = "Khối lớp phải từ 1 đến 5"
        raise ValidationError(message, {"grade_level": message})
    return value


class ChecksUseCases:
    def __init__(self, store: StoreFactory, *, separation_of_duties: bool, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._sod = separation_of_duties
        self._clock = clock

    # -- reading -------------------------------------------------------------------------------

    def list_class_checks(self, actor: Actor, school_year_id: str, period: str, grade_level: int = 0) -> ClassChecks:
        """Every class of the year (the current one when none is given) the caller reaches, with
        its counts for ``period``."""
        when = parse_period(period)
        grade = _grade(grade_level)
        with self._store(True) as store:
            years = store.years(actor.school_id)
            year = self._chosen_year(years, school_year_id)
            if year is None:  # grades has heard of no year yet: nothing to check
                return ClassChecks(None, [], [])
            programme = store.programme(actor.school_id, year.school_year_id)
            classes = [
                self._detail(store, programme, c, when).summary
                for c in store.classes(actor.school_id, year.school_year_id, grade)
                if actor.reaches(c)
            ]
            return ClassChecks(year, years, classes)

    def class_check(self, actor: Actor, class_id: str, period: str) -> ClassDetail:
        with self._store(True) as store:
            # The object first: another school's class is "not found" whatever else is wrong.
            school_class = self._class(store, actor, class_id)
            when = parse_period(period)
            programme = store.programme(actor.school_id, school_class.school_year_id)
            return self._detail(store, programme, school_class, when)

    def lock_log(self, actor: Actor, school_year_id: str, class_id: str = "", limit: int = 0) -> list[LockLogEntry]:
        if limit < 0 or limit > LOG_LIMIT_MAX:
            message = f"Số dòng từ 1 đến {LOG_LIMIT_MAX}"
            raise ValidationError(message, {"limit": message})
        with self._store(True) as store:
            year = self._chosen_year(store.years(actor.school_id), school_year_id)
            if year is None:
                return []
            if class_id.strip():
                ids: list[str] | None = [self._class(store, actor, class_id).class_id]
            else:
                classes = store.classes(actor.school_id, year.school_year_id, 0)
                reached = [c.class_id for c in classes if actor.reaches(c)]
                ids = None if len(reached) == len(classes) else reached
            return store.lock_log(actor.school_id, year.school_year_id, ids, limit or LOG_LIMIT_DEFAULT)

    # -- locking -------------------------------------------------------------------------------

    def lock(self, actor: Actor, class_id: str, period: str) -> ClassCheck:
        """Lock one class's period, or LockRefusedError with every reason at once."""
        self._may_lock(actor)
        with self._store(False) as store:
            school_class = self._class(store, actor, class_id)
            when = parse_period(period)
            self._lock_one(store, actor, school_class, when)
            programme = store.programme(actor.school_id, school_class.school_year_id)
            return self._detail(store, programme, school_class, when).summary

    def lock_many(self, actor: Actor, school_year_id: str, period: str, grade_level: int = 0) -> list[LockOutcome]:
        """Lock a period for a grade (or the whole school): each class is checked and locked in its
        own transaction, so one refused class does not keep the others open."""
        when = parse_period(period)
        grade = _grade(grade_level)
        self._may_lock(actor)
        with self._store(True) as store:
            year = self._chosen_year(store.years(actor.school_id), school_year_id)
            if year is None:
                return []
            targets = [c for c in store.classes(actor.school_id, year.school_year_id, grade) if actor.reaches(c)]
        outcomes: list[LockOutcome] = []
        for school_class in targets:
            try:
                with self._store(False) as store:
                    if store.lock(actor.school_id, school_class.class_id, when).locked:
                        outcomes.append(LockOutcome(school_class, "ALREADY_LOCKED"))
                        continue
                    self._lock_one(store, actor, school_class, when)
                outcomes.append(LockOutcome(school_class, "LOCKED"))
            except (LockRefusedError, ConflictError) as err:
                outcomes.append(LockOutcome(school_class, "REFUSED", err.fields or {"period": err.message}))
        return outcomes

    def unlock(self, actor: Actor, class_id: str, period: str, reason: str) -> ClassCheck:
        """Open a locked class period again; the reason (10..500 characters) goes to the lock log."""
        self._may_lock(actor)
        with self._store(False) as store:
            school_class = self._class(store, actor, class_id)
            when = parse_period(period)
            problems: dict[str, str] = {}
            try:
                clean = check_reason(reason)
            except ValidationError as err:
                problems.update(err.fields)
                clean = ""
            store.hold(actor.school_id, school_class.class_id, when)
            state = store.lock(actor.school_id, school_class.class_id, when)
            if not state.locked:
                problems["period"] = "Kỳ đánh giá này của lớp chưa khóa"
            if problems:
                raise ValidationError("Chưa thể mở khóa", problems)
            store.save_lock(self._change(store, actor, school_class, when, "UNLOCK", clean, state.version))
            programme = store.programme(actor.school_id, school_class.school_year_id)
            return self._detail(store, programme, school_class, when).summary

    # -- helpers -------------------------------------------------------------------------------

    def _lock_one(self, store: ChecksStore, actor: Actor, school_class: ClassInfo, when: Period) -> None:
        store.hold(actor.school_id, school_class.class_id, when)
        state = store.lock(actor.school_id, school_class.class_id, when)
        programme = store.programme(actor.school_id, school_class.school_year_id)
        pupils = store.pupils(actor.school_id, school_class.class_id)
        ids = [p.student_id for p in pupils]
        cells = store.cells(actor.school_id, school_class.school_year_id, when, ids)
        followed = store.followed(actor.school_id, school_class.school_year_id, ids)
        missing = lock_blockers(programme, school_class.grade_level, when, pupils, cells, followed)
        entered = store.changed_cells(
            actor.school_id, school_class.class_id, school_class.school_year_id, when, actor.user_id
        )
        check_lock(PeriodState(state.locked, missing, entered), separation_of_duties=self._sod)
        store.save_lock(self._change(store, actor, school_class, when, "LOCK", "", state.version))

    def _change(
        self,
        store: ChecksStore,
        actor: Actor,
        school_class: ClassInfo,
        when: Period,
        action: str,
        reason: str,
        version: int,
    ) -> LockChange:
        return LockChange(
            school_class=school_class,
            school_year_name=store.year_name(actor.school_id, school_class.school_year_id) or "",
            period=when,
            action=action,
            actor=actor.user_id,
            actor_name=actor.name,
            at=self._clock(),
            reason=reason,
            expected_version=version,
        )

    def _detail(self, store: ChecksStore, programme: Programme, school_class: ClassInfo, when: Period) -> ClassDetail:
        pupils = store.pupils(school_class.school_id, school_class.class_id)
        ids = [p.student_id for p in pupils]
        cells = store.cells(school_class.school_id, school_class.school_year_id, when, ids)
        followed = store.followed(school_class.school_id, school_class.school_year_id, ids)
        grade = school_class.grade_level
        gaps = class_gaps(programme, grade, when, pupils, cells, followed)
        names = store.entered_by(school_class.school_id, school_class.class_id, school_class.school_year_id, when)
        subjects = summarise(programme, grade, when, pupils, gaps, names, followed)
        summary = ClassCheck(
            school_class=school_class,
            period=when,
            pupils=len(pupils),
            expected=sum(s.expected for s in subjects),
            missing_levels=sum(s.missing_levels for s in subjects),
            missing_scores=sum(s.missing_scores for s in subjects),
            lock=store.lock(school_class.school_id, school_class.class_id, when),
        )
        return ClassDetail(summary, subjects, gaps)

    @staticmethod
    def _may_lock(actor: Actor) -> None:
        # Re-checked here although the servicer requires the permission: a use case never trusts its caller.
        if not actor.can_lock:
            message = "Chỉ Hiệu trưởng hoặc Phó Hiệu trưởng được giao mới được khóa, mở khóa sổ"
            raise ForbiddenError(message, {"period": message})

    def _chosen_year(self, years: Sequence[YearInfo], school_year_id: str) -> YearInfo | None:
        """The year asked for; when none is asked, the one running today, else the newest, else None
        (grades has not heard of any year yet)."""
        wanted = school_year_id.strip()
        if wanted:
            for year in years:
                if year.school_year_id == wanted:
                    return year
            raise NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})
        today = self._clock().astimezone(VN_TZ).date()
        running = [y for y in years if y.starts_on <= today <= y.ends_on]
        if running:
            return running[0]
        return years[0] if years else None

    @staticmethod
    def _class(store: ChecksStore, actor: Actor, class_id: str) -> ClassInfo:
        if not class_id.strip():
            raise ValidationError("Thiếu lớp", {"class_id": "Vui lòng chọn lớp"})
        school_class = store.school_class(actor.school_id, class_id.strip())
        if school_class is None:
            raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
        if not actor.reaches(school_class):
            raise ForbiddenError(NOT_ASSIGNED, {"class_id": NOT_ASSIGNED})
        return school_class
