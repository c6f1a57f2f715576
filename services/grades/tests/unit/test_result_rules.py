"""After the year result: completion, supplementary assessment, the principal's decision, awards."""

from __future__ import annotations

from datetime import date

import pytest

from school_grades.domain.errors import ValidationError
from school_grades.domain.evaluation import Award, YearResult
from school_grades.domain.results import (
    Basis,
    Decision,
    PrincipalDecision,
    Supplementary,
    SupplementaryOutcome,
    check_decision,
    check_supplementary,
    completion_line,
    standing,
    standing_lines,
)

TODAY = date(2026, 6, 20)
ALLOWED = {"TOAN": "Toán", "AM_NHAC": "Nghệ thuật (Âm nhạc)", "TRUNG_THUC": "Trung thực"}


def test_grade_five_completing_is_primary_completion() -> None:
    assert completion_line(5, True) == "Hoàn thành chương trình tiểu học"
    assert completion_line(4, True) == "Hoàn thành chương trình lớp 4"
    assert completion_line(5, False) == "Chưa hoàn thành chương trình lớp 5"


@pytest.mark.parametrize(
    ("computed", "grade", "award", "decision"),
    [
        (YearResult.HTXS, 3, Award.HS_XUAT_SAC, Decision.LEN_LOP),
        (YearResult.HTT, 3, None, Decision.LEN_LOP),
        (YearResult.HT, 4, None, Decision.LEN_LOP),
        (YearResult.HT, 5, None, Decision.HOAN_THANH_CT_TIEU_HOC),
        (YearResult.HTXS, 5, Award.HS_XUAT_SAC, Decision.HOAN_THANH_CT_TIEU_HOC),
    ],
)
def test_a_completed_grade_decides_itself(
    computed: YearResult, grade: int, award: Award | None, decision: Decision
) -> None:
    now = standing(computed=computed, grade_level=grade)
    assert (now.result, now.completes, now.award, now.decision, now.basis) == (
        computed,
        True,
        award,
        decision,
        Basis.KET_QUA,
    )


def test_tieu_bieu_only_with_htt_and_the_principal_approval() -> None:
    assert standing(computed=YearResult.HTT, grade_level=2, tieu_bieu_approved=True).award is Award.HS_TIEU_BIEU
    assert standing(computed=YearResult.HTT, grade_level=2).award is None
    # A recompute to HT drops an approved nomination's award.
    assert standing(computed=YearResult.HT, grade_level=2, tieu_bieu_approved=True).award is None


def test_cht_waits_for_supplementary_then_the_principal() -> None:
    waiting = standing(computed=YearResult.CHT, grade_level=3)
    assert (waiting.completes, waiting.decision, waiting.basis) == (False, None, None)
    assert standing_lines(3, waiting, YearResult.CHT) == [
        "Chưa hoàn thành chương trình lớp 3",
        "Chờ quyết định lên lớp hay ở lại lớp của hiệu trưởng",
    ]
    failed = Supplementary(date(2026, 6, 10), ("TOAN",), SupplementaryOutcome.CHUA_HOAN_THANH)
    passed = Supplementary(date(2026, 6, 18), ("TOAN",), SupplementaryOutcome.HOAN_THANH)
    after = standing(computed=YearResult.CHT, grade_level=3, supplementary=[failed, passed])
    assert (after.result, after.completes, after.decision, after.basis) == (
        YearResult.HT,
        True,
        Decision.LEN_LOP,
        Basis.DANH_GIA_BO_SUNG,
    )
    assert "Đã hoàn thành sau đánh giá bổ sung" in standing_lines(3, after, YearResult.CHT)[1]
    # The last assessment counts: failing again after passing puts the pupil back to CHT.
    assert standing(computed=YearResult.CHT, grade_level=3, supplementary=[passed, failed]).completes is False

    principal = PrincipalDecision(Decision.O_LAI_LOP, "15/QĐ-THTV", date(2026, 6, 25))
    kept = standing(computed=YearResult.CHT, grade_level=3, supplementary=[failed], principal=principal)
    assert (kept.decision, kept.basis, kept.decision_ref) == (Decision.O_LAI_LOP, Basis.HIEU_TRUONG, "15/QĐ-THTV")
    assert standing_lines(3, kept, YearResult.CHT)[1] == (
        "Quyết định của hiệu trưởng số 15/QĐ-THTV ngày 25/06/2026: Chưa được lên lớp (ở lại lớp)"
    )
    # A decision recorded before a successful supplementary assessment no longer applies.
    assert standing(computed=YearResult.CHT, grade_level=3, supplementary=[passed], principal=principal).basis is (
        Basis.DANH_GIA_BO_SUNG
    )


