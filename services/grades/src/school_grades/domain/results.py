"""What follows the end-of-year result (TT 27 Điều 11 and 13, domain-vn §1.9–§1.10): completion of
the grade, the supplementary assessment of a pupil who has not completed it, the principal's
decision, the awards, and the one line the học bạ prints.

Pure functions over plain values: the use cases load what is stored, call these, and store and
publish what comes out. Messages are Vietnamese because teachers and parents read them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from school_grades.domain.errors import ValidationError
from school_grades.domain.evaluation import RESULT_NAMES, Award, YearResult

LAST_GRADE = 5  # lớp 5 completes primary school
DECISION_REF_MAX = 100
NOTE_MAX = 1000
EVIDENCE_MAX = 1000


class Decision(StrEnum):
    """What happens to the pupil at the roll-over (domain-vn §1.9)."""

    LEN_LOP = "LEN_LOP"
    O_LAI_LOP = "O_LAI_LOP"
    HOAN_THANH_CT_TIEU_HOC = "HOAN_THANH_CT_TIEU_HOC"


class Basis(StrEnum):
    """Why the decision stands."""

    KET_QUA = "KET_QUA"  # the year result completes the grade
    DANH_GIA_BO_SUNG = "DANH_GIA_BO_SUNG"  # a supplementary assessment completed it
    HIEU_TRUONG = "HIEU_TRUONG"  # the principal decided on a pupil who still did not complete it


class SupplementaryOutcome(StrEnum):
    HOAN_THANH = "HOAN_THANH"  # now completes the grade
    CHUA_HOAN_THANH = "CHUA_HOAN_THANH"  # still does not: the principal decides


DECISION_NAMES = {
    Decision.LEN_LOP: "Được lên lớp",
    Decision.O_LAI_LOP: "Chưa được lên lớp (ở lại lớp)",
    Decision.HOAN_THANH_CT_TIEU_HOC: "Hoàn thành chương trình tiểu học",
}
OUTCOME_NAMES = {
    SupplementaryOutcome.HOAN_THANH: "Hoàn thành chương trình lớp học",
    SupplementaryOutcome.CHUA_HOAN_THANH: "Chưa hoàn thành chương trình lớp học",
}


def completion_line(grade_level: int, completes: bool) -> str:
    """The line of the học bạ and the results page: "Hoàn thành chương trình tiểu học" for lớp 5."""
    if completes and grade_level >= LAST_GRADE:
        return "Hoàn thành chương trình tiểu học"
    if completes:
        return f"Hoàn thành chương trình lớp {grade_level}"
    return f"Chưa hoàn thành chương trình lớp {grade_level}"


def implied_decision(grade_level: int) -> Decision:
    """The decision a completed grade carries without the principal: up a grade, or out of primary."""
    return Decision.HOAN_THANH_CT_TIEU_HOC if grade_level >= LAST_GRADE else Decision.LEN_LOP


# -- supplementary assessment and the principal's decision ------------------------------------------


@dataclass(frozen=True)
class Supplementary:
    """One đánh giá bổ sung: when, on which subjects or qualities/competencies, with what outcome."""

    assessed_on: date
    subjects: tuple[str, ...]
    outcome: SupplementaryOutcome
    note: str = ""


@dataclass(frozen=True)
class PrincipalDecision:
    decision: Decision
    decision_ref: str
    decided_on: date


def _date(fields: dict[str, str], name: str, value: str, label: str, today: date) -> date | None:
    text = value.strip()
    if not text:
        fields[name] = f"{label} không được để trống"
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fields[name] = f"{label} không hợp lệ (định dạng YYYY-MM-DD)"
        return None
    if day > today:
        fields[name] = f"{label} không được ở tương lai"
        return None
    return day


def check_supplementary(
    *,
    computed: YearResult,
    assessed_on: str,
    subjects: Sequence[str],
    outcome: str,
    note: str,
    allowed: Mapping[str, str],
    today: date,
    principal: PrincipalDecision | None = None,
) -> Supplementary:
    """A supplementary assessment as entered, or ValidationError naming each wrong field.

    Only a pupil whose computed result is CHT has one (Điều 11); ``allowed`` maps the subject and
    quality/competency codes of the pupil's grade to their names. Once the principal has decided,
    the teacher's assessment can no longer override that decision: it is refused (the assessment
    belongs before the decision, and a later one would silently turn "ở lại lớp" into "lên lớp").
    """
    fields: dict[str, str] = {}
    if computed is not YearResult.CHT:
        message = (
            f"Chỉ học sinh chưa hoàn thành chương trình lớp học mới được đánh giá bổ sung "
            f"(kết quả: {RESULT_NAMES[computed]})"
        )
        raise ValidationError(message, {"student_id": message})
    if principal is not None:
        message = (
            f"Hiệu trưởng đã quyết định ({principal.decision_ref} ngày {principal.decided_on:%d/%m/%Y}) "
            "nên không ghi thêm đánh giá bổ sung được"
        )
        raise ValidationError(message, {"student_id": message})
    day = _date(fields, "assessed_on", assessed_on, "Ngày đánh giá bổ sung", today)
    codes: list[str] = []
    for raw in subjects:
        code = raw.strip().upper()
        if not code:
            continue
        if code not in allowed:
            fields["subjects"] = f"'{raw.strip()}' không phải môn học hay phẩm chất, năng lực của lớp này"
        elif code not in codes:
            codes.append(code)
    if not codes and "subjects" not in fields:
        fields["subjects"] = "Hãy chọn ít nhất một môn học hoặc phẩm chất, năng lực được đánh giá bổ sung"
    try:
        result = SupplementaryOutcome(outcome.strip().upper())
    except ValueError:
        fields["outcome"] = "Kết quả đánh giá bổ sung phải là Hoàn thành hoặc Chưa hoàn thành"
        result = SupplementaryOutcome.CHUA_HOAN_THANH
    clean_note = note.strip()
    if len(clean_note) > NOTE_MAX:
        fields["note"] = f"Ghi chú tối đa {NOTE_MAX} ký tự"
    if fields:
        raise ValidationError("Thông tin đánh giá bổ sung không hợp lệ", fields)
    assert day is not None
    return Supplementary(day, tuple(codes), result, clean_note)


def check_decision(
    *,
    current: YearResult,
    grade_level: int,
    decision: str,
    decision_ref: str,
    decided_on: str,
    today: date,
    supplementary: Sequence[Supplementary] = (),
    last_grade_pass: Decision = Decision.LEN_LOP,
) -> PrincipalDecision:
    """The principal's decision on a pupil who, after support and supplementary assessment, still
    does not complete the grade: lên lớp or ở lại lớp, with the decision's number and date.

    Điều 11: the principal decides only once a supplementary assessment found the pupil still not
    completing the grade, and the decision follows that assessment. For lớp 5, what "lên lớp" of a
    pupil who did not complete the grade is called is [U] (``last_grade_pass``, configuration): by
    default LEN_LOP, because only a pupil who completes lớp 5 gets "Hoàn thành chương trình tiểu học".
    """
    if current is not YearResult.CHT:
        message = "Học sinh đã hoàn thành chương trình lớp học nên không cần quyết định lên lớp của hiệu trưởng"
        raise ValidationError(message, {"student_id": message})
    last = supplementary[-1] if supplementary else None
    if last is None or last.outcome is not SupplementaryOutcome.CHUA_HOAN_THANH:
        message = (
            "Hiệu trưởng chỉ quyết định khi giáo viên chủ nhiệm đã đánh giá bổ sung và học sinh vẫn chưa hoàn thành "
            "chương trình lớp học"
        )
        raise ValidationError(message, {"student_id": message})
    fields: dict[str, str] = {}
    wanted = decision.strip().upper()
    chosen: Decision | None = None
    if wanted == Decision.LEN_LOP:
        chosen = last_grade_pass if grade_level >= LAST_GRADE else Decision.LEN_LOP
    elif wanted == Decision.O_LAI_LOP:
        chosen = Decision.O_LAI_LOP
    else:
        fields["decision"] = "Hãy chọn Được lên lớp hoặc Ở lại lớp"
    ref = decision_ref.strip()
    if not ref:
        fields["decision_ref"] = "Hãy ghi số quyết định của hiệu trưởng"
    elif len(ref) > DECISION_REF_MAX:
        fields["decision_ref"] = f"Số quyết định tối đa {DECISION_REF_MAX} ký tự"
    day = _date(fields, "decided_on", decided_on, "Ngày quyết định", today)
    if day is not None and day < last.assessed_on:
        fields["decided_on"] = f"Ngày quyết định không được trước ngày đánh giá bổ sung ({last.assessed_on:%d/%m/%Y})"
    if fields:
        raise ValidationError("Quyết định chưa hợp lệ", fields)
    assert chosen is not None
    assert day is not None
    return PrincipalDecision(chosen, ref, day)


# -- where a pupil stands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Everything that follows from the computed result and what was recorded after it."""

    result: YearResult  # the result that counts now (the supplementary outcome for a CHT pupil)
    completes: bool
    award: Award | None
    decision: Decision | None
    basis: Basis | None
    decision_ref: str
    decided_on: date | None


