"""Rules for a department's (tổ chuyên môn) grade levels: which khối its head (TTCM) oversees."""

from __future__ import annotations

from collections.abc import Iterable

# A primary school (tiểu học) has grades 1 to 5.
GRADE_LEVELS = (1, 2, 3, 4, 5)


def grade_levels_problem(levels: Iterable[int]) -> tuple[tuple[int, ...], str]:
    """The levels ascending, each once, or a Vietnamese message when one is not a primary grade.

    Repeats are folded rather than refused: ticking a box twice means the same thing. An empty
    list is allowed and means the department oversees no class (its head reads no grade book).
    """
    given = list(levels)
    wrong = [n for n in given if n not in GRADE_LEVELS]
    if wrong:
        return (), f"Khối lớp phải từ {GRADE_LEVELS[0]} đến {GRADE_LEVELS[-1]} (nhận được {wrong[0]})"
    return tuple(sorted(set(given))), ""
