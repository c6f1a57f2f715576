"""Recognising the same pupil after a transfer between two schools (domain/history.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from school_grades.domain.history import is_transfer_twin
from school_grades.domain.roster import RosterEntry

NOW = datetime(2026, 1, 5, tzinfo=UTC)
DEPARTED = RosterEntry(
    "s-a", "school-a", "0123456789", "Lê Thị An", date(2017, 3, 1), "c-a", "3A", 1, NOW, date(2026, 1, 2), "CHUYEN_DI"
)
ARRIVED = RosterEntry("s-b", "school-b", "0123456789", "Lê Thị An", date(2017, 3, 1), "c-b", "3C", 1, NOW)


def test_the_same_code_and_birth_date_after_a_transfer_is_the_same_pupil() -> None:
    assert is_transfer_twin(DEPARTED, ARRIVED)
    assert is_transfer_twin(DEPARTED, replace(ARRIVED, student_code=" 0123456789 "))
    assert is_transfer_twin(DEPARTED, replace(ARRIVED, full_name="Lê  Thị An"))  # typed with two spaces


@pytest.mark.parametrize(
    ("departed", "arrived"),
    [
        (DEPARTED, replace(ARRIVED, date_of_birth=date(2017, 3, 2))),  # another child with the same code
        (DEPARTED, replace(ARRIVED, student_code="0123456780")),
        (replace(DEPARTED, left_status="BO_HOC"), ARRIVED),  # dropped out, did not transfer
        (replace(DEPARTED, left_status=None, left_on=None), ARRIVED),  # still at the first school
        (DEPARTED, replace(ARRIVED, school_id="school-a")),  # within one school nothing is carried
        (replace(DEPARTED, student_code=""), replace(ARRIVED, student_code="")),
        # A code the school generated itself ("HS" + number) repeats in every school: never a match.
        (replace(DEPARTED, student_code="HS000123"), replace(ARRIVED, student_code="HS000123")),
        (DEPARTED, replace(ARRIVED, full_name="Lê Thị Ân")),  # the same code and birth date, another name
    ],
)
def test_anything_less_is_not_the_same_pupil(departed: RosterEntry, arrived: RosterEntry) -> None:
    assert not is_transfer_twin(departed, arrived)
