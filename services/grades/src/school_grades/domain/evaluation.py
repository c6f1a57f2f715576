"""TT 27/2020 evaluation rules: periodic test scores, the end-of-year result with the reasons a
pupil did not reach a higher level, and the automatic award (domain-vn §1.4–§1.10).

Pure functions: the grade book calls them with what it stored; nothing here knows where the
levels come from. Messages are Vietnamese because they are shown to teachers and parents as they
are ("Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from school_grades.domain.errors import ValidationError

SCORE_MIN, SCORE_MAX = 1, 10


class SubjectLevel(StrEnum):
    """Mức đạt được của môn học và hoạt động giáo dục (Điều 7 khoản 1)."""

    T = "T"  # Hoàn thành tốt
    H = "H"  # Hoàn thành
    C = "C"  # Chưa hoàn thành


class ItemLevel(StrEnum):
    """Mức đạt được của phẩm chất và năng lực (Điều 7 khoản 2)."""

    T = "T"  # Tốt
    D = "Đ"  # Đạt
    C = "C"  # Cần cố gắng


class YearResult(StrEnum):
    """Kết quả giáo dục cuối năm (Điều 9 khoản 2 a)."""

    HTXS = "HTXS"
    HTT = "HTT"
    HT = "HT"
    CHT = "CHT"


class Award(StrEnum):
    """Khen thưởng cuối năm (Điều 13): the first is automatic, the second needs a nomination."""

    HS_XUAT_SAC = "HS_XUAT_SAC"
    HS_TIEU_BIEU = "HS_TIEU_BIEU"


SUBJECT_LEVEL_NAMES = {
    SubjectLevel.T: "Hoàn thành tốt",
    SubjectLevel.H: "Hoàn thành",
    SubjectLevel.C: "Chưa hoàn thành",
}
ITEM_LEVEL_NAMES = {ItemLevel.T: "Tốt", ItemLevel.D: "Đạt", ItemLevel.C: "Cần cố gắng"}
RESULT_NAMES = {
    YearResult.HTXS: "Hoàn thành xuất sắc",
    YearResult.HTT: "Hoàn thành tốt",
    YearResult.HT: "Hoàn thành",
    YearResult.CHT: "Chưa hoàn thành",
}
AWARD_NAMES = {
    Award.HS_XUAT_SAC: "Học sinh Xuất sắc",
    Award.HS_TIEU_BIEU: "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
}
# The lowest end-of-year test score each result allows (Điều 9 khoản 2 a).
MIN_SCORE = {YearResult.HTXS: 9, YearResult.HTT: 7, YearResult.HT: 5}


# -- periodic test scores --------------------------------------------------------------------------


def score_problem(value: object) -> str | None:
    """Why ``value`` cannot be an official test score (a whole number 1..10), or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float | Decimal) and value == int(value) and not isinstance(value, bool):
            return score_problem(int(value))
        return "Điểm kiểm tra định kì là số nguyên từ 1 đến 10 (không ghi điểm thập phân)"
    if value < SCORE_MIN:
        return "Điểm kiểm tra định kì thấp nhất là 1 (không cho điểm 0)"
    if value > SCORE_MAX:
        return "Điểm kiểm tra định kì cao nhất là 10"
    return None


def check_score(field_name: str, value: object) -> int:
    """The score as an int, or ValidationError on ``field_name`` (0, 11, 8.5, text...)."""
    problem = score_problem(value)
    if problem:
        raise ValidationError(problem, {field_name: problem})
    return int(value)  # type: ignore[call-overload]  # score_problem accepted only whole numbers


def official_score(raw_total: Decimal | str, rounding: str = ROUND_HALF_UP) -> int:
    """A paper marked in 0.25/0.5 steps as the official whole score: rounded by the configured rule
    (default half up: 8.5 → 9, 8.25 → 8) and never below 1 (domain-vn §1.5, [U])."""
    try:
        value = Decimal(str(raw_total))
    except InvalidOperation as exc:
        raise ValidationError("Điểm bài làm không hợp lệ", {"raw_total": "Điểm bài làm phải là số"}) from exc
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(SCORE_MAX):
        message = "Điểm bài làm từ 0 đến 10"
        raise ValidationError(message, {"raw_total": message})
    return max(SCORE_MIN, int(value.quantize(Decimal(1), rounding=rounding)))


def last_attempt(attempts: Sequence[int]) -> int | None:
    """The score that counts when a test was taken again: the last one (domain-vn §1.5)."""
    return attempts[-1] if attempts else None


# -- end-of-year result -------------------------------------------------------------------------


@dataclass(frozen=True)
class YearInputs:
    """What the CN period holds for one pupil: only end-of-year levels and scores count."""

    subject_levels: Mapping[str, SubjectLevel]  # every subject and activity the pupil follows
    item_levels: Mapping[str, ItemLevel]  # the 15 qualities and competencies
    final_scores: Mapping[str, int]  # tested subject → the last CN score
    tested_subjects: frozenset[str] = frozenset()  # subjects whose CN test is due
    names: Callable[[str], str] = field(default=lambda code: code)


