"""Roster rules for departures: marked left (not deleted), stale events ignored, arrivals clear the mark."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from school_grades.domain.roster import InvalidEventError, Placement, StudentFacts, apply_enrolment
from school_grades.domain.roster_movements import apply_departure, read_day

T1 = datetime(2026, 3, 1, tzinfo=UTC)
FACTS = StudentFacts("st1", "s1", "HS1", "Lê Thị An", date(2017, 3, 1))
A = Placement("c1", "3A")
B = Placement("c2", "3B")


def test_departure_keeps_the_class_and_marks_the_date() -> None:
    entry = apply_departure(apply_enrolment(None, FACTS, A, 1, T1), FACTS, A, date(2026, 3, 2), "CHUYEN_DI", 2, T1)
    assert (entry.class_id, entry.left_on, entry.left_status, entry.last_event_seq) == (
        "c1",
        date(2026, 3, 2),
        "CHUYEN_DI",
        2,
    )


def test_departure_of_an_unknown_pupil_creates_a_left_entry() -> None:
    entry = apply_departure(None, FACTS, A, date(2026, 3, 2), "BO_HOC", 5, T1)
    assert (entry.class_id, entry.left_status) == ("c1", "BO_HOC")


def test_stale_departure_is_ignored_and_arrival_clears_the_mark() -> None:
    left = apply_departure(apply_enrolment(None, FACTS, A, 1, T1), FACTS, A, date(2026, 3, 2), "BO_HOC", 2, T1)
    back = apply_enrolment(left, FACTS, B, 3, T1)
    assert (back.class_id, back.left_on, back.left_status) == ("c2", None, None)
    assert apply_departure(back, FACTS, A, date(2026, 3, 2), "BO_HOC", 2, T1) == back


def test_departure_without_sequence_from_a_class_already_left_is_old_news() -> None:
    there = apply_enrolment(None, FACTS, B, None, T1)
    assert apply_departure(there, FACTS, A, date(2026, 3, 2), "BO_HOC", None, T1) == there


def test_bad_input_is_poison() -> None:
    with pytest.raises(InvalidEventError):
        read_day("02/03/2026")
    other = StudentFacts("st1", "s2", "HS1", "Lê Thị An", date(2017, 3, 1))
    with pytest.raises(InvalidEventError):
        apply_departure(apply_enrolment(None, FACTS, A, 1, T1), other, A, date(2026, 3, 2), "BO_HOC", 2, T1)
