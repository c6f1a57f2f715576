"""Roster merge rules: upserts, stale events, details arriving before the enrolment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from school_grades.domain.roster import (
    InvalidEventError,
    Placement,
    StudentFacts,
    apply_details_change,
    apply_enrolment,
    check_facts,
    is_stale,
)

T1 = datetime(2025, 9, 5, 1, tzinfo=UTC)
T2 = datetime(2025, 9, 6, 1, tzinfo=UTC)
FACTS = StudentFacts("st1", "s1", "HS000001", "Lê Thị An", date(2017, 3, 1))
RENAMED = StudentFacts("st1", "s1", "HS000001", "Lê Thị Ánh", date(2017, 3, 2))
CLASS = Placement("c1", "3B")


def test_enrolment_creates_the_entry() -> None:
    entry = apply_enrolment(None, FACTS, CLASS, 5, T1)
    assert (entry.full_name, entry.class_id, entry.class_name, entry.last_event_seq) == ("Lê Thị An", "c1", "3B", 5)


def test_details_change_updates_details_and_keeps_the_class() -> None:
    entry = apply_details_change(apply_enrolment(None, FACTS, CLASS, 5, T1), RENAMED, 9, T2)
    assert (entry.full_name, entry.date_of_birth, entry.class_id, entry.last_event_seq) == (
        "Lê Thị Ánh",
        date(2017, 3, 2),
        "c1",
        9,
    )
    assert entry.updated_at == T2


def test_details_before_enrolment_keeps_class_empty_then_enrolment_fills_it() -> None:
    early = apply_details_change(None, RENAMED, 9, T1)
    assert (early.class_id, early.class_name) == (None, None)
    late = apply_enrolment(early, FACTS, CLASS, 5, T2)
    assert (late.class_id, late.class_name) == ("c1", "3B")
    assert late.full_name == "Lê Thị Ánh"  # the older enrolment does not undo the newer name
    assert late.last_event_seq == 9


def test_stale_details_change_is_ignored() -> None:
    current = apply_details_change(apply_enrolment(None, FACTS, CLASS, 5, T1), RENAMED, 9, T1)
    assert apply_details_change(current, FACTS, 7, T2) == current


def test_events_without_sequence_apply_in_arrival_order() -> None:
    current = apply_enrolment(None, FACTS, CLASS, None, T1)
    assert apply_details_change(current, RENAMED, None, T2).full_name == "Lê Thị Ánh"


def test_reapplying_the_same_event_changes_nothing_but_the_time() -> None:
    once = apply_enrolment(None, FACTS, CLASS, 5, T1)
    assert apply_enrolment(once, FACTS, CLASS, 5, T2) == once


@pytest.mark.parametrize(("seq", "stale"), [(None, False), (4, True), (5, True), (6, False)])
def test_is_stale(seq: int | None, stale: bool) -> None:
    assert is_stale(apply_enrolment(None, FACTS, CLASS, 5, T1), seq) is stale


def test_another_schools_student_is_refused() -> None:
    current = apply_enrolment(None, FACTS, CLASS, 5, T1)
    intruder = StudentFacts("st1", "s2", "X", "Kẻ Lạ", date(2017, 1, 1))
    with pytest.raises(InvalidEventError):
        apply_details_change(current, intruder, 6, T2)


@pytest.mark.parametrize(
    ("student_id", "school_id", "name", "dob"),
    [
        ("", "s1", "An", "2017-01-01"),
        ("st1", "", "An", "2017-01-01"),
        ("st1", "s1", "", "2017-01-01"),
        ("st1", "s1", "An", "x"),
    ],
)
def test_incomplete_events_are_poison(student_id: str, school_id: str, name: str, dob: str) -> None:
    with pytest.raises(InvalidEventError):
        check_facts(student_id, school_id, "HS1", name, dob)
