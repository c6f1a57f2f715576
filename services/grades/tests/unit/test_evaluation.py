"""TT 27/2020 end-of-year result: the 15 cases of domain-vn §1.8, every boundary, the explanations,
scores, retests and awards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school_grades.domain.errors import ValidationError
from school_grades.domain.evaluation import (
    Award,
    IncompleteError,
    ItemLevel,
    Nomination,
    SubjectLevel,
    YearInputs,
    YearResult,
    check_score,
    last_attempt,
    missing_for_result,
    official_score,
    score_problem,
    tieu_bieu_problem,
    year_end_result,
)
from school_grades.domain.programme import Period, load_programme

PROGRAMME = load_programme("2025-2026")
T, H, C = SubjectLevel.T, SubjectLevel.H, SubjectLevel.C
GRADE4_SCORES = {
    "TIENG_VIET": 10,
    "TOAN": 9,
    "NGOAI_NGU_1": 9,
    "LS_DL": 10,
    "KHOA_HOC": 9,
    "TIN_HOC": 9,
    "CONG_NGHE": 10,
}


def inputs(
    grade: int = 4,
    subjects: dict[str, SubjectLevel] | None = None,
    items: dict[str, ItemLevel] | None = None,
    scores: dict[str, int] | None = None,
) -> YearInputs:
    """A pupil of ``grade`` with every subject T, every item T and the case-1 scores, then overrides."""
    subject_levels = {s.code: T for s in PROGRAMME.subjects_of(grade, with_electives=False)}
    subject_levels.update(subjects or {})
    item_levels = dict.fromkeys(PROGRAMME.items, ItemLevel.T)
    item_levels.update(items or {})
    final = dict(GRADE4_SCORES) if grade >= 4 else dict.fromkeys(PROGRAMME.tested(grade, Period.CN), 10)
    final.update(scores or {})
    return YearInputs(
        subject_levels=subject_levels,
        item_levels=item_levels,
        final_scores=final,
        tested_subjects=PROGRAMME.tested(grade, Period.CN),
        names=PROGRAMME.name_of,
    )


def result(**kw: Any) -> YearResult:
    return year_end_result(inputs(**kw)).result


# -- the 15 cases of domain-vn §1.8 ------------------------------------------------------------------


def test_case_1_all_t_and_every_score_at_least_9_is_htxs_with_the_award() -> None:
    outcome = year_end_result(inputs())
    assert outcome.result is YearResult.HTXS
    assert outcome.award is Award.HS_XUAT_SAC
    assert outcome.explanation == ()
    assert outcome.completes_grade


def test_case_2_one_score_8_is_htt_and_says_why() -> None:
    outcome = year_end_result(inputs(scores={"TOAN": 8}))
    assert outcome.result is YearResult.HTT
    assert outcome.award is None
    assert outcome.explanation == ("Không đạt Hoàn thành xuất sắc vì: điểm kiểm tra cuối năm Toán = 8 (cần từ 9)",)


def test_case_3_scores_of_exactly_9_are_htxs() -> None:
    assert result(scores={"TOAN": 9, "KHOA_HOC": 9}) is YearResult.HTXS


def test_case_4_a_single_h_in_music_gives_ht_whatever_the_scores() -> None:
    outcome = year_end_result(inputs(subjects={"AM_NHAC": H}))
    assert outcome.result is YearResult.HT
    assert outcome.explanation == (
        "Không đạt Hoàn thành xuất sắc vì: Nghệ thuật (Âm nhạc) = H",
        "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H",
    )


def test_case_5_a_single_dat_in_a_competency_gives_ht() -> None:
    outcome = year_end_result(inputs(items={"NL_TINH_TOAN": ItemLevel.D}))
    assert outcome.result is YearResult.HT
    assert outcome.explanation[-1] == "Không đạt Hoàn thành tốt vì: Tính toán: Đạt"


def test_case_6_min_score_7_is_htt() -> None:
    assert result(scores={"TOAN": 7}) is YearResult.HTT


def test_case_7_min_score_6_is_ht() -> None:
    outcome = year_end_result(inputs(scores={"TIENG_VIET": 6}))
    assert outcome.result is YearResult.HT
    assert "Không đạt Hoàn thành tốt vì: điểm kiểm tra cuối năm Tiếng Việt = 6 (cần từ 7)" in outcome.explanation


def test_case_8_t_and_h_with_dat_and_min_score_5_is_ht() -> None:
    outcome = year_end_result(
        inputs(subjects={"TOAN": H, "DAO_DUC": H}, items={"PC_CHAM_CHI": ItemLevel.D}, scores={"LS_DL": 5})
    )
    assert outcome.result is YearResult.HT
    assert outcome.completes_grade


def test_case_9_one_score_4_is_cht() -> None:
    outcome = year_end_result(inputs(subjects={"TOAN": H}, items={"PC_CHAM_CHI": ItemLevel.D}, scores={"TOAN": 4}))
    assert outcome.result is YearResult.CHT
    assert not outcome.completes_grade
    assert outcome.explanation[-1] == "Không đạt Hoàn thành vì: điểm kiểm tra cuối năm Toán = 4 (cần từ 5)"


def test_case_10_one_subject_c_is_cht() -> None:
    outcome = year_end_result(inputs(subjects={"KHOA_HOC": C}))
    assert outcome.result is YearResult.CHT
    assert outcome.explanation[-1] == "Không đạt Hoàn thành vì: Khoa học = C"


def test_case_11_one_quality_can_co_gang_is_cht() -> None:
    outcome = year_end_result(inputs(items={"PC_TRUNG_THUC": ItemLevel.C}))
    assert outcome.result is YearResult.CHT
    assert outcome.explanation[-1] == "Không đạt Hoàn thành vì: Trung thực: Cần cố gắng"


def test_case_12_a_retest_counts_its_last_score() -> None:
    toan = last_attempt([4, 6])
    assert toan == 6
    outcome = year_end_result(inputs(subjects={"TOAN": H}, items={"PC_CHAM_CHI": ItemLevel.D}, scores={"TOAN": toan}))
    assert outcome.result is YearResult.HT


def test_case_13_grade_1_has_only_two_tests() -> None:
    assert PROGRAMME.tested(1, Period.CN) == {"TIENG_VIET", "TOAN"}
    outcome = year_end_result(inputs(grade=1, scores={"TIENG_VIET": 10, "TOAN": 9}))
    assert outcome.result is YearResult.HTXS


@pytest.mark.parametrize("bad", [0, 11, 8.5, -1, "9", None, True, Decimal("8.5")])
def test_case_14_scores_outside_1_to_10_or_decimal_are_refused(bad: object) -> None:
    assert score_problem(bad) is not None
    with pytest.raises(ValidationError) as info:
        check_score("score", bad)
    assert "score" in info.value.fields


def test_case_14_decimal_marks_live_only_as_raw_totals() -> None:
    assert official_score("8.5") == 9
    assert official_score(Decimal("8.25")) == 8
    assert official_score("8.75") == 9
    assert official_score("0.25") == 1  # never below 1
    with pytest.raises(ValidationError):
        official_score("10.5")
    with pytest.raises(ValidationError):
        official_score("mười")


def test_case_15_a_missing_cn_score_cannot_be_finalised() -> None:
    pupil = inputs()
    without_science = {k: v for k, v in pupil.final_scores.items() if k != "KHOA_HOC"}
    incomplete = YearInputs(
        pupil.subject_levels, pupil.item_levels, without_science, pupil.tested_subjects, PROGRAMME.name_of
    )
    with pytest.raises(IncompleteError) as info:
        year_end_result(incomplete)
    assert info.value.fields == {"final_scores.KHOA_HOC": "Chưa có điểm kiểm tra cuối năm môn Khoa học"}


# -- boundaries and other rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "expected"),
    [(10, YearResult.HTXS), (9, YearResult.HTXS), (8, YearResult.HTT), (7, YearResult.HTT), (6, YearResult.HT),
     (5, YearResult.HT), (4, YearResult.CHT), (1, YearResult.CHT)],
)  # fmt: skip
def test_every_score_boundary_with_everything_else_t(low: int, expected: YearResult) -> None:
    assert result(scores={"CONG_NGHE": low}) is expected


@given(
    subjects=st.dictionaries(st.sampled_from(sorted(GRADE4_SCORES)), st.sampled_from(list(SubjectLevel))),
    items=st.dictionaries(st.sampled_from(sorted(PROGRAMME.items)), st.sampled_from(list(ItemLevel))),
    scores=st.dictionaries(st.sampled_from(sorted(GRADE4_SCORES)), st.integers(1, 10)),
)
def test_the_result_is_the_best_level_whose_conditions_all_hold(
    subjects: dict[str, SubjectLevel], items: dict[str, ItemLevel], scores: dict[str, int]
) -> None:
    pupil = inputs(subjects=subjects, items=items, scores=scores)
    outcome = year_end_result(pupil)
    levels, marks, low = (
        set(pupil.subject_levels.values()),
        set(pupil.item_levels.values()),
        min(pupil.final_scores.values()),
    )
    all_t = levels == {T} and marks == {ItemLevel.T}
    if all_t and low >= 9:
        assert outcome.result is YearResult.HTXS
    elif all_t and low >= 7:
        assert outcome.result is YearResult.HTT
    elif C not in levels and ItemLevel.C not in marks and low >= 5:
        assert outcome.result is YearResult.HT
    else:
        assert outcome.result is YearResult.CHT
    # One explanation line per level above the result, never one for the result itself.
    above = [YearResult.HTXS, YearResult.HTT, YearResult.HT, YearResult.CHT].index(outcome.result)
    assert len(outcome.explanation) == above
    assert (outcome.award is Award.HS_XUAT_SAC) == (outcome.result is YearResult.HTXS)


def test_missing_levels_are_listed_for_the_checks_page() -> None:
    pupil = inputs()
    partial = YearInputs(
        {k: v for k, v in pupil.subject_levels.items() if k != "HDTN"},
        {k: v for k, v in pupil.item_levels.items() if k != "PC_NHAN_AI"},
        pupil.final_scores,
        pupil.tested_subjects,
        PROGRAMME.name_of,
    )
    expected_subjects = [s.code for s in PROGRAMME.subjects_of(4, with_electives=False)]
    assert missing_for_result(partial, expected_subjects, list(PROGRAMME.items)) == {
        "subject_levels.HDTN": "Chưa có mức đạt được cuối năm của Hoạt động trải nghiệm",
        "item_levels.PC_NHAN_AI": "Chưa có mức đạt được cuối năm của Nhân ái",
    }


def test_no_levels_at_all_cannot_be_finalised() -> None:
    with pytest.raises(IncompleteError) as info:
        year_end_result(YearInputs({}, {}, {}))
    assert set(info.value.fields) == {"subject_levels", "item_levels"}


def test_tieu_bieu_needs_htt_evidence_and_the_class() -> None:
    htt = year_end_result(inputs(scores={"TOAN": 8}))
    good = Nomination("Giải Nhì cuộc thi Trạng nguyên Tiếng Việt cấp huyện", recognised_by_class=True)
    assert tieu_bieu_problem(htt, good) is None
    assert "tập thể lớp" in (tieu_bieu_problem(htt, Nomination(good.evidence, recognised_by_class=False)) or "")
    assert "căn cứ" in (tieu_bieu_problem(htt, Nomination("tốt", recognised_by_class=True)) or "")
    htxs = year_end_result(inputs())
    assert "Hoàn thành tốt" in (tieu_bieu_problem(htxs, good) or "")


def test_a_cht_explanation_names_every_level_missed_with_all_its_reasons_in_sheet_order() -> None:
    outcome = year_end_result(
        inputs(subjects={"AM_NHAC": H, "KHOA_HOC": C}, items={"NL_TINH_TOAN": ItemLevel.D}, scores={"TOAN": 8})
    )
    assert outcome.result is YearResult.CHT
    assert outcome.explanation == (
        "Không đạt Hoàn thành xuất sắc vì: Khoa học = C; Nghệ thuật (Âm nhạc) = H; Tính toán: Đạt; "
        "điểm kiểm tra cuối năm Toán = 8 (cần từ 9)",
        "Không đạt Hoàn thành tốt vì: Khoa học = C; Nghệ thuật (Âm nhạc) = H; Tính toán: Đạt",
        "Không đạt Hoàn thành vì: Khoa học = C",
    )
