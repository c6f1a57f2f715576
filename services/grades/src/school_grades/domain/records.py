"""The documents of TT 27/2020 as plain data: one pupil's học bạ year page and the class summary
sheet (Bảng tổng hợp kết quả đánh giá giáo dục của lớp) of one period (domain-vn §2.1–§2.2).

Pure: the builders take the levels, scores and comments already read from the grade book and the
programme, and return what a renderer draws. What the official template leaves uncertain ([U]
in domain-vn: the authority line above the school's name, height/weight, days absent) lives in
``RecordsLayout``, configuration the school sets, never a constant here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from school_grades.domain.evaluation import (
    AWARD_NAMES,
    ITEM_LEVEL_NAMES,
    RESULT_NAMES,
    SUBJECT_LEVEL_NAMES,
)
from school_grades.domain.programme import Period, Programme

# CTGDPT 2018: the three general competencies (năng lực chung); the programme's other
# competencies are the specific ones (năng lực đặc thù).
GENERAL_COMPETENCIES = ("NL_TU_CHU_TU_HOC", "NL_GIAO_TIEP_HOP_TAC", "NL_GQVD_SANG_TAO")
LAST_PRIMARY_GRADE = 5
# The periods whose class summary is archived (after HK I and at year end, domain-vn §2.3).
ARCHIVED_PERIODS = (Period.CK1, Period.CN)
AWARD_SHORT_NAMES = {"HS_XUAT_SAC": "HS Xuất sắc", "HS_TIEU_BIEU": "HS Tiêu biểu"}
PERIOD_TITLES = {
    Period.GK1: "Giữa học kì I",
    Period.CK1: "Cuối học kì I",
    Period.GK2: "Giữa học kì II",
    Period.CN: "Cuối năm học",
}


def vn_date(day: date | None) -> str:
    """dd/mm/yyyy, the only date format shown on a record ("" when unknown)."""
    return day.strftime("%d/%m/%Y") if day else ""


def place_and_date(place: str, day: date | None) -> str:
    """The line above a signature: "Hà Nội, ngày 29 tháng 05 năm 2026" (dots when not dated yet)."""
    where = f"{place}, " if place else ""
    if day is None:
        return f"{where}ngày ..... tháng ..... năm ........"
    return f"{where}ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


@dataclass(frozen=True)
class RecordsLayout:
    """What the school configures about its printed records, because the template leaves it open."""

    authority: str = ""  # the managing body above the school's name ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO ..."), [U]
    place: str = ""  # the place written before the date of signing ("Hà Nội")
    show_health: bool = False  # Chiều cao / Cân nặng on the year page: from health data, [U]
    show_days_absent: bool = False  # the field read as "Số ngày nghỉ", [U]


@dataclass(frozen=True)
class Identity:
    """The identity page of the học bạ (§2.2), filled from the birth certificate; "" when unknown."""

    full_name: str
    gender: str = ""  # "Nam" / "Nữ"
    date_of_birth: date | None = None
    ethnicity: str = ""
    nationality: str = ""
    place_of_birth: str = ""
    hometown: str = ""  # quê quán
    address: str = ""  # nơi ở hiện nay
    father_name: str = ""
    mother_name: str = ""
    guardian_name: str = ""


# What a client may send for the identity page (the gateway composes it from the student record):
# free text of the birth certificate, bounded so a request cannot blow up a page or the PDF.
IDENTITY_NAME_FIELDS = ("father_name", "mother_name", "guardian_name")
IDENTITY_TEXT_FIELDS = ("ethnicity", "nationality", "place_of_birth", "hometown", "address")
IDENTITY_NAME_MAX = 100
IDENTITY_TEXT_MAX = 200
GENDERS = ("", "Nam", "Nữ")


def identity_problems(fields: Mapping[str, str]) -> dict[str, str]:
    """Field → Vietnamese message for each identity-page value that cannot be printed as given.

    The messages never repeat the value: it may be family data that must not reach logs.
    """
    problems: dict[str, str] = {}
    if fields.get("gender", "") not in GENDERS:
        problems["gender"] = "Giới tính phải là Nam hoặc Nữ"
    for name in IDENTITY_NAME_FIELDS:
        if len(fields.get(name, "")) > IDENTITY_NAME_MAX:
            problems[name] = f"Họ tên dài quá {IDENTITY_NAME_MAX} kí tự"
    for name in IDENTITY_TEXT_FIELDS:
        if len(fields.get(name, "")) > IDENTITY_TEXT_MAX:
            problems[name] = f"Nội dung dài quá {IDENTITY_TEXT_MAX} kí tự"
    for name, value in fields.items():
        if name not in problems and any(ord(ch) < 32 for ch in value):
            problems[name] = "Không được chứa kí tự điều khiển (xuống dòng, tab)"
    return problems


@dataclass(frozen=True)
class Cell:
    """What the grade book holds for one pupil, period and subject or item."""

    level: str = ""  # T/H/C for subjects, T/Đ/C for qualities and competencies, "" until set
    score: int | None = None  # the periodic test score that counts (the last attempt)
    comment: str = ""


@dataclass(frozen=True)
class SubjectRow:
    code: str
    name: str
    level: str  # "T", "H", "C" or ""
    score: int | None  # only where the period has a test for this grade
    comment: str
    tested: bool

    @property
    def level_name(self) -> str:
        return {lv.value: name for lv, name in SUBJECT_LEVEL_NAMES.items()}.get(self.level, "")


@dataclass(frozen=True)
class ItemRow:
    code: str
    name: str
    level: str  # "T", "Đ", "C" or ""
    comment: str

    @property
    def level_name(self) -> str:
        return {lv.value: name for lv, name in ITEM_LEVEL_NAMES.items()}.get(self.level, "")


@dataclass(frozen=True)
class YearOutcomeInfo:
    """What helper B's year results give the học bạ: result, awards, completion (all optional)."""

    result: str = ""  # "HTXS", "HTT", "HT", "CHT" or "" while not decided
    awards: tuple[str, ...] = ()  # award codes (Award) or free titles of sudden awards
    completed: bool | None = None  # None while the principal has not decided
    # After a supplementary assessment (đánh giá bổ sung): the outcome written after the line.
    completion_note: str = ""

    @property
    def result_name(self) -> str:
        return {r.value: name for r, name in RESULT_NAMES.items()}.get(self.result, "")

    @property
    def award_short_names(self) -> tuple[str, ...]:
        """The awards as the summary sheet's narrow column shows them."""
        return tuple(AWARD_SHORT_NAMES.get(a, a) for a in self.awards)

    @property
    def award_names(self) -> tuple[str, ...]:
        names = {award.value: name for award, name in AWARD_NAMES.items()}
        return tuple(names.get(a, a) for a in self.awards)


