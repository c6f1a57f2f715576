"""The year results as the học bạ prints them (helper D's YearResultSource port, app/records.py):
per pupil of a class the result, the awards, whether the grade was completed and a note after the
line (supplementary assessment, principal's decision).

The record type belongs to the records module, so the adapter takes its constructor: the lead
wires ``SqlYearResultSource(sessions, YearOutcomeInfo)`` where the records use cases are built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.results_repository import SqlAlchemyResultsRepository
from school_grades.app.results_ports import StoredResult, StoredSupplementary, is_stale
from school_grades.domain.evaluation import YearResult
from school_grades.domain.results import DECISION_NAMES, Basis
from schoolkit.db import read_only

T = TypeVar("T")


def hoc_ba_note(row: StoredResult, supplementary: list[StoredSupplementary]) -> str:
    """What the học bạ writes after the completion line; empty for a plain result."""
    if row.computed_result is YearResult.CHT and row.decision_basis is Basis.DANH_GIA_BO_SUNG and supplementary:
        return f"Đã hoàn thành sau đánh giá bổ sung ngày {supplementary[-1].assessment.assessed_on:%d/%m/%Y}"
    if row.decision_basis is Basis.HIEU_TRUONG and row.principal is not None and row.decision is not None:
        return (
            f"Quyết định của hiệu trưởng số {row.principal.decision_ref} ngày "
            f"{row.principal.decided_on:%d/%m/%Y}: {DECISION_NAMES[row.decision]}"
        )
    return ""


class SqlYearResultSource(Generic[T]):
    def __init__(self, sessions: sessionmaker[Session], make: Callable[..., T]) -> None:
        self._sessions = sessions
        self._make = make

    def outcomes(self, school_id: str, school_year_id: str, class_id: str) -> Mapping[str, T]:
        """Pupil id → outcome; ``completed`` is None for a CHT pupil still waiting for the principal.
        A result computed before CN was last unlocked is left out: the học bạ must not print it next
        to CN values that may have changed since."""
        found: dict[str, T] = {}
        with read_only(self._sessions) as session:
            repo = SqlAlchemyResultsRepository(session)
            lock = repo.cn_lock(school_id, class_id)
            for row in repo.results(school_id, class_id, school_year_id):
                if is_stale(row, lock):
                    continue
                decided = row.completes_grade or row.decision is not None
                found[row.student_id] = self._make(
                    result=row.result.value,
                    awards=(row.award.value,) if row.award else (),
                    completed=row.completes_grade if decided else None,
                    completion_note=hoc_ba_note(row, repo.supplementary(school_id, row.student_id, school_year_id)),
                )
        return found
