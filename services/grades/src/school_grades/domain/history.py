"""A pupil's grade-book history follows them (issue 5 point 8).

Within a school the cells are keyed by the pupil, not the class, so a class change keeps them.
Between two schools of the same deployment, students creates a new record at the receiving
school; grades recognises the same pupil and carries the periods already assessed across
(domain-vn §1.11: the receiving school takes over the sending school's results and does the later
periods itself). Recognising the pupil must never join two different children (that would copy
one child's results and comments into another school's record): the student code must be the
national one (the mã định danh from CSDL ngành travels with a transfer; the "HS000123" codes a
school generates for itself repeat in every school and never count), and the name and the birth
date must match too (diacritics count: "Ân" is not "An"; a missed match only means the
teachers enter the earlier periods by hand); the sending record must have left by transfer (CHUYEN_DI).
"""

from __future__ import annotations

import re

from school_grades.domain.names import normalise_name
from school_grades.domain.roster import RosterEntry

TRANSFERRED_OUT = "CHUYEN_DI"
# What the students service assigns when no code is given ("HS" and a per-school number).
SCHOOL_GENERATED_CODE = re.compile(r"^HS\d+$")
CARRY_REASON = "Kết quả các kỳ đã đánh giá ở trường chuyển đi, mang theo khi chuyển trường"


def is_transfer_twin(departed: RosterEntry, arrived: RosterEntry) -> bool:
    """Whether ``departed`` (left one school by transfer) and ``arrived`` (joined another) are one pupil."""
    code = departed.student_code.strip().upper()
    return (
        departed.school_id != arrived.school_id
        and departed.student_id != arrived.student_id
        and departed.left_status == TRANSFERRED_OUT
        and bool(code)
        and not SCHOOL_GENERATED_CODE.match(code)
        and code == arrived.student_code.strip().upper()
        and departed.date_of_birth == arrived.date_of_birth
        and normalise_name(departed.full_name).casefold() == normalise_name(arrived.full_name).casefold()
    )