def completion_line(grade_level: int, outcome: YearOutcomeInfo | None) -> str:
    """ "Hoàn thành chương trình lớp 3", "Chưa hoàn thành chương trình lớp 3" or, at the end of
    grade 5, "Hoàn thành chương trình tiểu học" (§2.2 item 6); "" while not decided."""
    if outcome is None or outcome.completed is None:
        return ""
    if outcome.completed:
        line = (
            "Hoàn thành chương trình tiểu học"
            if grade_level == LAST_PRIMARY_GRADE
            else f"Hoàn thành chương trình lớp {grade_level}"
        )
    else:
        line = f"Chưa hoàn thành chương trình lớp {grade_level}"
    return f"{line}. {outcome.completion_note}" if outcome.completion_note else line


@dataclass(frozen=True)
class HocBaPage:
    """One pupil's học bạ for one school year: the identity page and the year page."""

    school_id: str
    school_name: str
    school_year: str  # "2025-2026"
    class_id: str
    class_name: str
    grade_level: int
    student_id: str
    student_code: str
    identity: Identity
    subjects: tuple[SubjectRow, ...]
    qualities: tuple[ItemRow, ...]
    general_competencies: tuple[ItemRow, ...]
    specific_competencies: tuple[ItemRow, ...]
    outcome: YearOutcomeInfo | None = None
    homeroom_teacher: str = ""
    principal: str = ""
    signed_on: date | None = None
    layout: RecordsLayout = field(default_factory=RecordsLayout)
    height_cm: str = ""  # shown only with layout.show_health
    weight_kg: str = ""
    days_absent: str = ""  # shown only with layout.show_days_absent

    @property
    def completion(self) -> str:
        return completion_line(self.grade_level, self.outcome)


