"""Ports of the grade book use cases: what they need from storage (adapters/gradebook_repository.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from school_grades.domain.gradebook import CellKind, Window
from school_grades.domain.gradebook_cells import CellValue, Pupil, StoredCell
from school_grades.domain.programme import Period


@dataclass(frozen=True)
class Actor:
    """Who acts: the verified caller's subject, display name, scopes and permissions."""

    subject: str
    name: str
    scopes: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    request_id: str = ""

    @property
    def school_wide(self) -> bool:
        return "school" in self.scopes


@dataclass(frozen=True)
class YearInfo:
    id: str
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ClassInfo:
    id: str
    name: str
    grade_level: int
    year: YearInfo


@dataclass(frozen=True)
class StoredProgramme:
    body: str
    version: int
    updated_by_name: str
    updated_at: datetime


@dataclass(frozen=True)
class LockState:
    locked: bool
    # The period was unlocked after its last lock: every change now needs a reason.
    reopened: bool


@dataclass(frozen=True)
class CellKey:
    student_id: str
    item_code: str


@dataclass(frozen=True)
class CellWrite:
    """One cell to insert (``expected_version`` 0) or update from ``expected_version``."""

    key: CellKey
    kind: CellKind
    value: CellValue
    expected_version: int


@dataclass(frozen=True)
class ChangeRow:
    student_id: str
    item_code: str
    field: str
    old_value: str
    new_value: str
    reason: str


@dataclass(frozen=True)
class StoredChange:
    field: str
    old_value: str
    new_value: str
    changed_by_name: str
    changed_at: datetime
    reason: str


@dataclass(frozen=True)
class Attempt:
    attempt_no: int
    score: int
    raw_total: str
    is_retest: bool
    reason: str
    recorded_at: datetime


@dataclass(frozen=True)
class BankComment:
    id: str
    owner_id: str  # "" = shared by the school
    item_code: str  # "" = any
    text: str
    created_at: datetime


@dataclass(frozen=True)
class ScoreRecorded:
    """Event: a cell was saved with a new value (natural keys, level and score; never the comment)."""

    school_year_id: str
    class_id: str
    student_id: str
    student_code: str
    period: Period
    item_code: str
    kind: CellKind
    level: str
    score: int | None
    version: int
    is_retest: bool
    recorded_at: datetime


@dataclass
class SheetCells:
    """Cells of a sheet: (student, item) → the stored cell (absent = never saved), attempt counts."""

    cells: dict[tuple[str, str], StoredCell] = field(default_factory=dict)
    attempts: dict[tuple[str, str], int] = field(default_factory=dict)


class GradebookRepository(Protocol):
    def class_info(self, school_id: str, class_id: str) -> ClassInfo | None: ...

    def year(self, school_id: str, year_id: str) -> YearInfo | None: ...

    def programme(self, school_id: str, year_id: str) -> StoredProgramme | None: ...

    def save_programme(
        self, school_id: str, year_id: str, body: str, expected_version: int, by: Actor, now: datetime
    ) -> bool:
        """Store the programme if its version is still ``expected_version`` (0: none stored)."""
        ...

    def windows(self, school_id: str, year_id: str) -> dict[Period, Window]:
        """The stored windows (periods without a row are absent)."""
        ...

    def save_windows(
        self, school_id: str, year_id: str, windows: Mapping[Period, Window], by: Actor, now: datetime
    ) -> None: ...

    def pupils(self, school_id: str, class_id: str) -> list[Pupil]:
        """The pupils of the class (those who left it too), by Vietnamese name order."""
        ...

    def sheet_cells(
        self,
        school_id: str,
        year_id: str,
        period: Period,
        student_ids: Iterable[str],
        item_codes: Iterable[str],
        *,
        for_update: bool = False,
    ) -> SheetCells: ...

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
        """Insert (``expected_version`` 0) or update every cell; per (student, item) its new version,
        or None when someone else first-inserted it meanwhile. DuplicateKeyError when an update
        missed its version (the save is then run again from a fresh read)."""
        ...

    def add_changes(
        self,
        school_id: str,
        class_id: str,
        year_id: str,
        period: Period,
        rows: Iterable[ChangeRow],
        by: Actor,
        now: datetime,
    ) -> None: ...

    def lock_state(self, school_id: str, class_id: str, period: Period) -> LockState: ...

    def year_has_lock(self, school_id: str, year_id: str) -> bool:
        """Whether any class of the year has a locked period now."""
        ...

    def hold_period(self, school_id: str, class_id: str, period: Period) -> None:
        """Hold the class period's lock row until this transaction ends, so a concurrent lock or
        unlock waits for the save (and a save waits for a lock) instead of interleaving with it."""
        ...

    def attempts(
        self, school_id: str, student_id: str, year_id: str, period: Period, item_code: str
    ) -> list[Attempt]: ...

    def add_attempt(
        self,
        school_id: str,
        student_id: str,
        year_id: str,
        period: Period,
        item_code: str,
        attempt: Attempt,
        by: Actor,
    ) -> None: ...

    def correct_attempt(
        self, school_id: str, key: CellKey, year_id: str, period: Period, score: int | None, by: Actor, now: datetime
    ) -> None:
        """A grid edit of a tested score: the last attempt takes the score (the paper total no longer
        applies); a cleared score clears the attempts, so the last attempt is always what counts."""
        ...

    def changes(
        self, school_id: str, student_id: str, year_id: str, period: Period, item_code: str
    ) -> list[StoredChange]: ...

    def comments(self, school_id: str, owner_id: str, item_code: str) -> list[BankComment]:
        """The shared comments and ``owner_id``'s, for ``item_code`` and for any item (all when "")."""
        ...

    def add_comment(self, school_id: str, owner_id: str, item_code: str, text: str, now: datetime) -> BankComment: ...

    def get_comment(self, school_id: str, comment_id: str) -> BankComment | None: ...

    def delete_comment(self, school_id: str, comment_id: str) -> None: ...

    def saved_answer(self, school_id: str, actor: str, key: str) -> tuple[str, str] | None:
        """(request fingerprint, stored answer JSON) of an idempotency key ``actor`` already used."""
        ...

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
        """Keep the answer with the pupils it names (a record's deletion purges it)."""
        ...

    def emit(self, school_id: str, events: Sequence[ScoreRecorded]) -> None:
        """Add the events to the outbox in this transaction, in order."""
        ...


GradebookUnitOfWork = Callable[[bool], AbstractContextManager[GradebookRepository]]
"""Opens a transaction (read-only when True) and yields the repository bound to it; commits on a
clean exit. A unique-key violation surfaces as DuplicateKeyError."""


class DuplicateKeyError(Exception):
    """Two concurrent writers raced for the same key (idempotency key, first insert of a cell)."""
