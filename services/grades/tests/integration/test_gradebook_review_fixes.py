"""Grade book fixes found by the issue 5 review, over a real database (SQLite, and PostgreSQL when
TEST_POSTGRES_URL is set): a save racing a lock, corrections after an unlock once the entry window
closed, the attempts history following grid corrections, retests only at CK1 and CN, a programme
kept once a period is locked, malformed programme uploads, and stored save answers of a deleted
or merged pupil."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.gradebook_repository import SqlAlchemyGradebookRepository, gradebook_unit_of_work
from school_grades.adapters.history_repository import SqlAlchemyHistoryRepository
from school_grades.adapters.tables_gradebook import cells, lock_log, period_locks, score_attempts
from school_grades.adapters.tables_gradebook_saves import gradebook_requests
from school_grades.api.gradebook_servicer import refusals
from school_grades.app.gradebook import ClosedError, GradebookUseCases, Retest, SaveCells, StaleError
from school_grades.app.gradebook_ports import Actor, DuplicateKeyError, LockState
from school_grades.config import DEFAULT_WINDOWS
from school_grades.domain.errors import ValidationError
from school_grades.domain.gradebook import parse_window_spec
from school_grades.domain.gradebook_cells import CellRequest
from school_grades.domain.locking import LockRefusedError
from school_grades.domain.programme import Period
from schoolkit import grpc_errors
from schoolkit.db import read_only, transaction
from services.grades.tests.integration.test_checks_locking import HT, NOW, REASON, YEAR, fill, seed, use_cases

pytestmark = pytest.mark.integration

LAN = Actor("u-lan", "Cô Lan", frozenset({"class_subject:c4a:TOAN"}), frozenset({"grades:score:write"}))
PRINCIPAL = Actor("u-ht", "Cô Hiệu trưởng", frozenset({"school"}), frozenset({"grades:programme:write"}))
WINDOWS = parse_window_spec(DEFAULT_WINDOWS)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    seed(sessions)
    return sessions


def book(sessions: sessionmaker[Session], clock: Clock | None = None) -> GradebookUseCases:
    return GradebookUseCases(gradebook_unit_of_work(sessions), clock or Clock(), WINDOWS)


def stored_cell(sessions: sessionmaker[Session], student: str, period: str, item: str = "TOAN") -> Any:
    with read_only(sessions) as s:
        return s.execute(
            select(cells.c.level, cells.c.score, cells.c.version).where(
                cells.c.student_id == student, cells.c.period == period, cells.c.item_code == item
            )
        ).one()


def attempts(sessions: sessionmaker[Session], student: str, period: str) -> list[tuple[int, int, bool]]:
    with read_only(sessions) as s:
        rows = s.execute(
            select(score_attempts.c.attempt_no, score_attempts.c.score, score_attempts.c.is_retest)
            .where(score_attempts.c.student_id == student, score_attempts.c.period == period)
            .order_by(score_attempts.c.attempt_no)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def toan(student: str, level: str, score: str, version: int, comment: str = "") -> CellRequest:
    return CellRequest(student, "TOAN", level, score, comment, version)


# -- #5: a save and a lock of the same class period are serialised --------------------------------


def test_a_save_that_read_unlocked_finishes_before_a_concurrent_lock_reads_completeness(
    seeded: sessionmaker[Session],
) -> None:
    """The save reads "not locked" and then pauses; the HT's lock runs meanwhile. The lock must
    wait for the save (and then see the cleared score), never commit in between."""
    fill(seeded, "c4a", Period.CN)
    checked, lock_done = threading.Event(), threading.Event()

    class PausingRepository(SqlAlchemyGradebookRepository):
        def lock_state(self, school_id: str, class_id: str, period: Period) -> LockState:
            state = super().lock_state(school_id, class_id, period)
            checked.set()
            lock_done.wait(2)  # a lock that does not wait for this save commits during the pause
            return state

    @contextmanager
    def pausing_uow(readonly: bool) -> Iterator[SqlAlchemyGradebookRepository]:
        with (read_only if readonly else transaction)(seeded) as session:
            yield PausingRepository(session)

    outcome: list[object] = []

    def lock() -> None:
        checked.wait(10)
        try:
            outcome.append(use_cases(seeded).lock(HT, "c4a", "CN").lock.locked)
        except LockRefusedError as err:
            outcome.append(err.fields)
        finally:
            lock_done.set()

    locker = threading.Thread(target=lock)
    locker.start()
    saver = GradebookUseCases(pausing_uow, Clock(), WINDOWS)
    # AN's end-of-year Toán score cleared (found to be entered for the wrong pupil).
    saver.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "T", "", 1)]))
    locker.join(15)
    assert stored_cell(seeded, "s-an", "CN") == ("T", None, 2)
    assert outcome == [{"HS001.final_scores.TOAN": "Nguyễn Văn An: Chưa có điểm kiểm tra cuối năm môn Toán"}]
    with read_only(seeded) as s:
        assert not s.execute(select(func.count()).select_from(period_locks).where(period_locks.c.locked)).scalar()


def test_a_lock_and_unlock_still_work_over_the_row_a_save_created(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c4a", Period.CN, skip=frozenset({("s-an", "score:TOAN")}))
    book(seeded).save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "T", "9", 1)]))
    uc = use_cases(seeded)
    assert uc.lock(HT, "c4a", "CN").lock.locked
    assert not uc.unlock(HT, "c4a", "CN", REASON).lock.locked
    assert uc.lock(HT, "c4a", "CN").lock.locked


# -- #14: corrections after an unlock, whatever the entry window says ----------------------------


def test_after_an_unlock_a_correction_with_a_reason_lands_though_the_window_closed(
    seeded: sessionmaker[Session],
) -> None:
    fill(seeded, "c4a", Period.CK1)
    uc = use_cases(seeded)
    uc.lock(HT, "c4a", "CK1")
    uc.unlock(HT, "c4a", "CK1", REASON)
    # 25/05/2026: the CK1 window (01/12-25/01) closed long ago.
    sheet = book(seeded).get_sheet(LAN, "school-a", "c4a", "CK1", "TOAN")
    assert (sheet.may_write, sheet.write_refusal, sheet.lock.reopened) == (True, "", True)
    answer = book(seeded).save_cells(
        LAN, "school-a", SaveCells("c4a", "CK1", "TOAN", [toan("s-an", "T", "8", 1)], reason=REASON)
    )
    assert [(c.score, c.version) for c in answer.saved] == [(8, 2)]
    with pytest.raises(ValidationError) as no_reason:
        book(seeded).save_cells(LAN, "school-a", SaveCells("c4a", "CK1", "TOAN", [toan("s-an", "T", "7", 2)]))
    assert "reason" in no_reason.value.fields
    # A period never locked keeps its window: GK1 closed on 30/11.
    with pytest.raises(ClosedError):
        book(seeded).save_cells(LAN, "school-a", SaveCells("c4a", "GK1", "TOAN", [toan("s-an", "T", "", 0)]))


# -- #13: the attempts history ends with the score that counts ------------------------------------


def test_a_grid_correction_of_a_tested_score_updates_the_last_attempt(seeded: sessionmaker[Session]) -> None:
    gradebook = book(seeded)
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "H", "4", 0)]))
    assert attempts(seeded, "s-an", "CN") == [(1, 4, False)]
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "H", "5", 1)]))
    assert attempts(seeded, "s-an", "CN") == [(1, 5, False)]
    retest = Retest("c4a", "s-an", "CN", "TOAN", "7", "", "Kết quả bất thường so với thường xuyên", 2)
    assert gradebook.record_retest(LAN, "school-a", retest).score == 7
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "H", "8", 3)]))
    assert attempts(seeded, "s-an", "CN") == [(1, 5, False), (2, 8, True)]
    history = gradebook.cell_history("school-a", "c4a", "s-an", "CN", "TOAN")
    assert history.cell.score == history.attempts[-1].score == 8
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "H", "", 4)]))
    assert attempts(seeded, "s-an", "CN") == []


# -- #17: retests at CK1 and CN only; the programme stays once a period is locked ------------------


def test_a_retest_is_refused_at_mid_term(seeded: sessionmaker[Session]) -> None:
    clock = Clock(datetime(2026, 4, 1, 3, 0, tzinfo=NOW.tzinfo))  # GK2 window open
    gradebook = book(seeded, clock)
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "GK2", "TOAN", [toan("s-an", "H", "4", 0)]))
    retest = Retest("c4a", "s-an", "GK2", "TOAN", "7", "", "Kết quả bất thường so với thường xuyên", 1)
    with pytest.raises(ValidationError) as refused:
        gradebook.record_retest(LAN, "school-a", retest)
    assert "CK1" in refused.value.fields["period"]
    assert attempts(seeded, "s-an", "GK2") == [(1, 4, False)]


def test_the_programme_cannot_be_replaced_once_a_period_of_the_year_is_locked(
    seeded: sessionmaker[Session],
) -> None:
    gradebook = book(seeded)
    shipped = gradebook.programme("school-a", YEAR)
    gradebook.replace_programme(PRINCIPAL, "school-a", YEAR, shipped.body, 0)
    fill(seeded, "c4a", Period.GK1)
    use_cases(seeded).lock(HT, "c4a", "GK1")
    with pytest.raises(ClosedError) as refused:
        gradebook.replace_programme(PRINCIPAL, "school-a", YEAR, shipped.body, 1)
    assert "đã có lớp khóa" in refused.value.fields["body"]
    assert gradebook.programme("school-a", YEAR).version == 1


# -- #19: a malformed programme is a field error --------------------------------------------------


@pytest.mark.parametrize("tests", [[], "x", 3, None])
def test_a_programme_whose_tests_have_the_wrong_shape_is_a_vietnamese_field_error(
    seeded: sessionmaker[Session], tests: object
) -> None:
    gradebook = book(seeded)
    raw = json.loads(gradebook.programme("school-a", YEAR).body)
    raw["tests"] = tests
    with pytest.raises(ValidationError) as refused:
        gradebook.replace_programme(PRINCIPAL, "school-a", YEAR, json.dumps(raw), 0)
    assert refused.value.fields["body"].startswith("Chương trình không hợp lệ: ")


def test_a_contradictory_programme_is_refused_in_vietnamese(seeded: sessionmaker[Session]) -> None:
    gradebook = book(seeded)
    raw = json.loads(gradebook.programme("school-a", YEAR).body)
    raw["periods"].pop()
    with pytest.raises(ValidationError) as refused:
        gradebook.replace_programme(PRINCIPAL, "school-a", YEAR, json.dumps(raw), 0)
    assert refused.value.fields["body"] == "Chương trình không hợp lệ: Các kỳ đánh giá phải đúng là GK1, CK1, GK2, CN"


# -- #12: stored answers go with a deleted or merged record ---------------------------------------


def test_a_deleted_or_merged_pupils_stored_answers_are_purged(seeded: sessionmaker[Session]) -> None:
    gradebook = book(seeded)
    comment = "Em cần cố gắng hơn ở phép chia"
    for key, student in (("k-an", "s-an"), ("k-binh", "s-binh")):
        gradebook.save_cells(
            LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan(student, "H", "6", 0, comment)], key)
        )
    with transaction(seeded) as s:
        SqlAlchemyHistoryRepository(s).drop("s-an")
    with transaction(seeded) as s:
        SqlAlchemyHistoryRepository(s).repoint("s-binh", "s-an")
    with read_only(seeded) as s:
        assert s.execute(select(func.count()).select_from(gradebook_requests)).scalar() == 0


def test_a_save_leaves_an_unlocked_lock_row_and_no_lock_log(seeded: sessionmaker[Session]) -> None:
    book(seeded).save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "T", "9", 0)]))
    with read_only(seeded) as s:
        assert s.execute(select(func.count()).select_from(lock_log)).scalar() == 0
        (row,) = s.execute(select(period_locks.c.locked, period_locks.c.version)).all()
    assert tuple(row) == (False, 1)


# -- #20: a save that keeps racing is a conflict (ABORTED), not an internal error ------------------


def test_a_save_still_racing_after_its_retries_is_a_vietnamese_conflict() -> None:
    tries: list[bool] = []

    @contextmanager
    def always_racing(readonly: bool) -> Iterator[Any]:
        tries.append(readonly)
        raise DuplicateKeyError("another writer took the key")
        yield  # pragma: no cover

    gradebook = GradebookUseCases(always_racing, Clock(), WINDOWS)
    with pytest.raises(StaleError) as refused:
        gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "T", "9", 0)], "k"))
    assert "lưu lại" in refused.value.fields["cells"]
    assert tries == [False, False, False]


def test_a_stored_answer_is_kept_for_retries_only_not_for_ever(seeded: sessionmaker[Session]) -> None:
    clock = Clock(datetime(2026, 5, 20, 3, 0, tzinfo=NOW.tzinfo))
    gradebook = book(seeded, clock)
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-an", "H", "6", 0)], "k-1"))
    clock.now = NOW  # five days later
    gradebook.save_cells(LAN, "school-a", SaveCells("c4a", "CN", "TOAN", [toan("s-binh", "H", "6", 0)], "k-2"))
    with read_only(seeded) as s:
        assert s.execute(select(gradebook_requests.c.idempotency_key)).scalars().all() == ["k-2"]


def test_a_lost_race_on_any_grade_book_row_is_answered_aborted_not_internal() -> None:
    with pytest.raises(grpc_errors.ConflictError) as refused, refusals():
        raise DuplicateKeyError("two retests took attempt 2")
    assert "người khác" in refused.value.fields["expected_version"]