@dataclass(frozen=True)
class SchoolInfo:
    school_id: str
    name: str
    principal: str = ""


@dataclass(frozen=True)
class ClassInfo:
    class_id: str
    name: str
    grade_level: int
    school_year_id: str
    school_year: str  # "2025-2026"
    homeroom_teacher: str = ""


@dataclass(frozen=True)
class Pupil:
    student_id: str
    student_code: str
    full_name: str
    date_of_birth: date | None = None
    gender: str = ""


def _subject_rows(
    programme: Programme, grade: int, period: Period, cells: Mapping[str, Cell]
) -> tuple[SubjectRow, ...]:
    tested = programme.tested(grade, period)
    rows: list[SubjectRow] = []
    for subject in programme.subjects_of(grade):
        cell = cells.get(subject.code)
        # An elective the pupil does not follow has no cell at all: it is left off their page.
        if cell is None and subject.elective_in(grade):
            continue
        cell = cell or Cell()
        is_tested = subject.code in tested
        rows.append(
            SubjectRow(
                code=subject.code,
                name=subject.name,
                level=cell.level,
                score=cell.score if is_tested else None,
                comment=cell.comment,
                tested=is_tested,
            )
        )
    return tuple(rows)


def _item_rows(names: Mapping[str, str], codes: Sequence[str], cells: Mapping[str, Cell]) -> tuple[ItemRow, ...]:
    return tuple(
        ItemRow(code, names[code], cells.get(code, Cell()).level, cells.get(code, Cell()).comment) for code in codes
    )


def build_hoc_ba(
    *,
    programme: Programme,
    school: SchoolInfo,
    klass: ClassInfo,
    pupil: Pupil,
    cells: Mapping[str, Cell],
    identity: Identity | None = None,
    outcome: YearOutcomeInfo | None = None,
    layout: RecordsLayout | None = None,
    signed_on: date | None = None,
) -> HocBaPage:
    """The học bạ of ``pupil`` from the end-of-year (CN) cells, keyed by subject or item code.

    The score is the CN periodic test's (the last attempt when retested); subjects without a CN
    test for this grade carry none. Missing identity fields stay blank rather than guessed. The
    name and birth date are the roster's, so both pages of the record always agree; an identity
    given fills the rest (and the gender, which the roster does not keep).
    """
    specific = [code for code in programme.competencies if code not in GENERAL_COMPETENCIES]
    general = [code for code in GENERAL_COMPETENCIES if code in programme.competencies]
    who = Identity(full_name=pupil.full_name, gender=pupil.gender, date_of_birth=pupil.date_of_birth)
    if identity is not None:
        who = replace(
            identity,
            full_name=pupil.full_name or identity.full_name,
            date_of_birth=pupil.date_of_birth or identity.date_of_birth,
            gender=identity.gender or pupil.gender,
        )
    return HocBaPage(
        school_id=school.school_id,
        school_name=school.name,
        school_year=klass.school_year,
        class_id=klass.class_id,
        class_name=klass.name,
        grade_level=klass.grade_level,
        student_id=pupil.student_id,
        student_code=pupil.student_code,
        identity=who,
        subjects=_subject_rows(programme, klass.grade_level, Period.CN, cells),
        qualities=_item_rows(programme.qualities, list(programme.qualities), cells),
        general_competencies=_item_rows(programme.competencies, general, cells),
        specific_competencies=_item_rows(programme.competencies, specific, cells),
        outcome=outcome,
        homeroom_teacher=klass.homeroom_teacher,
        principal=school.principal,
        signed_on=signed_on,
        layout=layout or RecordsLayout(),
    )


# -- the class summary sheet ----------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryColumn:
    """One subject's column group: its level, and its score where this period has a test."""

    code: str
    name: str
    tested: bool


@dataclass(frozen=True)
class SummaryRow:
    number: int  # STT
    student_id: str
    full_name: str
    date_of_birth: date | None
    gender: str
    subjects: Mapping[str, Cell]  # by column code; a missing code is an empty cell
    items: Mapping[str, str]  # quality/competency code → level
    outcome: YearOutcomeInfo | None  # CN only


