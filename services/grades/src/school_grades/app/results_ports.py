"""Ports of the consolidation and year-results use cases (issue 5, point 4) and the plain records
they exchange with the adapters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from school_grades.domain.evaluation import Award, YearResult
from school_grades.domain.programme import Period, Programme
from school_grades.domain.results import Basis, Decision, PrincipalDecision, Supplementary


@dataclass(frozen=True)
class ResultClass:
    """A class as grades knows it from students' events: its year and grade level."""

    class_id: str
    name: str
    grade_level: int
    school_year_id: str
    school_year_name: str


@dataclass(frozen=True)
class Pupil:
    """A roster entry; ``left_on`` is set for a pupil who left the class (kept on the sheet)."""

    student_id: str
    student_code: str
    full_name: str
    class_id: str
    left_on: date | None = None
    left_status: str | None = None


@dataclass(frozen=True)
class Cell:
    """One value of the grade book: a subject (level T/H/C, score) or a quality/competency (T/Đ/C)."""

    student_id: str
    item_code: str
    kind: str  # SUBJECT or ITEM
    level: str | None
    score: int | None


@dataclass(frozen=True)
class StoredResult:
    student_id: str
    school_year_id: str
    school_id: str
    class_id: str
    grade_level: int
    computed_result: YearResult
    explanation: tuple[str, ...]
    result: YearResult
    completes_grade: bool
    award: Award | None
    decision: Decision | None
    decision_basis: Basis | None
    principal: PrincipalDecision | None
    decided_by: str | None
    decided_by_name: str | None
    version: int
    computed_at: datetime
    computed_by: str
    computed_by_name: str
    # The version of the class's CN lock the result was computed under: an unlock (and relock)
    # moves the lock's version on, which makes this result stale until it is computed again.
    cn_lock_version: int | None = None


@dataclass(frozen=True)
class CnLock:
    """The class's CN lock as period_locks holds it."""

    locked: bool
    version: int


def is_stale(row: StoredResult, lock: CnLock | None) -> bool:
    """Whether a stored result no longer stands on the CN values it was computed from: CN is not
    locked now, or it was unlocked (and perhaps relocked) since the compute."""
    return lock is None or not lock.locked or lock.version != row.cn_lock_version


@dataclass(frozen=True)
class StoredSupplementary:
    assessment: Supplementary
    recorded_by_name: str
    recorded_at: datetime


@dataclass(frozen=True)
class StoredNomination:
    evidence: str
    recognised_by_class: bool
    nominated_by: str
    nominated_by_name: str
    nominated_at: datetime
    approved: bool | None = None  # None: waiting for the principal
    approved_by: str | None = None
    approved_by_name: str | None = None
    approved_at: datetime | None = None


class ResultsRepository(Protocol):
    """One transaction's view of the grade book and the results tables."""

    def class_facts(self, school_id: str, class_id: str) -> ResultClass | None: ...

    def programme(self, school_id: str, school_year_id: str, school_year_name: str) -> Programme:
        """The year's programme: the school's edited copy, else the shipped one."""
        ...

    def pupils(self, school_id: str, class_id: str) -> list[Pupil]:
        """The class roster in name order, pupils who left included."""
        ...

    def pupil(self, school_id: str, student_id: str) -> Pupil | None: ...

    def cells(self, school_id: str, school_year_id: str, period: Period, student_ids: Sequence[str]) -> list[Cell]: ...

    def result(
        self, school_id: str, student_id: str, school_year_id: str, *, for_update: bool = False
    ) -> StoredResult | None: ...

    def latest_result(self, school_id: str, student_id: str, *, for_update: bool = False) -> StoredResult | None:
        """The pupil's most recently computed result (any year)."""
        ...

    def results(self, school_id: str, class_id: str, school_year_id: str) -> list[StoredResult]: ...

    def cn_lock(self, school_id: str, class_id: str, *, for_update: bool = False) -> CnLock | None:
        """The class's CN lock row; ``for_update`` holds it to the end of the transaction, which
        serialises the computes of one class (and a compute with an unlock)."""
        ...

    def save_result(self, result: StoredResult, *, updated_at: datetime) -> None: ...

    def supplementary(self, school_id: str, student_id: str, school_year_id: str) -> list[StoredSupplementary]: ...

    def add_supplementary(
        self, school_id: str, student_id: str, school_year_id: str, record: StoredSupplementary, recorded_by: str
    ) -> None: ...

    def nomination(self, school_id: str, student_id: str, school_year_id: str) -> StoredNomination | None: ...

    def save_nomination(
        self, school_id: str, student_id: str, school_year_id: str, nomination: StoredNomination
    ) -> None: ...

    def delete_nomination(self, school_id: str, student_id: str, school_year_id: str) -> None: ...

    def publish(self, result: StoredResult, *, result_changed: bool, decision_changed: bool) -> None:
        """Write YearResultComputed and/or PromotionDecided to the outbox in this transaction."""
        ...


ResultsUnitOfWork = Callable[[], AbstractContextManager[ResultsRepository]]
Clock = Callable[[], datetime]
