"""Locking an assessment period (domain-vn §2.5, issue 5 point 6), as pure rules.

The HT or PHT locks a period of a class once the checks pass (nothing missing). When separation
of duties is on, whoever entered results in that period may not lock it. A locked period takes no
write until someone unlocks it with a stated reason; every change after that carries the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from school_grades.domain.errors import ValidationError

REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 500


class LockRefusedError(ValidationError):
    """The period cannot be locked now; ``fields`` says why (what is missing, or who may not)."""


@dataclass(frozen=True)
class PeriodState:
    locked: bool
    # field → message for every level or score the period still lacks (see evaluation.missing_for_result).
    missing: Mapping[str, str]
    # Whether the person asking entered or changed any result of this class in this period.
    asker_entered_results: bool


def check_lock(state: PeriodState, *, separation_of_duties: bool) -> None:
    """Refuse the lock with every reason at once, or return when it may go ahead."""
    if state.locked:
        raise LockRefusedError("Kỳ đánh giá đã được khóa", {"period": "Kỳ đánh giá này đã được khóa"})
    problems: dict[str, str] = {}
    if separation_of_duties and state.asker_entered_results:
        problems["period"] = "Người đã nhập kết quả của kỳ này không được tự khóa kỳ (phân tách nhiệm vụ)"
    problems.update(state.missing)
    if problems:
        raise LockRefusedError("Chưa thể khóa kỳ đánh giá", problems)


def check_reason(reason: str, field_name: str = "reason") -> str:
    """The stated reason of an unlock or of a change after a lock, trimmed; refused when too short."""
    clean = " ".join(reason.split())
    if len(clean) < REASON_MIN_LENGTH:
        message = f"Hãy ghi lý do (ít nhất {REASON_MIN_LENGTH} ký tự)"
        raise ValidationError(message, {field_name: message})
    if len(clean) > REASON_MAX_LENGTH:
        message = f"Lý do tối đa {REASON_MAX_LENGTH} ký tự"
        raise ValidationError(message, {field_name: message})
    return clean


def check_write(*, locked: bool) -> None:
    """A locked period takes no write: unlock it (with a reason) first."""
    if locked:
        message = "Kỳ đánh giá đã khóa; cần Hiệu trưởng hoặc Phó Hiệu trưởng mở khóa (có lý do) trước khi sửa"
        raise ValidationError(message, {"period": message})
