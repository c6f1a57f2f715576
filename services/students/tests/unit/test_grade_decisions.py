"""Who repeats at the roll-over once grades has published year results and the principal's decisions."""

from __future__ import annotations

from school_students.domain.movements import GradeOutcome, Promotion, RollOverChoice, roll_over_repeaters

NONE: frozenset[str] = frozenset()


def test_without_anything_from_grades_the_marks_and_the_request_decide_as_before() -> None:
    choice = roll_over_repeaters(["a", "b", "c"], frozenset({"a"}), frozenset({"b"}), {})
    assert choice == RollOverChoice(frozenset({"a", "b"}))


def test_the_principal_decision_to_repeat_needs_no_mark() -> None:
    outcomes = {"a": GradeOutcome(completes_grade=False, decision=Promotion.O_LAI_LOP, decision_ref="12/QĐ-TH")}
    assert roll_over_repeaters(["a", "b"], NONE, NONE, outcomes).repeaters == {"a"}


def test_a_decision_to_move_on_overrides_an_older_repeat_mark() -> None:
    outcomes = {
        "a": GradeOutcome(completes_grade=False, decision=Promotion.LEN_LOP, decision_ref="12/QĐ-TH"),
        "b": GradeOutcome(completes_grade=True, decision=Promotion.HOAN_THANH_CT_TIEU_HOC),
    }
    choice = roll_over_repeaters(["a", "b"], frozenset({"a", "b"}), NONE, outcomes)
    assert choice == RollOverChoice(NONE)


def test_asking_to_keep_back_a_pupil_the_principal_promoted_is_a_conflict() -> None:
    outcomes = {"a": GradeOutcome(completes_grade=True, decision=Promotion.LEN_LOP)}
    choice = roll_over_repeaters(["a", "b"], NONE, frozenset({"a", "b"}), outcomes)
    assert choice.conflicts == ("a",)
    assert choice.repeaters == {"b"}


def test_chua_hoan_thanh_without_a_decision_blocks_unless_already_marked_to_repeat() -> None:
    outcomes = {
        "a": GradeOutcome(completes_grade=False),
        "b": GradeOutcome(completes_grade=False),
        "c": GradeOutcome(completes_grade=False),
        "d": GradeOutcome(completes_grade=True),
    }
    choice = roll_over_repeaters(["a", "b", "c", "d"], frozenset({"b"}), frozenset({"c"}), outcomes)
    assert choice.undecided == ("a",)
    assert choice.repeaters == {"b", "c"}
    assert choice.conflicts == ()


def test_a_withdrawn_decision_falls_back_to_the_result() -> None:
    # grades withdraws a decision (decision None) when a recompute makes the result CHT again.
    outcomes = {"a": GradeOutcome(completes_grade=False, decision=None)}
    assert roll_over_repeaters(["a"], NONE, NONE, outcomes).undecided == ("a",)
