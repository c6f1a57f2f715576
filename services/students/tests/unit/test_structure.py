"""School-structure rules: semesters of a year (defaults, every boundary) and class edits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school_students.domain.errors import FieldErrors, ValidationError
from school_students.domain.structure import (
    NO_SEMESTER,
    ClassLimits,
    Semester,
    SemesterDefaults,
    SemesterInput,
    check_semesters,
    check_year_covers_activity,
    default_semesters,
    plan_semesters,
    validate_class_changes,
    weeks_spanned,
)

START, END = date(2025, 9, 5), date(2026, 5, 31)
DEFAULTS = SemesterDefaults()


def sem(term: int, start: str, end: str, weeks: int = 0) -> Semester:
    return Semester(term, date.fromisoformat(start), date.fromisoformat(end), weeks)


def problems(hk1: Semester, hk2: Semester, start: date = START, end: date = END) -> dict[str, str]:
    errors = FieldErrors()
    check_semesters(errors, start, end, (hk1, hk2))
    return errors.errors


GOOD = (sem(1, "2025-09-05", "2026-01-17", 18), sem(2, "2026-01-18", "2026-05-31", 17))


# -- defaults --------------------------------------------------------------------------------------


def test_defaults_split_the_year_on_17_january_with_18_and_17_weeks() -> None:
    assert default_semesters(START, END, DEFAULTS) == GOOD


def test_configured_day_moves_the_split() -> None:
    hk1, hk2 = default_semesters(START, END, SemesterDefaults(hk1_end_day=18, hk1_end_month=1)) or ((), ())
    assert (hk1.end_date, hk2.start_date) == (date(2026, 1, 18), date(2026, 1, 19))


def test_default_weeks_are_capped_by_a_short_semester() -> None:
    planned = default_semesters(date(2025, 12, 1), date(2026, 2, 1), DEFAULTS)
    assert planned is not None
    assert (planned[0].teaching_weeks, planned[1].teaching_weeks) == (7, 3)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 17), date(2026, 5, 31)),  # the split day is the first day: HK I would be empty
        (date(2025, 9, 5), date(2026, 1, 17)),  # the split day is the last day: HK II would be empty
        (date(2025, 9, 5), date(2026, 1, 10)),  # the year ends before the split day
    ],
)
def test_defaults_that_do_not_fit_the_year_give_none(start: date, end: date) -> None:
    assert default_semesters(start, end, DEFAULTS) is None


def test_an_impossible_configured_day_gives_none() -> None:
    assert default_semesters(START, END, SemesterDefaults(hk1_end_day=30, hk1_end_month=2)) is None


def test_planning_without_semesters_uses_the_defaults() -> None:
    errors = FieldErrors()
    assert plan_semesters(errors, START, END, NO_SEMESTER, NO_SEMESTER, DEFAULTS) == GOOD
    assert not errors


def test_planning_defaults_that_do_not_fit_names_the_field() -> None:
    errors = FieldErrors()
    assert plan_semesters(errors, START, date(2026, 1, 10), NO_SEMESTER, NO_SEMESTER, DEFAULTS) is None
    assert "17/01" in errors.errors["hk1.end_date"]


def test_planning_given_semesters_parses_and_checks_them() -> None:
    errors = FieldErrors()
    hk1 = SemesterInput("2025-09-05", "2026-01-16", 18)
    hk2 = SemesterInput("2026-01-17", "2026-05-31", 17)
    planned = plan_semesters(errors, START, END, hk1, hk2, DEFAULTS)
    assert planned == (sem(1, "2025-09-05", "2026-01-16", 18), sem(2, "2026-01-17", "2026-05-31", 17))


def test_planning_reports_bad_and_missing_dates_per_field() -> None:
    errors = FieldErrors()
    hk1 = SemesterInput("05/09/2025", "2026-01-17", 18)
    hk2 = SemesterInput("", "2026-05-31", 31)
    assert plan_semesters(errors, START, END, hk1, hk2, DEFAULTS) is None
    assert set(errors.errors) == {"hk1.start_date", "hk2.start_date", "hk2.teaching_weeks"}
    assert "không hợp lệ" in errors.errors["hk1.start_date"]
    assert "không được để trống" in errors.errors["hk2.start_date"]


# -- every boundary of the rules -------------------------------------------------------------------


def test_good_semesters_pass() -> None:
    assert problems(*GOOD) == {}


def test_semesters_touching_the_years_edges_pass() -> None:
    assert problems(sem(1, "2025-09-05", "2026-01-17"), sem(2, "2026-01-18", "2026-05-31")) == {}


def test_hk1_starting_a_day_before_the_year_is_refused() -> None:
    found = problems(sem(1, "2025-09-04", "2026-01-17"), GOOD[1])
    assert set(found) == {"hk1.start_date"}
    assert "05/09/2025" in found["hk1.start_date"]


def test_hk2_ending_a_day_after_the_year_is_refused() -> None:
    assert set(problems(GOOD[0], sem(2, "2026-01-18", "2026-06-01"))) == {"hk2.end_date"}


def test_semesters_inside_the_year_with_room_at_both_edges_pass() -> None:
    assert problems(sem(1, "2025-09-08", "2026-01-17"), sem(2, "2026-01-18", "2026-05-29")) == {}


def test_semester_ending_on_its_first_day_is_refused() -> None:
    found = problems(sem(1, "2025-09-05", "2025-09-05"), sem(2, "2025-09-06", "2026-05-31"))
    assert found == {"hk1.end_date": "Ngày kết thúc học kỳ I phải sau ngày bắt đầu"}


def test_overlap_by_one_day_is_refused() -> None:
    found = problems(GOOD[0], sem(2, "2026-01-17", "2026-05-31"))
    assert set(found) == {"hk2.start_date"}
    assert "sau khi học kỳ I kết thúc (17/01/2026)" in found["hk2.start_date"]


def test_hk2_before_hk1_is_refused() -> None:
    found = problems(sem(1, "2026-01-18", "2026-05-31"), sem(2, "2025-09-05", "2026-01-17"))
    assert "hk2.start_date" in found


def test_a_one_day_gap_is_refused_naming_the_expected_day() -> None:
    found = problems(GOOD[0], sem(2, "2026-01-19", "2026-05-31"))
    assert found == {"hk2.start_date": "Học kỳ II phải bắt đầu ngay sau ngày kết thúc học kỳ I, tức ngày 18/01/2026"}


def test_teaching_weeks_up_to_the_span_pass_and_one_more_is_refused() -> None:
    span = weeks_spanned(date(2025, 9, 5), date(2026, 1, 17))
    assert span == 20
    assert problems(sem(1, "2025-09-05", "2026-01-17", span), GOOD[1]) == {}
    found = problems(sem(1, "2025-09-05", "2026-01-17", span + 1), GOOD[1])
    assert set(found) == {"hk1.teaching_weeks"}


def test_teaching_weeks_zero_means_not_recorded() -> None:
    assert problems(sem(1, "2025-09-05", "2026-01-17", 0), sem(2, "2026-01-18", "2026-05-31", 0)) == {}


@given(st.integers(min_value=1, max_value=260))
def test_any_split_day_inside_the_year_gives_valid_defaults(offset: int) -> None:
    split = START + timedelta(days=offset)
    defaults = SemesterDefaults(hk1_end_day=split.day, hk1_end_month=split.month)
    planned = default_semesters(START, END, defaults)
    if split.year != END.year:  # the framework day is read in the year's second calendar year
        assert planned is None or planned[0].end_date.year == END.year
        return
    assert planned is not None
    assert problems(*planned) == {}


# -- a year's end and its classes' records ---------------------------------------------------------


def test_year_end_on_the_last_enrolment_day_passes_and_one_day_earlier_is_refused() -> None:
    errors = FieldErrors()
    check_year_covers_activity(errors, date(2026, 5, 20), date(2026, 5, 20))
    assert not errors
    check_year_covers_activity(errors, date(2026, 5, 19), date(2026, 5, 20))
    assert "20/05/2026" in errors.errors["end_date"]


def test_year_without_records_takes_any_end() -> None:
    errors = FieldErrors()
    check_year_covers_activity(errors, date(2026, 5, 19), None)
    assert not errors


# -- class edits -----------------------------------------------------------------------------------

LIMITS = ClassLimits(default_max_size=35, max_size_limit=35)


def class_errors(name: str = "3A", room: str = "", max_size: int = 30, size: int = 20, current: int = 30) -> dict:
    try:
        validate_class_changes(name, room, max_size, current_size=size, current_max_size=current, limits=LIMITS)
    except ValidationError as exc:
        return exc.fields
    return {}


def test_a_good_edit_is_normalised() -> None:
    changes = validate_class_changes("  3a  mới ", "  P.203 ", 0, current_size=20, current_max_size=30, limits=LIMITS)
    assert (changes.name, changes.room, changes.max_size) == ("3a mới", "P.203", 35)


@pytest.mark.parametrize(("size", "ok"), [(19, False), (20, True), (21, True)])
def test_the_limit_may_equal_but_not_go_below_the_current_size(size: int, ok: bool) -> None:
    found = class_errors(max_size=size, size=20)
    assert (found == {}) is ok
    if not ok:
        assert found == {"max_size": "Sĩ số tối đa không được nhỏ hơn sĩ số hiện tại (20 học sinh)"}


@pytest.mark.parametrize(("size", "ok"), [(35, True), (36, False), (-1, False)])
def test_the_configured_upper_bound(size: int, ok: bool) -> None:
    found = class_errors(max_size=size, size=0)
    assert (found == {}) is ok
    if not ok:
        assert found == {"max_size": "Sĩ số tối đa phải từ 1 đến 35"}


def test_an_unchanged_limit_above_a_lowered_bound_is_kept() -> None:
    assert class_errors(max_size=40, size=38, current=40) == {}


def test_a_lower_configured_bound_applies() -> None:
    with pytest.raises(ValidationError) as info:
        validate_class_changes("3A", "", 31, current_size=0, current_max_size=30, limits=ClassLimits(25, 30))
    assert info.value.fields == {"max_size": "Sĩ số tối đa phải từ 1 đến 30"}


def test_room_too_long_and_bad_name_are_both_named() -> None:
    found = class_errors(name="", room="x" * 31)
    assert set(found) == {"name", "room"}
    assert found["room"] == "Phòng học tối đa 30 ký tự"


def test_room_of_30_characters_passes() -> None:
    assert class_errors(room="x" * 30) == {}
