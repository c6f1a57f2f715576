"""Rules of student movements: the status table, movement dates, working days and the report."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school_students.domain.errors import FieldErrors, RuleViolationError, ValidationError
from school_students.domain.movements import (
    DEFAULT_REASONS,
    TRANSITIONS,
    ClassInfo,
    Kind,
    Status,
    Stay,
    add_working_days,
    check_effective_date,
    check_reason,
    count_stay,
    movement_report,
    next_class_name,
    next_status,
    validate_period,
)

YEAR_START, YEAR_END = date(2025, 9, 5), date(2026, 5, 31)
TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("before", "kind", "after"),
    [
        (Status.DANG_HOC, Kind.TRANSFER_OUT, Status.CHUYEN_DI),
        (Status.DANG_HOC, Kind.DROPOUT, Status.BO_HOC),
        (Status.DANG_HOC, Kind.WITHDRAWAL, Status.THOI_HOC),
        (Status.BO_HOC, Kind.RETURN, Status.DANG_HOC),
        (Status.THOI_HOC, Kind.RETURN, Status.DANG_HOC),
        (None, Kind.TRANSFER_IN, Status.DANG_HOC),
        (Status.CHUYEN_DI, Kind.TRANSFER_IN, Status.DANG_HOC),
        (Status.DANG_HOC, Kind.CLASS_CHANGE, Status.DANG_HOC),
        (Status.DANG_HOC, Kind.COMPLETION, Status.HOAN_THANH_TIEU_HOC),
    ],
)
def test_allowed_transitions(before: Status | None, kind: Kind, after: Status) -> None:
    assert next_status(before, kind) is after


@pytest.mark.parametrize("before", [None, *Status])
@pytest.mark.parametrize("kind", list(Kind))
def test_every_pair_outside_the_table_is_refused_on_student_id(before: Status | None, kind: Kind) -> None:
    if (before, kind) in TRANSITIONS:
        assert next_status(before, kind) is TRANSITIONS[(before, kind)]
        return
    with pytest.raises(RuleViolationError) as info:
        next_status(before, kind)
    assert info.value.fields["student_id"]


def test_refusal_messages_say_why() -> None:
    with pytest.raises(RuleViolationError, match="chưa từng nghỉ"):
        next_status(Status.DANG_HOC, Kind.RETURN)
    with pytest.raises(RuleViolationError, match="đã rời trường"):
        next_status(Status.BO_HOC, Kind.DROPOUT)
    with pytest.raises(RuleViolationError, match="đã rời trường"):
        next_status(Status.CHUYEN_DI, Kind.TRANSFER_OUT)


def check(value: str, enrolled: date | None = date(2025, 9, 5)) -> tuple[date | None, dict[str, str]]:
    errors = FieldErrors()
    day = check_effective_date(
        errors, value, today=TODAY, year_start=YEAR_START, year_end=YEAR_END, enrolled_on=enrolled
    )
    return day, errors.errors


def test_effective_date_boundaries() -> None:
    assert check("2026-03-10") == (TODAY, {})
    assert check("2026-03-11")[1] == {"effective_date": "Ngày hiệu lực không được ở tương lai"}
    assert check("2025-09-05") == (YEAR_START, {})
    assert "nằm trong năm học" in check("2025-09-04")[1]["effective_date"]
    assert check("2025-10-01", enrolled=date(2025, 10, 1)) == (date(2025, 10, 1), {})
    assert (
        "trước ngày học sinh vào lớp (01/10/2025)"
        in check("2025-09-30", enrolled=date(2025, 10, 1))[1]["effective_date"]
    )
    assert "không được để trống" in check(" ")[1]["effective_date"]
    assert "YYYY-MM-DD" in check("10/03/2026")[1]["effective_date"]
    assert "YYYY-MM-DD" in check("2026-02-30")[1]["effective_date"]


def test_reason_codes_come_from_the_lists() -> None:
    errors = FieldErrors()
    assert check_reason(errors, DEFAULT_REASONS, Kind.DROPOUT, " om_dau ") == "OM_DAU"
    assert not errors
    check_reason(errors, DEFAULT_REASONS, Kind.DROPOUT, "CHUYEN_NOI_O")
    assert "không có trong danh mục lý do bỏ học" in errors.errors["reason_code"]
    empty = FieldErrors()
    check_reason(empty, DEFAULT_REASONS, Kind.TRANSFER_OUT, "")
    assert empty.errors == {"reason_code": "Vui lòng chọn lý do"}


def test_working_days_skip_weekends_and_holidays() -> None:
    assert add_working_days(date(2026, 3, 6), 3) == date(2026, 3, 11)  # Friday → Wednesday
    assert add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 12)  # Monday → Thursday
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Saturday → Monday
    assert add_working_days(date(2026, 4, 29), 3, [date(2026, 4, 30), date(2026, 5, 1)]) == date(2026, 5, 6)


def test_period_defaults_and_order() -> None:
    assert validate_period("", "", YEAR_START, YEAR_END) == (YEAR_START, YEAR_END)
    assert validate_period("2026-01-19", "", YEAR_START, YEAR_END) == (date(2026, 1, 19), YEAR_END)
    with pytest.raises(ValidationError) as info:
        validate_period("2026-02-01", "2026-01-31", YEAR_START, YEAR_END)
    assert "period_to" in info.value.fields
    with pytest.raises(ValidationError) as info:
        validate_period("x", "", YEAR_START, YEAR_END)
    assert "period_from" in info.value.fields


def test_stay_counts_on_the_boundaries() -> None:
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    before = count_stay(Stay("c", date(2025, 9, 5), None), start, end)
    assert (before.start, before.end) == (1, 1)
    left_first_day = count_stay(Stay("c", date(2025, 9, 5), start, None, Kind.TRANSFER_OUT), start, end)
    assert (left_first_day.start, left_first_day.transfers_out, left_first_day.end) == (1, 1, 0)
    left_before = count_stay(Stay("c", date(2025, 9, 5), date(2025, 12, 31), None, Kind.DROPOUT), start, end)
    assert (left_before.start, left_before.dropouts, left_before.end) == (0, 0, 0)
    joined_last_day = count_stay(Stay("c", end, None, Kind.TRANSFER_IN), start, end)
    assert (joined_last_day.start, joined_last_day.transfers_in, joined_last_day.end) == (0, 1, 1)
    left_after = count_stay(Stay("c", date(2025, 9, 5), date(2026, 2, 1), None, Kind.DROPOUT), start, end)
    assert (left_after.start, left_after.dropouts, left_after.end) == (1, 0, 1)
    in_and_out = count_stay(Stay("c", date(2026, 1, 5), date(2026, 1, 9), Kind.RETURN, Kind.CLASS_CHANGE), start, end)
    assert (in_and_out.start, in_and_out.other_in, in_and_out.other_out, in_and_out.end) == (0, 1, 1, 0)


DAY0 = date(2025, 9, 5)
kinds = st.sampled_from([None, *Kind])


@st.composite
def stays(draw: st.DrawFn) -> Stay:
    enrolled = DAY0 + timedelta(days=draw(st.integers(0, 300)))
    left = draw(st.one_of(st.none(), st.integers(0, 300).map(lambda d: enrolled + timedelta(days=d))))
    return Stay(draw(st.sampled_from(["a", "b", "c", "x"])), enrolled, left, draw(kinds), draw(kinds))


@given(st.lists(stays(), max_size=40), st.integers(0, 300), st.integers(0, 120))
def test_report_numbers_add_up(all_stays: list[Stay], offset: int, length: int) -> None:
    period_from = DAY0 + timedelta(days=offset)
    period_to = period_from + timedelta(days=length)
    infos = [ClassInfo("a", "1A", 1), ClassInfo("b", "1B", 1), ClassInfo("c", "2A", 2)]
    report = movement_report(infos, all_stays, period_from, period_to)
    assert [info.name for info, _ in report.classes] == ["1A", "1B", "2A"]
    assert all(counts.balanced for _, counts in report.classes)
    assert all(counts.balanced for _, counts in report.grades)
    assert report.total.balanced
    known = [s for s in all_stays if s.class_id != "x"]
    at_end = sum(1 for s in known if s.enrolled_on <= period_to and (s.left_on is None or s.left_on > period_to))
    assert report.total.end == at_end
    assert sum(c.start for _, c in report.grades) == report.total.start


def test_next_class_name() -> None:
    assert next_class_name("3B", 3) == "4B"
    assert next_class_name("1A1", 1) == "2A1"
    assert next_class_name("Lớp ghép", 2) == "Lớp ghép"


def test_roll_over_moves_up_keeps_repeaters_and_completes_grade_five() -> None:
    from school_students.domain.movements import roll_over_moves

    assert roll_over_moves(["a", "b", "c"], 3, frozenset({"b"})) == (["a", "c"], ["b"], [])
    assert roll_over_moves(["a", "b"], 5, frozenset({"a"})) == ([], ["a"], ["b"])
    assert roll_over_moves([], 2, frozenset()) == ([], [], [])


def test_reason_lists_and_holidays_come_from_configuration(tmp_path: Path) -> None:
    from school_students.app.movements import load_reasons
    from school_students.config import load_settings
    from school_students.domain.attendance import parse_holidays

    assert load_reasons("") is DEFAULT_REASONS
    custom = tmp_path / "reasons.json"
    custom.write_text(json.dumps({"DROPOUT": {"lao_dong": "Đi làm giúp gia đình"}}), encoding="utf-8")
    assert load_reasons(str(custom)) == {"DROPOUT": {"LAO_DONG": "Đi làm giúp gia đình"}}
    custom.write_text(json.dumps({"FLYING": {"X": "y"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown movement kinds"):
        load_reasons(str(custom))
    settings = load_settings({"SCHOOL_HOLIDAYS": "2026-04-30,2026-05-01", "TRANSFER_HANDOVER_WORKING_DAYS": "5"})
    assert parse_holidays(settings.school_holidays) == {date(2026, 4, 30), date(2026, 5, 1)}
    assert settings.transfer_handover_working_days == 5
    assert parse_holidays("") == frozenset()


def test_health_and_family_reasons_leave_the_service_as_other() -> None:
    from school_students.domain.movements import public_reason

    assert public_reason("OM_DAU") == "KHAC"
    assert public_reason("KINH_TE_KHO_KHAN") == "KHAC"
    assert public_reason("XA_TRUONG") == "XA_TRUONG"
