"""Locking a period: checks first, separation of duties, writes refused while locked, reasons."""

from __future__ import annotations

import pytest

from school_grades.domain.errors import ValidationError
from school_grades.domain.locking import LockRefusedError, PeriodState, check_lock, check_reason, check_write

COMPLETE = PeriodState(locked=False, missing={}, asker_entered_results=False)


def test_a_complete_period_may_be_locked() -> None:
    check_lock(COMPLETE, separation_of_duties=True)


def test_a_missing_end_of_year_score_blocks_the_lock() -> None:
    missing = {"final_scores.TOAN": "Chưa có điểm kiểm tra cuối năm môn Toán"}
    with pytest.raises(LockRefusedError) as info:
        check_lock(PeriodState(False, missing, False), separation_of_duties=False)
    assert info.value.fields == missing


def test_whoever_entered_results_may_not_lock_when_duties_are_separated() -> None:
    own = PeriodState(locked=False, missing={}, asker_entered_results=True)
    with pytest.raises(LockRefusedError) as info:
        check_lock(own, separation_of_duties=True)
    assert "phân tách nhiệm vụ" in info.value.fields["period"]
    check_lock(own, separation_of_duties=False)


def test_every_reason_is_given_at_once_and_a_locked_period_stays_locked() -> None:
    both = PeriodState(False, {"item_levels.PC_NHAN_AI": "Chưa có mức"}, True)
    with pytest.raises(LockRefusedError) as info:
        check_lock(both, separation_of_duties=True)
    assert set(info.value.fields) == {"period", "item_levels.PC_NHAN_AI"}
    with pytest.raises(LockRefusedError, match="đã được khóa"):
        check_lock(PeriodState(True, {}, False), separation_of_duties=True)


def test_writes_wait_for_an_unlock_with_a_reason() -> None:
    check_write(locked=False)
    with pytest.raises(ValidationError) as info:
        check_write(locked=True)
    assert "mở khóa" in info.value.fields["period"]
    assert check_reason("  Sửa điểm   nhập nhầm môn Toán ") == "Sửa điểm nhập nhầm môn Toán"
    for bad in ("", "nhầm", "x" * 501):
        with pytest.raises(ValidationError) as info:
            check_reason(bad)
        assert "reason" in info.value.fields