@dataclass(frozen=True)
class YearOutcome:
    result: YearResult
    # Why the pupil did not reach the level above, one line per level missed, e.g.
    # "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H".
    explanation: tuple[str, ...]
    award: Award | None

    @property
    def completes_grade(self) -> bool:
        """Hoàn thành chương trình lớp học (Điều 11): every result but CHT."""
        return self.result is not YearResult.CHT


class IncompleteError(ValidationError):
    """The CN period lacks levels or scores: the result cannot be finalised, nor the period locked."""


def missing_for_result(
    inputs: YearInputs, expected_subjects: Sequence[str], expected_items: Sequence[str]
) -> dict[str, str]:
    """Field → message for everything the year result still needs (empty when complete)."""
    missing: dict[str, str] = {}
    for code in expected_subjects:
        if code not in inputs.subject_levels:
            missing[f"subject_levels.{code}"] = f"Chưa có mức đạt được cuối năm của {inputs.names(code)}"
    for code in expected_items:
        if code not in inputs.item_levels:
            missing[f"item_levels.{code}"] = f"Chưa có mức đạt được cuối năm của {inputs.names(code)}"
    for code in sorted(inputs.tested_subjects):
        if code not in inputs.final_scores:
            missing[f"final_scores.{code}"] = f"Chưa có điểm kiểm tra cuối năm môn {inputs.names(code)}"
    return missing


def year_end_result(inputs: YearInputs) -> YearOutcome:
    """The year result by TT 27 Điều 9 khoản 2 a, with why each higher level was not reached.

    HTXS: every subject/activity T, every quality/competency T, every CN test ≥ 9.
    HTT: the same with every test ≥ 7. HT: no C anywhere and every test ≥ 5. CHT otherwise.
    Raises IncompleteError when a due CN score is missing, or when there are no levels at all.
    """
    problems: dict[str, str] = {}
    if not inputs.subject_levels:
        problems["subject_levels"] = "Chưa có mức đạt được cuối năm của môn học nào"
    if not inputs.item_levels:
        problems["item_levels"] = "Chưa có mức đạt được cuối năm về phẩm chất, năng lực"
    problems.update(missing_for_result(inputs, (), ()))
    for code, score in inputs.final_scores.items():
        problem = score_problem(score)
        if problem:
            problems[f"final_scores.{code}"] = f"{inputs.names(code)}: {problem}"
    if problems:
        raise IncompleteError("Chưa đủ kết quả cuối năm để xếp mức", problems)

    def shortfalls(target: YearResult) -> list[str]:
        """What keeps the pupil from ``target``, in the order a teacher reads the sheet."""
        reasons: list[str] = []
        subject_ok = {SubjectLevel.T} if target is not YearResult.HT else {SubjectLevel.T, SubjectLevel.H}
        item_ok = {ItemLevel.T} if target is not YearResult.HT else {ItemLevel.T, ItemLevel.D}
        for code, level in inputs.subject_levels.items():
            if level not in subject_ok:
                reasons.append(f"{inputs.names(code)} = {level.value}")
        for code, item_level in inputs.item_levels.items():
            if item_level not in item_ok:
                reasons.append(f"{inputs.names(code)}: {ITEM_LEVEL_NAMES[item_level]}")
        for code, score in inputs.final_scores.items():
            if score < MIN_SCORE[target]:
                reasons.append(f"điểm kiểm tra cuối năm {inputs.names(code)} = {score} (cần từ {MIN_SCORE[target]})")
        return reasons

    explanation: list[str] = []
    for target in (YearResult.HTXS, YearResult.HTT, YearResult.HT):
        reasons = shortfalls(target)
        if not reasons:
            award = Award.HS_XUAT_SAC if target is YearResult.HTXS else None
            return YearOutcome(target, tuple(explanation), award)
        explanation.append(f"Không đạt {RESULT_NAMES[target]} vì: " + "; ".join(reasons))
    return YearOutcome(YearResult.CHT, tuple(explanation), None)


# -- awards ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nomination:
    """The GVCN's nomination for "Học sinh Tiêu biểu" (never automatic, Điều 13)."""

    evidence: str  # the excellent achievement in a subject or the clear progress in a quality/competency
    recognised_by_class: bool  # được tập thể lớp công nhận


def tieu_bieu_problem(outcome: YearOutcome, nomination: Nomination) -> str | None:
    """Why a nomination for "Học sinh Tiêu biểu" cannot stand, or None when it can."""
    if outcome.result is not YearResult.HTT:
        got = RESULT_NAMES[outcome.result]
        return f"Chỉ học sinh đạt Hoàn thành tốt mới được đề nghị khen Học sinh Tiêu biểu (kết quả: {got})"
    if len(nomination.evidence.strip()) < 10:
        return "Hãy ghi thành tích nổi bật hoặc sự tiến bộ rõ rệt làm căn cứ đề nghị (ít nhất 10 ký tự)"
    if not nomination.recognised_by_class:
        return "Đề nghị khen Học sinh Tiêu biểu cần được tập thể lớp công nhận"
    return None
