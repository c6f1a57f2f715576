"""Attendance rules: school days, the day's sheet with corrections, and the alert thresholds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school_students.domain.attendance import (
    AlertRule,
    AlertThresholds,
    Entry,
    Mark,
    Member,
    SchoolCalendar,
    check_day,
    count,
    fired_rules,
    parse_holidays,
    parse_weekdays,
    plan_save,
)
from school_students.domain.errors import FieldErrors, ValidationError
from school_students.domain.school_year import SchoolYear

YEAR = SchoolYear("y", "s", "2026-2027", date(2026, 9, 5), date(2027, 5, 31))
CAL = SchoolCalendar(frozenset({6, 7}), frozenset({date(2026, 11, 20)}))
MON = date(2026, 11, 23)  # a Monday
A, B, C = Member("a", "HS1", "An"), Member("b", "HS2", "Bình"), Member("c", "HS3", "Chi")


def problems(day: date, today: date = date(2026, 11, 27)) -> dict[str, str]:
    errors = FieldErrors()
    check_day(errors, "date", day, today=today, year=YEAR, calendar=CAL)
    return errors.errors


def test_school_days_skip_weekends_holidays_and_days_outside_the_year() -> None:
    assert CAL.is_school_day(MON, YEAR)
    assert not CAL.is_school_day(date(2026, 11, 21), YEAR)  # Saturday
    assert not CAL.is_school_day(date(2026, 11, 22), YEAR)  # Sunday
    assert not CAL.is_school_day(date(2026, 11, 20), YEAR)  # configured holiday (a Friday)
    assert not CAL.is_school_day(date(2026, 9, 4), YEAR)  # the day before the year
    assert CAL.is_school_day(date(2026, 9, 7), YEAR)  # first Monday
    assert CAL.school_days(date(2026, 11, 16), date(2026, 11, 22), YEAR) == [date(2026, 11, d) for d in range(16, 20)]
    assert CAL.latest_school_day(date(2026, 11, 22), YEAR) == date(2026, 11, 19)  # Fri 20 is a holiday
    assert CAL.latest_school_day(date(2026, 9, 4), YEAR) is None


def test_saturday_classes_are_configurable() -> None:
    saturday_school = SchoolCalendar(parse_weekdays("7"), frozenset())
    assert saturday_school.is_school_day(date(2026, 11, 21), YEAR)
    assert parse_weekdays("none") == frozenset()
    assert parse_holidays("2026-01-01, 2026-04-30") == {date(2026, 1, 1), date(2026, 4, 30)}
    with pytest.raises(ValueError, match="weekdays"):
        parse_weekdays("8")


def test_day_refusals_name_the_field_in_vietnamese() -> None:
    assert problems(MON) == {}
    assert "tương lai" in problems(date(2026, 11, 30))["date"]
    assert "ngoài năm học 2026-2027" in problems(date(2026, 9, 1), today=date(2026, 9, 10))["date"]
    assert "Thứ bảy" in problems(date(2026, 11, 21))["date"]
    assert "Chủ nhật" in problems(date(2026, 11, 22))["date"]
    assert "ngày nghỉ" in problems(date(2026, 11, 20))["date"]
    # Today itself is allowed (boundary of "future").
    assert problems(date(2026, 11, 27), today=date(2026, 11, 27)) == {}


def test_a_first_save_defaults_everyone_to_present() -> None:
    plan = plan_save([A, B, C], None, {"b": (Mark.EXCUSED, " ốm  "), "c": (Mark.UNEXCUSED, "")}, "")
    assert plan.entries == {"a": Entry(), "b": Entry(Mark.EXCUSED, "ốm"), "c": Entry(Mark.UNEXCUSED)}
    assert plan.corrections == []
    assert plan.changed
    assert count(plan.entries.values()).__dict__ == {
        "enrolled": 3,
        "present": 1,
        "excused": 1,
        "unexcused": 1,
        "late": 0,
    }


def test_late_counts_as_present() -> None:
    totals = count([Entry(Mark.LATE), Entry(Mark.PRESENT), Entry(Mark.EXCUSED)])
    assert (totals.present, totals.late, totals.excused) == (2, 1, 1)


def test_changing_a_recorded_mark_needs_a_reason_and_is_kept() -> None:
    recorded = {"a": Entry(), "b": Entry(Mark.EXCUSED), "c": Entry()}
    with pytest.raises(ValidationError) as refused:
        plan_save([A, B, C], recorded, {"b": (Mark.UNEXCUSED, "")}, "  ")
    assert "lý do" in refused.value.fields["correction_reason"]
    plan = plan_save([A, B, C], recorded, {"b": (Mark.UNEXCUSED, "")}, "Gia đình không xin phép")
    assert [(c.student_id, c.old, c.new, c.reason) for c in plan.corrections] == [
        ("b", Mark.EXCUSED, Mark.UNEXCUSED, "Gia đình không xin phép")
    ]


def test_a_note_change_alone_is_not_a_correction_and_a_repeat_changes_nothing() -> None:
    recorded = {"a": Entry(), "b": Entry(Mark.EXCUSED, "ốm")}
    plan = plan_save([A, B], recorded, {"b": (Mark.EXCUSED, "ốm, có giấy")}, "")
    assert plan.changed
    assert plan.corrections == []
    again = plan_save([A, B], recorded, {"b": (Mark.EXCUSED, "ốm")}, "")
    assert not again.changed


def test_unknown_pupil_and_unknown_mark_are_refused_per_pupil() -> None:
    with pytest.raises(ValidationError) as refused:
        plan_save([A, B], None, {"x": (Mark.EXCUSED, ""), "b": (None, ""), "a": (Mark.PRESENT, "x" * 201)}, "")
    fields = refused.value.fields
    assert "không thuộc lớp" in fields["marks.x"]
    assert "Bình" in fields["marks.b"]
    assert "không hợp lệ" in fields["marks.b"]
    assert "200" in fields["marks.a"]


def school_days_before(end: date, n: int) -> list[date]:
    return CAL.school_days(end - timedelta(days=n * 2), end, YEAR)


def test_consecutive_rule_fires_at_the_threshold_across_a_weekend() -> None:
    t = AlertThresholds(consecutive_days=3, window_absences=99, window_days=30)
    days = school_days_before(MON, 10)
    thu, fri = date(2026, 11, 19), date(2026, 11, 20)  # Friday is the holiday
    two = {thu: Mark.EXCUSED, MON: Mark.UNEXCUSED}
    assert fired_rules(two, days, MON, t) == {}
    wed = date(2026, 11, 18)
    three = {wed: Mark.UNEXCUSED, thu: Mark.EXCUSED, MON: Mark.UNEXCUSED}
    assert fired_rules(three, days, MON, t) == {AlertRule.CONSECUTIVE: 3}
    assert fri not in days
    # A present day or a day not recorded breaks the run.
    assert fired_rules({**three, thu: Mark.PRESENT}, days, MON, t) == {}
    assert fired_rules({wed: Mark.UNEXCUSED, MON: Mark.UNEXCUSED}, days, MON, t) == {}
    # Late is present.
    assert fired_rules({**three, thu: Mark.LATE}, days, MON, t) == {}


def test_window_rule_counts_absences_in_the_last_30_days_inclusive() -> None:
    t = AlertThresholds(consecutive_days=99, window_absences=5, window_days=30)
    as_of = date(2026, 11, 30)
    first_in = as_of - timedelta(days=29)  # 1 November: inside
    just_out = as_of - timedelta(days=30)  # 31 October: outside
    base = {date(2026, 11, d): Mark.EXCUSED for d in (5, 10, 17)}
    assert fired_rules({**base, just_out: Mark.UNEXCUSED, as_of: Mark.UNEXCUSED}, [], as_of, t) == {}
    assert fired_rules({**base, first_in: Mark.UNEXCUSED, as_of: Mark.UNEXCUSED}, [], as_of, t) == {
        AlertRule.FREQUENT: 5
    }


@given(st.lists(st.sampled_from(list(Mark)), min_size=1, max_size=40), st.integers(min_value=1, max_value=6))
def test_consecutive_run_equals_trailing_absences(marks: list[Mark], n: int) -> None:
    days = CAL.school_days(date(2026, 9, 7), date(2026, 12, 31), YEAR)[: len(marks)]
    history = dict(zip(days, marks, strict=False))
    trailing = 0
    for mark in reversed(marks[: len(days)]):
        if not mark.absent:
            break
        trailing += 1
    fired = fired_rules(history, days, days[-1], AlertThresholds(n, 10_000, 30))
    assert (AlertRule.CONSECUTIVE in fired) == (trailing >= n)
    if trailing >= n:
        assert fired[AlertRule.CONSECUTIVE] == trailing
