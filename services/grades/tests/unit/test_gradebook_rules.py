"""Who writes which cell, which levels a cell takes, and the entry windows (domain/gradebook.py)."""

from __future__ import annotations

from datetime import date

import pytest

from school_grades.domain.errors import ValidationError
from school_grades.domain.gradebook import (
    CellKind,
    Window,
    check_window,
    check_window_dates,
    default_window,
    may_write,
    parse_level,
    parse_window_spec,
)
from school_grades.domain.programme import Period

GVBM_EN_2A = frozenset({"class_subject:2A:NGOAI_NGU_1"})
GVCN_1A = frozenset({"class:1A", "class_subject:1A:TOAN"})


@pytest.mark.parametrize(
    ("scopes", "class_id", "kind", "code", "allowed"),
    [
        (GVBM_EN_2A, "2A", CellKind.SUBJECT, "NGOAI_NGU_1", True),
        (GVBM_EN_2A, "2A", CellKind.SUBJECT, "TOAN", False),  # another subject of the same class
        (GVBM_EN_2A, "3A", CellKind.SUBJECT, "NGOAI_NGU_1", False),  # the subject in another class
        (GVBM_EN_2A, "2A", CellKind.ITEM, "PC_YEU_NUOC", False),  # qualities belong to the GVCN
        (GVCN_1A, "1A", CellKind.ITEM, "PC_YEU_NUOC", True),
        (GVCN_1A, "1A", CellKind.SUBJECT, "HDTN", True),  # the homeroom's activity
        (GVCN_1A, "1A", CellKind.SUBJECT, "TOAN", True),  # a subject they also teach there
        (GVCN_1A, "1A", CellKind.SUBJECT, "TIENG_VIET", False),  # a subject they do not teach
        (GVCN_1A, "2A", CellKind.ITEM, "PC_YEU_NUOC", False),
        # A whole-school scope alone never writes (a deputy who teaches writes their own subjects).
        (frozenset({"school", "class_subject:4A:TOAN"}), "5A", CellKind.SUBJECT, "TOAN", False),
        (frozenset(), "1A", CellKind.SUBJECT, "TOAN", False),
        (frozenset({"child:1A"}), "1A", CellKind.ITEM, "PC_YEU_NUOC", False),
    ],
)
def test_who_may_write(scopes: frozenset[str], class_id: str, kind: CellKind, code: str, allowed: bool) -> None:
    assert may_write(scopes, class_id, kind, code) is allowed


@pytest.mark.parametrize(("text", "level"), [("t", "T"), (" H ", "H"), ("c", "C"), ("", None), ("  ", None)])
def test_subject_levels(text: str, level: str | None) -> None:
    assert parse_level(CellKind.SUBJECT, text) == level


@pytest.mark.parametrize(("text", "level"), [("T", "T"), ("đ", "Đ"), ("Đ", "Đ"), ("d", "Đ"), ("c", "C")])
def test_item_levels(text: str, level: str) -> None:
    assert parse_level(CellKind.ITEM, text) == level


@pytest.mark.parametrize(("kind", "text"), [(CellKind.SUBJECT, "Đ"), (CellKind.SUBJECT, "A"), (CellKind.ITEM, "H")])
def test_a_level_of_the_other_scale_is_refused(kind: CellKind, text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_level(kind, text, "cells[0].level")
    assert "cells[0].level" in info.value.fields


def test_window_spec_and_default_dates() -> None:
    spec = parse_window_spec("GK1=15/10-30/11, CK1=01/12-25/01,GK2=01/03-15/04,CN=01/05-30/06")
    start, end = date(2025, 9, 5), date(2026, 5, 31)
    assert default_window(spec, Period.GK1, start, end) == Window(date(2025, 10, 15), date(2025, 11, 30))
    # CK1 runs across the new year: January falls in the second calendar year.
    assert default_window(spec, Period.CK1, start, end) == Window(date(2025, 12, 1), date(2026, 1, 25))
    assert default_window(spec, Period.CN, start, end) == Window(date(2026, 5, 1), date(2026, 6, 30))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GK1=15/10-30/11", "missing CK1"),
        ("GK1=15/10-30/11,CK1=01/12-25/01,GK2=01/03-15/04,CN=01/05-30/13", "not a day"),
        ("GK1=1510-3011", "expected"),
        ("XX=1/1-2/2", "expected"),
        ("GK1=15/10-30/11,GK1=15/10-30/11", "twice"),
    ],
)
def test_bad_window_specs_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_window_spec(text)


def test_writes_outside_the_window_name_the_dates() -> None:
    window = Window(date(2025, 10, 15), date(2025, 11, 30))
    check_window(window, date(2025, 10, 15), Period.GK1)
    check_window(window, date(2025, 11, 30), Period.GK1)
    with pytest.raises(ValidationError, match="hạn cuối 30/11/2025"):
        check_window(window, date(2025, 12, 1), Period.GK1)
    with pytest.raises(ValidationError, match="từ 15/10/2025"):
        check_window(window, date(2025, 10, 14), Period.GK1)


def test_edited_windows_stay_inside_the_year() -> None:
    start, end = date(2025, 9, 5), date(2026, 5, 31)
    check_window_dates(date(2025, 10, 1), date(2025, 11, 1), start, end)
    with pytest.raises(ValidationError) as info:
        check_window_dates(date(2025, 11, 1), date(2025, 10, 1), start, end)
    assert set(info.value.fields) == {"closes_on"}
    with pytest.raises(ValidationError) as info:
        check_window_dates(date(2025, 8, 1), date(2026, 7, 1), start, end)
    assert set(info.value.fields) == {"opens_on", "closes_on"}


def test_only_a_delegated_correction_writes_any_cell() -> None:
    assert may_write(frozenset({"school"}), "5A", CellKind.SUBJECT, "TOAN", corrects_any=True)
    assert may_write(frozenset({"school"}), "5A", CellKind.ITEM, "PC_YEU_NUOC", corrects_any=True)
    # The correction permission without a whole-school duty reaches nothing more.
    assert not may_write(frozenset({"class:1A"}), "5A", CellKind.SUBJECT, "TOAN", corrects_any=True)