def test_supplementary_input_is_checked_field_by_field() -> None:
    good = check_supplementary(
        computed=YearResult.CHT,
        assessed_on="2026-06-15",
        subjects=["toan", " AM_NHAC ", "TOAN", ""],
        outcome="hoan_thanh",
        note="  Đã ôn tập 3 tuần ",
        allowed=ALLOWED,
        today=TODAY,
    )
    assert good == Supplementary(
        date(2026, 6, 15), ("TOAN", "AM_NHAC"), SupplementaryOutcome.HOAN_THANH, "Đã ôn tập 3 tuần"
    )
    with pytest.raises(ValidationError) as info:
        check_supplementary(
            computed=YearResult.CHT,
            assessed_on="15/06/2026",
            subjects=["HOA_HOC"],
            outcome="DAT",
            note="x" * 1001,
            allowed=ALLOWED,
            today=TODAY,
        )
    assert set(info.value.fields) == {"assessed_on", "subjects", "outcome", "note"}
    assert "HOA_HOC" in info.value.fields["subjects"]
    with pytest.raises(ValidationError) as info:
        check_supplementary(
            computed=YearResult.CHT,
            assessed_on="2026-07-01",
            subjects=[],
            outcome="HOAN_THANH",
            note="",
            allowed=ALLOWED,
            today=TODAY,
        )
    assert info.value.fields["assessed_on"] == "Ngày đánh giá bổ sung không được ở tương lai"
    assert "ít nhất một" in info.value.fields["subjects"]
    with pytest.raises(ValidationError) as info:
        check_supplementary(
            computed=YearResult.HT,
            assessed_on="2026-06-15",
            subjects=["TOAN"],
            outcome="HOAN_THANH",
            note="",
            allowed=ALLOWED,
            today=TODAY,
        )
    assert "(kết quả: Hoàn thành)" in info.value.fields["student_id"]


FAILED_SUPPLEMENTARY = (Supplementary(date(2026, 6, 15), ("TOAN",), SupplementaryOutcome.CHUA_HOAN_THANH),)


def test_principal_decision_needs_a_cht_pupil_a_reference_and_a_date() -> None:
    assert check_decision(
        current=YearResult.CHT,
        grade_level=3,
        decision="o_lai_lop",
        decision_ref=" 15/QĐ ",
        decided_on="2026-06-20",
        today=TODAY,
        supplementary=FAILED_SUPPLEMENTARY,
    ) == PrincipalDecision(Decision.O_LAI_LOP, "15/QĐ", date(2026, 6, 20))
    with pytest.raises(ValidationError) as info:
        check_decision(
            current=YearResult.CHT,
            grade_level=3,
            decision="HOAN_THANH_CT_TIEU_HOC",
            decision_ref="",
            decided_on="",
            today=TODAY,
            supplementary=FAILED_SUPPLEMENTARY,
        )
    assert set(info.value.fields) == {"decision", "decision_ref", "decided_on"}
    with pytest.raises(ValidationError) as info:
        check_decision(
            current=YearResult.HT,
            grade_level=3,
            decision="LEN_LOP",
            decision_ref="1",
            decided_on="2026-06-20",
            today=TODAY,
            supplementary=FAILED_SUPPLEMENTARY,
        )
    assert "student_id" in info.value.fields
    # The decision follows the assessment, not before it.
    with pytest.raises(ValidationError) as info:
        check_decision(
            current=YearResult.CHT,
            grade_level=3,
            decision="O_LAI_LOP",
            decision_ref="15/QĐ",
            decided_on="2026-06-14",
            today=TODAY,
            supplementary=FAILED_SUPPLEMENTARY,
        )
    assert info.value.fields == {"decided_on": "Ngày quyết định không được trước ngày đánh giá bổ sung (15/06/2026)"}