@dataclass(frozen=True)
class ClassSummary:
    """Bảng tổng hợp kết quả đánh giá giáo dục của lớp for one period."""

    school_id: str
    school_name: str
    school_year: str
    class_id: str
    class_name: str
    grade_level: int
    period: Period
    subject_columns: tuple[SummaryColumn, ...]
    item_columns: tuple[tuple[str, str], ...]  # (code, name): 5 qualities then 10 competencies
    rows: tuple[SummaryRow, ...]
    homeroom_teacher: str = ""
    principal: str = ""
    signed_on: date | None = None
    layout: RecordsLayout = field(default_factory=RecordsLayout)

    @property
    def period_title(self) -> str:
        return PERIOD_TITLES[self.period]

    @property
    def with_results(self) -> bool:
        """The result and award columns exist only on the year-end sheet."""
        return self.period is Period.CN

    def counts(self) -> dict[str, dict[str, int]]:
        """Per subject and item, how many pupils reached each level (the sheet's footer)."""
        totals: dict[str, dict[str, int]] = {}
        for column in self.subject_columns:
            levels = totals.setdefault(column.code, {})
            for row in self.rows:
                level = row.subjects.get(column.code, Cell()).level
                if level:
                    levels[level] = levels.get(level, 0) + 1
        for code, _ in self.item_columns:
            levels = totals.setdefault(code, {})
            for row in self.rows:
                level = row.items.get(code, "")
                if level:
                    levels[level] = levels.get(level, 0) + 1
        return totals


def build_class_summary(
    *,
    programme: Programme,
    school: SchoolInfo,
    klass: ClassInfo,
    period: Period,
    pupils: Sequence[Pupil],
    cells: Mapping[str, Mapping[str, Cell]],
    outcomes: Mapping[str, YearOutcomeInfo] | None = None,
    layout: RecordsLayout | None = None,
    signed_on: date | None = None,
) -> ClassSummary:
    """The sheet of ``period`` for the pupils in roster order; ``cells`` is student id → code → cell.

    Qualities and competencies are assessed at the end of each semester (CK1, CN) only, so the
    mid-semester sheets leave those columns out rather than printing them empty.
    """
    tested = programme.tested(klass.grade_level, period)
    columns = tuple(SummaryColumn(s.code, s.name, s.code in tested) for s in programme.subjects_of(klass.grade_level))
    with_items = period in (Period.CK1, Period.CN)
    items = tuple(programme.items.items()) if with_items else ()
    results = outcomes or {}
    rows = tuple(
        SummaryRow(
            number=index,
            student_id=pupil.student_id,
            full_name=pupil.full_name,
            date_of_birth=pupil.date_of_birth,
            gender=pupil.gender,
            subjects={
                code: Cell(c.level, c.score if code in tested else None, c.comment)
                for code, c in cells.get(pupil.student_id, {}).items()
                if code in programme.subjects
            },
            items={
                code: c.level
                for code, c in cells.get(pupil.student_id, {}).items()
                if with_items and code in programme.items
            },
            outcome=results.get(pupil.student_id) if period is Period.CN else None,
        )
        for index, pupil in enumerate(pupils, start=1)
    )
    return ClassSummary(
        school_id=school.school_id,
        school_name=school.name,
        school_year=klass.school_year,
        class_id=klass.class_id,
        class_name=klass.name,
        grade_level=klass.grade_level,
        period=period,
        subject_columns=columns,
        item_columns=items,
        rows=rows,
        homeroom_teacher=klass.homeroom_teacher,
        principal=school.principal,
        signed_on=signed_on,
        layout=layout or RecordsLayout(),
    )


def archive_name(
    *, school_year: str, period: Period, kind: str, class_name: str, version: int, student_code: str = ""
) -> str:
    """The file name of an archived document: readable, unique per version, safe on any file system."""
    who = f"_{_safe(student_code)}" if student_code else ""
    return f"{_safe(school_year)}/{period.value}/{_safe(class_name)}/{kind}{who}_v{version}.pdf"


def _safe(text: str) -> str:
    # Class names and codes are short ASCII in practice ("3A", "HS000123"); anything else becomes "_"
    # so a name can never climb out of its folder.
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "_" for ch in text).strip(".") or "_"