def standing(
    *,
    computed: YearResult,
    grade_level: int,
    supplementary: Sequence[Supplementary] = (),
    principal: PrincipalDecision | None = None,
    tieu_bieu_approved: bool = False,
) -> Standing:
    """The current result, award and decision of a pupil.

    Both values are kept (domain-vn §1.9, [U] whether the year result is rewritten): ``computed``
    stays as it was computed at CN; a later successful supplementary assessment makes the current
    result "Hoàn thành". The last supplementary assessment counts. A completed grade needs no
    principal's decision; a pupil who still does not complete it waits for one.
    """
    result = computed
    basis: Basis | None = Basis.KET_QUA
    if computed is YearResult.CHT:
        last = supplementary[-1] if supplementary else None
        if last is not None and last.outcome is SupplementaryOutcome.HOAN_THANH:
            result, basis = YearResult.HT, Basis.DANH_GIA_BO_SUNG
        else:
            basis = None
    completes = result is not YearResult.CHT
    award: Award | None = None
    if result is YearResult.HTXS:
        award = Award.HS_XUAT_SAC
    elif result is YearResult.HTT and tieu_bieu_approved:
        award = Award.HS_TIEU_BIEU
    if completes:
        return Standing(result, True, award, implied_decision(grade_level), basis, "", None)
    if principal is not None:
        # Only where configuration names a lớp 5 "lên lớp" HOAN_THANH_CT_TIEU_HOC does the
        # principal's decision complete the grade; the printed line then says so too.
        return Standing(
            result,
            principal.decision is Decision.HOAN_THANH_CT_TIEU_HOC,
            None,
            principal.decision,
            Basis.HIEU_TRUONG,
            principal.decision_ref,
            principal.decided_on,
        )
    return Standing(result, False, None, None, None, "", None)


def standing_lines(grade_level: int, now: Standing, computed: YearResult) -> list[str]:
    """Plain-language lines after the explanation: completion, supplementary outcome, decision."""
    lines = [completion_line(grade_level, now.completes)]
    if computed is YearResult.CHT and now.basis is Basis.DANH_GIA_BO_SUNG:
        lines.append("Đã hoàn thành sau đánh giá bổ sung (kết quả tính lúc cuối năm: Chưa hoàn thành)")
    if now.basis is Basis.HIEU_TRUONG and now.decision is not None and now.decided_on is not None:
        lines.append(
            f"Quyết định của hiệu trưởng số {now.decision_ref} ngày {now.decided_on:%d/%m/%Y}: "
            f"{DECISION_NAMES[now.decision]}"
        )
    elif not now.completes:
        lines.append("Chờ quyết định lên lớp hay ở lại lớp của hiệu trưởng")
    return lines
