"""Completeness checks of a class's period: what is missing, per subject, and what blocks a lock."""

from __future__ import annotations

from school_grades.domain.checks import (
    ITEMS_GROUP,
    MAX_LISTED,
    Entered,
    Missing,
    Pupil,
    class_gaps,
    lock_blockers,
    summarise,
)
from school_grades.domain.programme import Period, load_programme

PROGRAMME = load_programme("2025-2026")
AN = Pupil("s-an", "HS001", "Nguyễn Văn An")
BINH = Pupil("s-binh", "HS002", "Trần Thị Bình")


def complete(pupil: Pupil, grade: int, period: Period, **skip: str) -> dict[tuple[str, str], Entered]:
    """Every cell the programme asks of ``pupil``; ``skip`` leaves out code=level|score."""
    tested = PROGRAMME.tested(grade, period)
    cells: dict[tuple[str, str], Entered] = {}
    for s in PROGRAMME.subjects_of(grade, with_electives=False):
        level = None if skip.get(s.code) == "level" else "T"
        score = 9 if s.code in tested and skip.get(s.code) != "score" else None
        cells[(pupil.student_id, s.code)] = Entered(level, score)
    for code in PROGRAMME.items:
        if skip.get(code) != "level":
            cells[(pupil.student_id, code)] = Entered("Đ")
    return cells


def test_a_complete_class_has_no_gap_and_no_blocker() -> None:
    cells = {**complete(AN, 4, Period.GK1), **complete(BINH, 4, Period.GK1)}
    assert class_gaps(PROGRAMME, 4, Period.GK1, [AN, BINH], cells) == []
    assert lock_blockers(PROGRAMME, 4, Period.GK1, [AN, BINH], cells) == {}


def test_missing_levels_scores_and_items_are_each_listed() -> None:
    cells = {**complete(AN, 4, Period.GK1, TOAN="score", AM_NHAC="level", PC_TRUNG_THUC="level")}
    gaps = class_gaps(PROGRAMME, 4, Period.GK1, [AN], cells)
    assert [(g.group, g.item_code, g.missing) for g in gaps] == [
        ("TOAN", "TOAN", Missing.SCORE),
        ("AM_NHAC", "AM_NHAC", Missing.LEVEL),
        (ITEMS_GROUP, "PC_TRUNG_THUC", Missing.LEVEL),
    ]
    assert gaps[0].message == "Nguyễn Văn An: chưa có điểm kiểm tra Toán"
    assert "chưa có mức đạt được" in gaps[1].message


def test_a_score_is_due_only_where_the_programme_tests() -> None:
    # Grade 3 has no test at mid-term (GK1): a level is enough; at CK1 Tin học is tested.
    no_scores = {k: Entered(v.level) for k, v in complete(AN, 3, Period.CK1).items()}
    assert class_gaps(PROGRAMME, 3, Period.GK1, [AN], no_scores) == []
    at_ck1 = {(g.item_code, g.missing) for g in class_gaps(PROGRAMME, 3, Period.CK1, [AN], no_scores)}
    assert at_ck1 == {(c, Missing.SCORE) for c in PROGRAMME.tested(3, Period.CK1)}


def test_an_elective_is_expected_only_of_the_pupils_who_follow_it() -> None:
    cells = complete(AN, 2, Period.GK1)
    assert class_gaps(PROGRAMME, 2, Period.GK1, [AN], cells) == []
    followed = {AN.student_id: frozenset({"TIENG_DAN_TOC"})}
    gaps = class_gaps(PROGRAMME, 2, Period.GK1, [AN], cells, followed)
    assert [(g.item_code, g.missing) for g in gaps] == [("TIENG_DAN_TOC", Missing.LEVEL)]


def test_the_summary_counts_per_subject_with_who_entered() -> None:
    cells = {**complete(AN, 4, Period.GK1, TOAN="score"), **complete(BINH, 4, Period.GK1, TOAN="level")}
    gaps = class_gaps(PROGRAMME, 4, Period.GK1, [AN, BINH], cells)
    rows = {r.group: r for r in summarise(PROGRAMME, 4, Period.GK1, [AN, BINH], gaps, {"TOAN": "Lê Thị Hoa"})}
    toan = rows["TOAN"]
    assert (toan.expected, toan.missing_levels, toan.missing_scores, toan.entered_by) == (4, 1, 1, "Lê Thị Hoa")
    assert not toan.complete
    assert rows["AM_NHAC"].complete
    assert rows["AM_NHAC"].expected == 2
    assert rows[ITEMS_GROUP].expected == 2 * 15
    assert "TIENG_DAN_TOC" not in rows  # nobody follows the elective
    assert "TN_XH" not in rows  # not a subject of grade 4


def test_a_missing_end_of_year_score_blocks_the_lock_with_the_result_sheets_words() -> None:
    cells = {**complete(AN, 4, Period.CN, TOAN="score"), **complete(BINH, 4, Period.CN, DAO_DUC="level")}
    blockers = lock_blockers(PROGRAMME, 4, Period.CN, [AN, BINH], cells)
    assert blockers == {
        "HS001.final_scores.TOAN": "Nguyễn Văn An: Chưa có điểm kiểm tra cuối năm môn Toán",
        "HS002.subject_levels.DAO_DUC": "Trần Thị Bình: Chưa có mức đạt được cuối năm của Đạo đức",
    }


def test_a_long_refusal_names_the_first_entries_and_counts_the_rest() -> None:
    blockers = lock_blockers(PROGRAMME, 4, Period.GK2, [AN, BINH], {})
    assert len(blockers) == MAX_LISTED + 1
    total = len(class_gaps(PROGRAMME, 4, Period.GK2, [AN, BINH], {}))
    assert blockers["more"] == f"Còn {total - MAX_LISTED} mục chưa nhập khác"


def test_a_class_without_pupils_is_not_complete_enough_to_lock() -> None:
    # The roster may not have arrived from students yet: nothing to check is not "all entered".
    assert lock_blockers(PROGRAMME, 4, Period.GK1, [], {}) == {
        "class_id": "Lớp chưa có học sinh nào trong sổ điểm nên chưa thể khóa"
    }
