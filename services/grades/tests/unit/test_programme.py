"""The shipped programme of 2025-2026 matches CTGDPT 2018 and TT 27 (domain-vn §1.2, §1.5, §1.6);
a programme file that contradicts itself is refused."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from school_grades.domain.programme import (
    Kind,
    Period,
    load_programme,
    parse_programme,
    shipped_year_for,
    shipped_years,
    stored_or_shipped,
)

PROGRAMME = load_programme("2025-2026")


def raw() -> dict[str, Any]:
    text = resources.files("school_grades").joinpath("data/programme_2025_2026.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def codes(grade: int, *, with_electives: bool = True) -> list[str]:
    return [s.code for s in PROGRAMME.subjects_of(grade, with_electives=with_electives)]


def test_the_year_is_shipped() -> None:
    assert "2025-2026" in shipped_years()
    assert PROGRAMME.school_year == "2025-2026"
    assert list(PROGRAMME.periods) == [Period.GK1, Period.CK1, Period.GK2, Period.CN]


def test_subjects_per_grade() -> None:
    assert codes(1, with_electives=False) == [
        "TIENG_VIET", "TOAN", "DAO_DUC", "TN_XH", "GDTC", "AM_NHAC", "MI_THUAT", "HDTN",
    ]  # fmt: skip
    assert "NGOAI_NGU_1" in codes(1)  # elective in grades 1-2
    assert codes(4, with_electives=False) == [
        "TIENG_VIET", "TOAN", "NGOAI_NGU_1", "DAO_DUC", "LS_DL", "KHOA_HOC", "TIN_HOC", "CONG_NGHE", "GDTC",
        "AM_NHAC", "MI_THUAT", "HDTN",
    ]  # fmt: skip
    assert "TN_XH" in codes(3)
    assert "TN_XH" not in codes(4)
    assert PROGRAMME.subjects["HDTN"].kind is Kind.ACTIVITY
    assert PROGRAMME.subjects["TIENG_DAN_TOC"].elective_in(5)


@pytest.mark.parametrize(
    ("grade", "period", "expected"),
    [
        (1, Period.GK1, set()),
        (1, Period.CK1, {"TIENG_VIET", "TOAN"}),
        (2, Period.GK2, set()),
        (3, Period.CN, {"TIENG_VIET", "TOAN", "NGOAI_NGU_1", "TIN_HOC", "CONG_NGHE"}),
        (4, Period.GK1, {"TIENG_VIET", "TOAN"}),
        (5, Period.GK2, {"TIENG_VIET", "TOAN"}),
        (5, Period.CK1, {"TIENG_VIET", "TOAN", "NGOAI_NGU_1", "LS_DL", "KHOA_HOC", "TIN_HOC", "CONG_NGHE"}),
    ],
)
def test_periodic_tests_follow_tt27(grade: int, period: Period, expected: set[str]) -> None:
    assert PROGRAMME.tested(grade, period) == expected


def test_fifteen_qualities_and_competencies() -> None:
    assert len(PROGRAMME.qualities) == 5
    assert len(PROGRAMME.competencies) == 10
    assert list(PROGRAMME.items)[:2] == ["PC_YEU_NUOC", "PC_NHAN_AI"]
    assert PROGRAMME.name_of("NL_TINH_TOAN") == "Tính toán"
    assert PROGRAMME.name_of("AM_NHAC") == "Nghệ thuật (Âm nhạc)"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["tests"]["1"].update({"CN": ["TIENG_VIET", "KHOA_HOC"]}), "không phải môn học của khối đó"),
        (lambda d: d["subjects"].append(dict(d["subjects"][0])), "xuất hiện hai lần"),
        (lambda d: d["periods"].pop(), "phải đúng là GK1"),
        (lambda d: d["competencies"].append(["PC_YEU_NUOC", "x"]), "vừa là phẩm chất vừa là năng lực"),
        (lambda d: d["subjects"][0].update({"grades": [0, 1]}), "khối lớp phải từ 1 đến 5"),
    ],
)
def test_a_contradictory_programme_is_refused(change: Any, fragment: str) -> None:
    data = copy.deepcopy(raw())
    change(data)
    with pytest.raises(ValueError, match=fragment):
        parse_programme(data)


def test_a_year_without_its_own_file_uses_the_newest_earlier_one_else_the_oldest() -> None:
    assert shipped_year_for("2025-2026") == "2025-2026"
    assert shipped_year_for("2027-2028") == "2025-2026"  # a later year before its file is reviewed
    assert shipped_year_for("2019-2020") == "2025-2026"  # older than every file: the oldest
    assert stored_or_shipped(None, "2026-2027").school_year == "2025-2026"
    shipped = resources.files("school_grades").joinpath("data/programme_2025_2026.json").read_text(encoding="utf-8")
    stored = json.dumps({**json.loads(shipped), "school_year": "2026-2027"})
    assert stored_or_shipped(stored, "2026-2027").school_year == "2026-2027"  # the school's own comes first