@pytest.mark.parametrize(
    "supplementary",
    [(), (Supplementary(date(2026, 6, 15), ("TOAN",), SupplementaryOutcome.HOAN_THANH),)],
)
def test_the_principal_decides_only_after_a_failed_supplementary_assessment(
    supplementary: tuple[Supplementary, ...],
) -> None:
    with pytest.raises(ValidationError) as info:
        check_decision(
            current=YearResult.CHT,
            grade_level=3,
            decision="O_LAI_LOP",
            decision_ref="15/QĐ",
            decided_on="2026-06-20",
            today=TODAY,
            supplementary=supplementary,
        )
    assert "đã đánh giá bổ sung và học sinh vẫn chưa hoàn thành" in info.value.fields["student_id"]


def test_grade_five_len_lop_by_the_principal_does_not_complete_primary_by_default() -> None:
    chosen = check_decision(
        current=YearResult.CHT,
        grade_level=5,
        decision="LEN_LOP",
        decision_ref="16/QĐ",
        decided_on="2026-06-20",
        today=TODAY,
        supplementary=FAILED_SUPPLEMENTARY,
    )
    assert chosen.decision is Decision.LEN_LOP
    now = standing(computed=YearResult.CHT, grade_level=5, supplementary=FAILED_SUPPLEMENTARY, principal=chosen)
    assert (now.completes, now.decision) == (False, Decision.LEN_LOP)
    assert standing_lines(5, now, YearResult.CHT) == [
        "Chưa hoàn thành chương trình lớp 5",
        "Quyết định của hiệu trưởng số 16/QĐ ngày 20/06/2026: Được lên lớp",
    ]
    # A school whose Sở reads it the other way configures it; the lines then agree with it.
    completing = check_decision(
        current=YearResult.CHT,
        grade_level=5,
        decision="LEN_LOP",
        decision_ref="16/QĐ",
        decided_on="2026-06-20",
        today=TODAY,
        supplementary=FAILED_SUPPLEMENTARY,
        last_grade_pass=Decision.HOAN_THANH_CT_TIEU_HOC,
    )
    assert completing.decision is Decision.HOAN_THANH_CT_TIEU_HOC
    now = standing(computed=YearResult.CHT, grade_level=5, supplementary=FAILED_SUPPLEMENTARY, principal=completing)
    assert now.completes is True
    assert standing_lines(5, now, YearResult.CHT)[0] == "Hoàn thành chương trình tiểu học"
    # Lower grades are not affected by the setting.
    assert (
        check_decision(
            current=YearResult.CHT,
            grade_level=4,
            decision="LEN_LOP",
            decision_ref="16/QĐ",
            decided_on="2026-06-20",
            today=TODAY,
            supplementary=FAILED_SUPPLEMENTARY,
            last_grade_pass=Decision.HOAN_THANH_CT_TIEU_HOC,
        ).decision
        is Decision.LEN_LOP
    )


def test_no_supplementary_assessment_once_the_principal_has_decided() -> None:
    decided = PrincipalDecision(Decision.O_LAI_LOP, "15/QĐ", date(2026, 6, 18))
    with pytest.raises(ValidationError) as info:
        check_supplementary(
            computed=YearResult.CHT,
            assessed_on="2026-06-10",
            subjects=["TOAN"],
            outcome="HOAN_THANH",
            note="",
            allowed=ALLOWED,
            today=TODAY,
            principal=decided,
        )
    assert info.value.fields["student_id"] == (
        "Hiệu trưởng đã quyết định (15/QĐ ngày 18/06/2026) nên không ghi thêm đánh giá bổ sung được"
    )
