"""Completeness checks of the grade book (R-TT1, R-PHT1, R-PHT4; domain-vn §2.3): for one class and
one assessment period, what is still not entered, and by whom it should be entered.

Pure functions over what the grade book stored: the programme says which subjects a grade takes
and which have a periodic test in the period; the roster says who is in the class; the cells say
what was entered. Every pupil still in the class needs a level for every subject and activity,
a score for every subject tested in that period, and a level for each of the 15 qualities and
competencies. An elective (e.g. Tiếng dân tộc) is expected only of the pupils who follow it,
which the grade book knows from the pupil having a cell of it in the school year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from school_grades.domain.evaluation import ItemLevel, SubjectLevel, YearInputs, missing_for_result
from school_grades.domain.gradebook import QUALITIES_SHEET
from school_grades.domain.programme import Period, Programme

# The group of a class's quality and competency cells: the GVCN enters them (not a subject code,
# so it never clashes with one).
ITEMS_GROUP = QUALITIES_SHEET  # the grade book's sheet of the 15 items: one code everywhere
ITEMS_GROUP_NAME = "Phẩm chất, năng lực"
_SUBJECT_LEVELS = frozenset(level.value for level in SubjectLevel)
_ITEM_LEVELS = frozenset(level.value for level in ItemLevel)
# A lock refusal lists this many missing entries, then says how many more there are.
MAX_LISTED = 20


class Missing(StrEnum):
    LEVEL = "LEVEL"  # mức đạt được (T/H/C or T/Đ/C)
    SCORE = "SCORE"  # điểm kiểm tra định kì


@dataclass(frozen=True)
class Pupil:
    student_id: str
    student_code: str
    full_name: str


@dataclass(frozen=True)
class Entered:
    """What one cell holds: a level and, for a tested subject, the score (None = not entered)."""

    level: str | None = None
    score: int | None = None


@dataclass(frozen=True)
class Gap:
    """One thing not entered: a pupil's level or score of a subject, or a pupil's quality/competency."""

    student_id: str
    student_code: str
    student_name: str
    group: str  # the subject code, or ITEMS_GROUP for the qualities and competencies
    item_code: str
    item_name: str
    missing: Missing

    @property
    def message(self) -> str:
        if self.missing is Missing.SCORE:
            return f"{self.student_name}: chưa có điểm kiểm tra {self.item_name}"
        return f"{self.student_name}: chưa có mức đạt được {self.item_name}"


@dataclass(frozen=True)
class GroupSummary:
    """One subject (or the qualities and competencies) of a class: what is due and what is missing."""

    group: str
    group_name: str
    expected: int  # levels and scores due
    missing_levels: int
    missing_scores: int
    # Who entered this subject's cells most recently (the teacher's name as stored on the cells);
    # empty when nobody has entered anything yet.
    entered_by: str = ""

    @property
    def complete(self) -> bool:
        return self.missing_levels == 0 and self.missing_scores == 0


def expected_subjects(
    programme: Programme, grade: int, pupil_id: str, followed: Mapping[str, frozenset[str]]
) -> list[str]:
    """The subject codes a pupil of ``grade`` must have a level of: the grade's compulsory subjects
    plus the electives the pupil follows (``followed``: pupil → subject codes with a cell this year)."""
    mine = followed.get(pupil_id, frozenset())
    return [s.code for s in programme.subjects_of(grade) if not s.elective_in(grade) or s.code in mine]


def class_gaps(
    programme: Programme,
    grade: int,
    period: Period,
    pupils: Sequence[Pupil],
    cells: Mapping[tuple[str, str], Entered],
    followed: Mapping[str, frozenset[str]] | None = None,
) -> list[Gap]:
    """Everything not yet entered for ``pupils`` of one class in ``period``, in sheet order: by
    subject in the programme's order, then the qualities and competencies; within each, the pupils
    in the order given (the roster's). ``cells`` maps (student id, item code) to what is stored."""
    followed = followed or {}
    tested = programme.tested(grade, period)
    gaps: list[Gap] = []
    for subject in programme.subjects_of(grade):
        for pupil in pupils:
            if subject.code not in expected_subjects(programme, grade, pupil.student_id, followed):
                continue
            cell = cells.get((pupil.student_id, subject.code), Entered())
            if cell.level is None:
                gaps.append(_gap(pupil, subject.code, subject.code, subject.name, Missing.LEVEL))
            if subject.code in tested and cell.score is None:
                gaps.append(_gap(pupil, subject.code, subject.code, subject.name, Missing.SCORE))
    for code, name in programme.items.items():
        for pupil in pupils:
            if cells.get((pupil.student_id, code), Entered()).level is None:
                gaps.append(_gap(pupil, ITEMS_GROUP, code, name, Missing.LEVEL))
    return gaps


def _gap(pupil: Pupil, group: str, code: str, name: str, missing: Missing) -> Gap:
    return Gap(pupil.student_id, pupil.student_code, pupil.full_name, group, code, name, missing)


def summarise(
    programme: Programme,
    grade: int,
    period: Period,
    pupils: Sequence[Pupil],
    gaps: Iterable[Gap],
    entered_by: Mapping[str, str] | None = None,
    followed: Mapping[str, frozenset[str]] | None = None,
) -> list[GroupSummary]:
    """Per subject (then the qualities and competencies): how much is due and how much is missing.
    ``entered_by`` maps a group to the name of who last entered one of its cells."""
    followed = followed or {}
    entered_by = entered_by or {}
    tested = programme.tested(grade, period)
    levels: dict[str, int] = {}
    scores: dict[str, int] = {}
    for gap in gaps:
        table = scores if gap.missing is Missing.SCORE else levels
        table[gap.group] = table.get(gap.group, 0) + 1
    rows: list[GroupSummary] = []
    for subject in programme.subjects_of(grade):
        takers = sum(1 for p in pupils if subject.code in expected_subjects(programme, grade, p.student_id, followed))
        if not takers:
            continue
        due = takers * (2 if subject.code in tested else 1)
        rows.append(
            GroupSummary(
                subject.code,
                subject.name,
                due,
                levels.get(subject.code, 0),
                scores.get(subject.code, 0),
                entered_by.get(subject.code, ""),
            )
        )
    if pupils:
        rows.append(
            GroupSummary(
                ITEMS_GROUP,
                ITEMS_GROUP_NAME,
                len(pupils) * len(programme.items),
                levels.get(ITEMS_GROUP, 0),
                0,
                entered_by.get(ITEMS_GROUP, ""),
            )
        )
    return rows


def lock_blockers(
    programme: Programme,
    grade: int,
    period: Period,
    pupils: Sequence[Pupil],
    cells: Mapping[tuple[str, str], Entered],
    followed: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, str]:
    """Field → Vietnamese message for what keeps the class's period from being locked (empty: none).

    At the end of the year (CN) the messages are those of the year result (a missing end-of-year
    score or level blocks it: evaluation.missing_for_result), so the principal reads the same words
    the result sheet would give; other periods list the gaps. Only the first MAX_LISTED are named,
    then how many more there are, so a refusal stays readable for a class with nothing entered.
    """
    followed = followed or {}
    if not pupils:
        # Nothing to check is not "complete": the roster may simply not have arrived from students yet.
        return {"class_id": "Lớp chưa có học sinh nào trong sổ điểm nên chưa thể khóa"}
    problems: dict[str, str] = {}
    if period is Period.CN:
        tested = programme.tested(grade, period)
        for pupil in pupils:
            subjects = expected_subjects(programme, grade, pupil.student_id, followed)
            inputs = YearInputs(
                subject_levels={
                    c: SubjectLevel(e.level) for c, e in _entered(cells, pupil, subjects) if e.level in _SUBJECT_LEVELS
                },
                item_levels={
                    c: ItemLevel(e.level) for c, e in _entered(cells, pupil, programme.items) if e.level in _ITEM_LEVELS
                },
                final_scores={c: e.score for c, e in _entered(cells, pupil, tested) if e.score is not None},
                tested_subjects=frozenset(c for c in tested if c in subjects),
                names=programme.name_of,
            )
            for field_name, message in missing_for_result(inputs, subjects, list(programme.items)).items():
                problems[f"{pupil.student_code or pupil.student_id}.{field_name}"] = f"{pupil.full_name}: {message}"
    else:
        for gap in class_gaps(programme, grade, period, pupils, cells, followed):
            kind = "scores" if gap.missing is Missing.SCORE else "levels"
            problems[f"{gap.student_code or gap.student_id}.{kind}.{gap.item_code}"] = gap.message
    if len(problems) <= MAX_LISTED:
        return problems
    listed = dict(list(problems.items())[:MAX_LISTED])
    listed["more"] = f"Còn {len(problems) - MAX_LISTED} mục chưa nhập khác"
    return listed


def _entered(cells: Mapping[tuple[str, str], Entered], pupil: Pupil, codes: Iterable[str]) -> list[tuple[str, Entered]]:
    return [(code, cells[(pupil.student_id, code)]) for code in codes if (pupil.student_id, code) in cells]
