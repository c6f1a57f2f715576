"""Caller reach by grade: a head of department (TTCM) reads the classes of the department's grades."""

from __future__ import annotations

from schoolkit.context import Caller


def ttcm(*scopes: str) -> Caller:
    return Caller(subject="u-ttcm", school_id="s", roles=("TTCM",), scopes=frozenset(scopes))


def test_grade_scope_reaches_that_grade_in_that_year_only() -> None:
    head = ttcm("department:d1", "grade:y1:4", "grade:y1:5")
    assert head.reaches_grade("y1", 4)
    assert head.reaches_grade("y1", 5)
    assert not head.reaches_grade("y1", 3)
    assert not head.reaches_grade("y2", 4)  # last year's or next year's classes stay out
    assert not head.reaches_grade("", 4)


def test_reaches_class_in_combines_assignments_and_grades() -> None:
    head = ttcm("department:d1", "grade:y1:4", "class_subject:c9:TOAN")
    assert head.reaches_class_in("c4a", "y1", 4)  # by grade
    assert head.reaches_class_in("c9", "y1", 2)  # by the subject it teaches
    assert not head.reaches_class_in("c2a", "y1", 2)
    # A grade scope is not a class assignment: the class-only checks (and homeroom duties) still refuse.
    assert not head.reaches_class("c4a")
    assert not head.is_homeroom_of("c4a")
    assert head.visible_class_ids() == frozenset({"c9"})


def test_school_wide_reaches_every_grade() -> None:
    principal = Caller(subject="u-ht", school_id="s", scopes=frozenset({"school"}))
    assert principal.reaches_grade("y1", 1)
    assert principal.reaches_class_in("any", "y7", 5)


def test_visible_grades_reads_only_wellformed_grade_scopes() -> None:
    head = ttcm("grade:y1:4", "grade:y-2:1", "grade::3", "grade:y1:x", "class:c1", "department:d1")
    assert head.visible_grades() == frozenset({("y1", 4), ("y-2", 1)})
    assert ttcm("class:c1").visible_grades() == frozenset()
