"""Whole-school reach in grades only for the leadership roles (api/reach.py)."""

from __future__ import annotations

from school_grades.api.reach import parse_roles, school_reach_view
from schoolkit.context import Caller

VIEW = school_reach_view(parse_roles(" HT, PHT,VP "))


def caller(*roles: str, scopes: frozenset[str]) -> Caller:
    return Caller(subject="u1", school_id="s", roles=roles, scopes=scopes)


def test_a_teacher_who_also_keeps_the_library_reaches_only_their_classes() -> None:
    seen = VIEW(caller("GVBM", "TV", scopes=frozenset({"school", "class_subject:4A:TOAN"})))
    assert seen.scopes == frozenset({"class_subject:4A:TOAN"})
    assert not seen.school_wide
    assert seen.visible_class_ids() == frozenset({"4A"})


def test_the_leadership_keeps_the_whole_school() -> None:
    for role in ("HT", "PHT", "VP"):
        seen = VIEW(caller(role, "GVBM", scopes=frozenset({"school", "class_subject:4A:TOAN"})))
        assert seen.school_wide, role


def test_callers_without_a_whole_school_scope_are_untouched() -> None:
    original = caller("GVCN", scopes=frozenset({"class:1A"}))
    assert VIEW(original) is original
