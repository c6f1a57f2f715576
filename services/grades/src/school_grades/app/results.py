"""Consolidation and year results (issue 5, point 4): the class summary sheet per period, the year
result of every pupil computed from the CN period, the supplementary assessment, the Tiêu biểu
nomination and the principal's approval and decision.

Every write runs in one transaction with its events (outbox) and re-checks the caller's reach
to the pupil's class: the GVCN of the class (or a school-wide role) for consolidation, nominations
and supplementary assessments; a school-wide role for the principal's decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

from school_grades.app.results_ports import (
    Cell,
    Clock,
    CnLock,
    Pupil,
    ResultClass,
    ResultsRepository,
    ResultsUnitOfWork,
    StoredNomination,
    StoredResult,
    StoredSupplementary,
    is_stale,
)
from school_grades.domain.errors import DomainError, NotFoundError, ValidationError
from school_grades.domain.evaluation import (
    AWARD_NAMES,
    RESULT_NAMES,
    IncompleteError,
    ItemLevel,
    Nomination,
    SubjectLevel,
    YearInputs,
    YearOutcome,
    missing_for_result,
    tieu_bieu_problem,
    year_end_result,
)
from school_grades.domain.programme import Period, Programme, parse_period
from school_grades.domain.results import (
    DECISION_NAMES,
    EVIDENCE_MAX,
    OUTCOME_NAMES,
    Decision,
    Standing,
    check_decision,
    check_supplementary,
    completion_line,
    standing,
    standing_lines,
)
from schoolkit.context import Caller


class ForbiddenError(DomainError):
    """The caller's role does not reach this class or pupil."""


class VersionConflictError(DomainError):
    """Someone changed the result since the caller read it."""


# -- views ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    kind: str  # SUBJECT, ACTIVITY, QUALITY, COMPETENCY
    tested: bool
    level_counts: dict[str, int]


@dataclass(frozen=True)
class SummaryRow:
    pupil: Pupil
    cells: list[tuple[str, str, int | None]]  # (code, level or "", score)
    missing: int


@dataclass(frozen=True)
class ClassSummary:
    facts: ResultClass
    period: Period
    period_name: str
    subjects: list[Column]
    items: list[Column]
    rows: list[SummaryRow]


@dataclass(frozen=True)
class ResultView:
    pupil: Pupil
    stored: StoredResult
    result_name: str
    status_lines: list[str]
    completion: str
    award_name: str
    decision_name: str
    supplementary: list[tuple[StoredSupplementary, list[str], str]]  # record, subject names, outcome name
    nomination: StoredNomination | None
    nomination_problem: str
    assessable: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the grade
    stale: bool = False  # computed before CN was last unlocked: to be computed again


@dataclass(frozen=True)
class Gap:
    pupil: Pupil
    missing: list[str]


@dataclass(frozen=True)
class ClassResults:
    facts: ResultClass
    results: list[ResultView]
    gaps: list[Gap] = field(default_factory=list)
    changed: int = 0


# -- commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplementaryCommand:
    student_id: str
    school_year_id: str
    assessed_on: str
    subjects: tuple[str, ...]
    outcome: str
    note: str
    expected_version: int = 0


@dataclass(frozen=True)
class NominateCommand:
    student_id: str
    school_year_id: str
    evidence: str
    recognised_by_class: bool
    withdraw: bool = False
    expected_version: int = 0


@dataclass(frozen=True)
class ApproveCommand:
    student_id: str
    school_year_id: str
    approve: bool
    expected_version: int = 0


@dataclass(frozen=True)
class DecideCommand:
    student_id: str
    school_year_id: str
    decision: str
    decision_ref: str
    decided_on: str
    expected_version: int = 0


# -- helpers ----------------------------------------------------------------------------------------

_NOT_HOMEROOM = "Chỉ giáo viên chủ nhiệm của lớp (hoặc ban giám hiệu) được làm việc này"
_NOT_SCHOOL_WIDE = "Chỉ hiệu trưởng được quyết định việc này"


def _require_class(caller: Caller, class_id: str) -> None:
    if not caller.is_homeroom_of(class_id):
        raise ForbiddenError(_NOT_HOMEROOM, {"class_id": _NOT_HOMEROOM})


def _require_school_wide(caller: Caller) -> None:
    if not caller.school_wide:
        raise ForbiddenError(_NOT_SCHOOL_WIDE, {"student_id": _NOT_SCHOOL_WIDE})


def _class(repo: ResultsRepository, school_id: str, class_id: str) -> ResultClass:
    clean = class_id.strip()
    if not clean:
        raise ValidationError("Thiếu lớp", {"class_id": "Vui lòng chọn lớp"})
    facts = repo.class_facts(school_id, clean)
    if facts is None:
        raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
    return facts


def _inputs(programme: Programme, grade: int, cells: Sequence[Cell]) -> YearInputs:
    """What CN holds for one pupil. Subjects of the grade with a level count (an elective the
    pupil takes has one; [U] domain-vn §1.8); only the scores of subjects tested at CN count."""
    taught = {s.code for s in programme.subjects_of(grade)}
    tested = programme.tested(grade, Period.CN)
    subject_levels: dict[str, SubjectLevel] = {}
    item_levels: dict[str, ItemLevel] = {}
    scores: dict[str, int] = {}
    for cell in cells:
        if cell.kind == "SUBJECT" and cell.item_code in taught:
            if cell.level:
                subject_levels[cell.item_code] = SubjectLevel(cell.level)
            if cell.score is not None and cell.item_code in tested:
                scores[cell.item_code] = cell.score
        elif cell.kind == "ITEM" and cell.item_code in programme.items and cell.level:
            item_levels[cell.item_code] = ItemLevel(cell.level)
    order = [s.code for s in programme.subjects_of(grade)]
    return YearInputs(
        subject_levels={c: subject_levels[c] for c in order if c in subject_levels},
        item_levels={c: item_levels[c] for c in programme.items if c in item_levels},
        final_scores={c: scores[c] for c in order if c in scores},
        tested_subjects=tested,
        names=programme.name_of,
    )


def _gaps(programme: Programme, grade: int, inputs: YearInputs) -> dict[str, str]:
    """Field → message for what the pupil still lacks at CN (electives are not required)."""
    required = [s.code for s in programme.subjects_of(grade, with_electives=False)]
    return missing_for_result(inputs, required, list(programme.items))


GAP_PUPILS_SHOWN = 20  # a refusal travels in gRPC trailers, whose size is bounded
GAP_ITEMS_SHOWN = 4


def _gap_fields(programme: Programme, lacking: dict[Pupil, dict[str, str]]) -> dict[str, str]:
    """One short line per pupil ("Trần Thị Bình: thiếu 2 mục (mức Toán, điểm Toán)"), at most
    GAP_PUPILS_SHOWN of them: the full list is the class's gaps in ListYearResults."""
    fields: dict[str, str] = {}
    for pupil, gaps in list(lacking.items())[:GAP_PUPILS_SHOWN]:
        short = []
        for key in gaps:
            kind, _, code = key.partition(".")
            name = programme.name_of(code) if code else kind
            short.append({"subject_levels": f"mức {name}", "final_scores": f"điểm {name}"}.get(kind, name))
        shown = ", ".join(short[:GAP_ITEMS_SHOWN]) + (", …" if len(short) > GAP_ITEMS_SHOWN else "")
        fields[pupil.student_code or pupil.student_id] = f"{pupil.full_name}: thiếu {len(short)} mục ({shown})"
    if len(lacking) > GAP_PUPILS_SHOWN:
        fields["more"] = f"và {len(lacking) - GAP_PUPILS_SHOWN} học sinh khác"
    return fields


STALE_LINE = "Cần tổng hợp lại sau khi mở khóa sổ kỳ Cuối năm"
_NOT_LOCKED = "Kỳ Cuối năm của lớp chưa khóa sổ: hãy kiểm tra và khóa sổ kỳ Cuối năm rồi mới tổng hợp kết quả cuối năm"
_STALE = (
    "Kết quả cuối năm này tính trước khi kỳ Cuối năm được mở khóa sổ; hãy khóa sổ lại rồi tổng hợp lại kết quả "
    "của lớp trước"
)


def _check_version(stored: StoredResult, expected: int) -> None:
    # Required: a client that leaves it out would otherwise overwrite someone else's change.
    if expected < 1:
        message = "Thiếu phiên bản kết quả đã xem; hãy tải lại trang rồi làm lại"
        raise ValidationError(message, {"expected_version": message})
    if expected != stored.version:
        message = "Kết quả của học sinh vừa được người khác thay đổi; hãy tải lại trang rồi làm lại"
        raise VersionConflictError(message, {"expected_version": message})


class ResultsUseCases:
    def __init__(
        self, uow: ResultsUnitOfWork, clock: Clock, *, grade5_principal_pass: Decision = Decision.LEN_LOP
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._grade5_pass = grade5_principal_pass

    # -- Bảng tổng hợp ----------------------------------------------------------------------------

    def class_summary(self, caller: Caller, class_id: str, period: str) -> ClassSummary:
        """Every pupil's values of one period, in roster order; counts per level, never a ranking."""
        when = parse_period(period)
        with self._uow() as repo:
            facts = _class(repo, caller.school_id, class_id)
            if not caller.reaches_class(facts.class_id):
                raise ForbiddenError(
                    "Bạn không được phân công lớp này", {"class_id": "Bạn không được phân công lớp này"}
                )
            programme = repo.programme(caller.school_id, facts.school_year_id, facts.school_year_name)
            pupils = repo.pupils(caller.school_id, facts.class_id)
            cells = repo.cells(caller.school_id, facts.school_year_id, when, [p.student_id for p in pupils])
        grade = facts.grade_level
        tested = programme.tested(grade, when)
        by_pupil: dict[str, dict[str, Cell]] = {}
        for cell in cells:
            by_pupil.setdefault(cell.student_id, {})[cell.item_code] = cell
        subjects = [Column(s.code, s.name, s.kind.value, s.code in tested, {}) for s in programme.subjects_of(grade)]
        items = [Column(c, n, "QUALITY", False, {}) for c, n in programme.qualities.items()] + [
            Column(c, n, "COMPETENCY", False, {}) for c, n in programme.competencies.items()
        ]
        electives = {s.code for s in programme.subjects_of(grade)} - {
            s.code for s in programme.subjects_of(grade, with_electives=False)
        }
        rows: list[SummaryRow] = []
        for pupil in pupils:
            mine = by_pupil.get(pupil.student_id, {})
            values: list[tuple[str, str, int | None]] = []
            missing = 0
            for column in [*subjects, *items]:
                found = mine.get(column.code)
                level = (found.level or "") if found else ""
                score = found.score if found else None
                values.append((column.code, level, score))
                if level and pupil.left_on is None:
                    column.level_counts[level] = column.level_counts.get(level, 0) + 1
                if pupil.left_on is None and column.code not in electives:
                    missing += (not level) + (column.tested and score is None)
            rows.append(SummaryRow(pupil, values, missing))
        return ClassSummary(facts, when, programme.periods[when], subjects, items, rows)

    # -- year results ------------------------------------------------------------------------------

    def compute(self, caller: Caller, class_id: str) -> ClassResults:
        """Compute every pupil's year result from CN in one transaction; refused, naming each pupil
        and what they lack, while CN is incomplete, and while CN is not locked (the values could
        still change under the result). Unchanged results are not rewritten."""
        now = self._clock()
        with self._uow() as repo:
            facts = _class(repo, caller.school_id, class_id)
            _require_class(caller, facts.class_id)
            # Held to the commit: two computes of the class (a double click) run one after the
            # other, and an unlock waits for the compute (or the compute sees the unlock).
            lock = repo.cn_lock(caller.school_id, facts.class_id, for_update=True)
            if lock is None or not lock.locked:
                raise ValidationError(_NOT_LOCKED, {"class_id": _NOT_LOCKED})
            programme = repo.programme(caller.school_id, facts.school_year_id, facts.school_year_name)
            pupils = [p for p in repo.pupils(caller.school_id, facts.class_id) if p.left_on is None]
            cells = repo.cells(caller.school_id, facts.school_year_id, Period.CN, [p.student_id for p in pupils])
            by_pupil: dict[str, list[Cell]] = {}
            for cell in cells:
                by_pupil.setdefault(cell.student_id, []).append(cell)
            inputs = {
                p.student_id: _inputs(programme, facts.grade_level, by_pupil.get(p.student_id, [])) for p in pupils
            }
            lacking = {p: gaps for p in pupils if (gaps := _gaps(programme, facts.grade_level, inputs[p.student_id]))}
            if lacking:
                raise IncompleteError(
                    f"Chưa đủ kết quả cuối năm để xếp mức: {len(lacking)} học sinh còn thiếu mức đạt được hoặc điểm "
                    "(danh sách đầy đủ ở trang Kết quả cuối năm của lớp)",
                    _gap_fields(programme, lacking),
                )
            changed = 0
            for pupil in pupils:
                outcome = year_end_result(inputs[pupil.student_id])
                if self._store(repo, caller, facts, pupil, outcome, now, lock):
                    changed += 1
            return replace(self._class_results(repo, caller, facts, programme), changed=changed)

    def _store(
        self,
        repo: ResultsRepository,
        caller: Caller,
        facts: ResultClass,
        pupil: Pupil,
        outcome: YearOutcome,
        now: datetime,
        lock: CnLock,
    ) -> bool:
        school_id = caller.school_id
        old = repo.result(school_id, pupil.student_id, facts.school_year_id, for_update=True)
        fresh = StoredResult(
            student_id=pupil.student_id,
            school_year_id=facts.school_year_id,
            school_id=school_id,
            class_id=facts.class_id,
            grade_level=facts.grade_level,
            computed_result=outcome.result,
            explanation=outcome.explanation,
            result=outcome.result,
            completes_grade=outcome.completes_grade,
            award=outcome.award,
            decision=None,
            decision_basis=None,
            principal=old.principal if old else None,
            decided_by=old.decided_by if old else None,
            decided_by_name=old.decided_by_name if old else None,
            version=old.version if old else 0,
            computed_at=now,
            computed_by=caller.subject,
            computed_by_name=caller.full_name or caller.username or caller.subject,
            cn_lock_version=lock.version,
        )
        if old is not None and (
            old.computed_result,
            old.explanation,
            old.class_id,
            old.grade_level,
            old.cn_lock_version,
        ) == (fresh.computed_result, fresh.explanation, fresh.class_id, fresh.grade_level, fresh.cn_lock_version):
            return False  # the same levels give the same result: nothing to write or publish
        return self._settle(repo, fresh, old, now)

    def _settle(self, repo: ResultsRepository, row: StoredResult, old: StoredResult | None, now: datetime) -> bool:
        """Apply what followed the computed result (supplementary, principal, nomination), store the
        row with a new version when anything changed, and publish what changed with it."""
        school_id = row.school_id
        supplementary = [s.assessment for s in repo.supplementary(school_id, row.student_id, row.school_year_id)]
        nomination = repo.nomination(school_id, row.student_id, row.school_year_id)
        now_standing: Standing = standing(
            computed=row.computed_result,
            grade_level=row.grade_level,
            supplementary=supplementary,
            principal=row.principal,
            tieu_bieu_approved=bool(nomination and nomination.approved),
        )
        settled = replace(
            row,
            result=now_standing.result,
            completes_grade=now_standing.completes,
            award=now_standing.award,
            decision=now_standing.decision,
            decision_basis=now_standing.basis,
        )
        result_changed = old is None or (old.result, old.computed_result, old.award, old.completes_grade) != (
            settled.result,
            settled.computed_result,
            settled.award,
            settled.completes_grade,
        )
        # A pupil still waiting for the principal has nothing to announce yet.
        before = (old.decision, old.decision_basis, _ref(old)) if old else (None, None, ("", None))
        decision_changed = before != (settled.decision, settled.decision_basis, _ref(settled))
        if (
            old is not None
            and not result_changed
            and not decision_changed
            and old == replace(settled, version=old.version)
        ):
            return False
        settled = replace(settled, version=(old.version if old else 0) + 1)
        repo.save_result(settled, updated_at=now)
        if result_changed or decision_changed:
            repo.publish(settled, result_changed=result_changed, decision_changed=decision_changed)
        return True

    def list_results(self, caller: Caller, class_id: str) -> ClassResults:
        with self._uow() as repo:
            facts = _class(repo, caller.school_id, class_id)
            _require_class(caller, facts.class_id)
            programme = repo.programme(caller.school_id, facts.school_year_id, facts.school_year_name)
            results = self._class_results(repo, caller, facts, programme)
            have = {r.pupil.student_id for r in results.results}
            pupils = [p for p in repo.pupils(caller.school_id, facts.class_id) if p.left_on is None]
            waiting = [p for p in pupils if p.student_id not in have]
            cells = repo.cells(caller.school_id, facts.school_year_id, Period.CN, [p.student_id for p in waiting])
        by_pupil: dict[str, list[Cell]] = {}
        for cell in cells:
            by_pupil.setdefault(cell.student_id, []).append(cell)
        gaps = [
            Gap(
                p,
                list(
                    _gaps(
                        programme,
                        facts.grade_level,
                        _inputs(programme, facts.grade_level, by_pupil.get(p.student_id, [])),
                    ).values()
                ),
            )
            for p in waiting
        ]
        return replace(results, gaps=gaps)

    def _class_results(
        self, repo: ResultsRepository, caller: Caller, facts: ResultClass, programme: Programme
    ) -> ClassResults:
        pupils = {p.student_id: p for p in repo.pupils(caller.school_id, facts.class_id)}
        stored = {r.student_id: r for r in repo.results(caller.school_id, facts.class_id, facts.school_year_id)}
        lock = repo.cn_lock(caller.school_id, facts.class_id)
        views = [
            self._view(repo, caller.school_id, pupils[sid], stored[sid], programme, is_stale(stored[sid], lock))
            for sid in pupils
            if sid in stored
        ]
        return ClassResults(facts, views)

    def _view(
        self,
        repo: ResultsRepository,
        school_id: str,
        pupil: Pupil,
        row: StoredResult,
        programme: Programme,
        stale: bool,
    ) -> ResultView:
        records = repo.supplementary(school_id, row.student_id, row.school_year_id)
        nomination = repo.nomination(school_id, row.student_id, row.school_year_id)
        now_standing = standing(
            computed=row.computed_result,
            grade_level=row.grade_level,
            supplementary=[r.assessment for r in records],
            principal=row.principal,
            tieu_bieu_approved=bool(nomination and nomination.approved),
        )
        problem = ""
        if nomination is not None:
            problem = (
                tieu_bieu_problem(
                    YearOutcome(row.result, row.explanation, row.award),
                    Nomination(nomination.evidence, nomination.recognised_by_class),
                )
                or ""
            )
        return ResultView(
            pupil=pupil,
            stored=row,
            result_name=RESULT_NAMES[row.result],
            status_lines=[STALE_LINE] * stale + standing_lines(row.grade_level, now_standing, row.computed_result),
            completion=completion_line(row.grade_level, row.completes_grade),
            award_name=AWARD_NAMES[row.award] if row.award else "",
            decision_name=DECISION_NAMES[row.decision] if row.decision else "",
            supplementary=[
                (r, [programme.name_of(c) for c in r.assessment.subjects], OUTCOME_NAMES[r.assessment.outcome])
                for r in records
            ],
            nomination=nomination,
            nomination_problem=problem,
            assessable=[(s.code, s.name) for s in programme.subjects_of(row.grade_level)]
            + list(programme.items.items()),
            stale=stale,
        )

    def get_result(self, caller: Caller, student_id: str, school_year_id: str) -> tuple[Pupil, ResultView | None]:
        """A pupil's year result (the newest when no year is given); None while not computed."""
        with self._uow() as repo:
            pupil, row = self._reach(repo, caller, student_id, school_year_id, homeroom=True)
            if row is None:
                return pupil, None
            stale = is_stale(row, repo.cn_lock(caller.school_id, row.class_id))
            return pupil, self._view(repo, caller.school_id, pupil, row, self._programme(repo, caller, row), stale)

    def _reach(
        self,
        repo: ResultsRepository,
        caller: Caller,
        student_id: str,
        school_year_id: str,
        *,
        homeroom: bool,
        for_update: bool = False,
    ) -> tuple[Pupil, StoredResult | None]:
        """The pupil and their result, once the caller is known to reach them: the GVCN of the
        pupil's class (then or now) or a school-wide role; ``homeroom=False`` asks for the latter."""
        clean = student_id.strip()
        if not clean:
            raise ValidationError("Thiếu học sinh", {"student_id": "Vui lòng chọn học sinh"})
        pupil = repo.pupil(caller.school_id, clean)
        if pupil is None:
            raise NotFoundError("Không tìm thấy học sinh", {"student_id": "Không tìm thấy học sinh"})
        year = school_year_id.strip()
        if year:
            row = repo.result(caller.school_id, clean, year, for_update=for_update)
        else:
            row = repo.latest_result(caller.school_id, clean, for_update=for_update)
        if homeroom:
            if not (caller.is_homeroom_of(pupil.class_id) or (row is not None and caller.is_homeroom_of(row.class_id))):
                raise ForbiddenError(_NOT_HOMEROOM, {"student_id": _NOT_HOMEROOM})
        else:
            _require_school_wide(caller)
        return pupil, row

    def _load(
        self,
        repo: ResultsRepository,
        caller: Caller,
        student_id: str,
        school_year_id: str,
        *,
        homeroom: bool,
        expected_version: int,
    ) -> tuple[StoredResult, Pupil, Programme]:
        """For a write: the pupil in reach, their result (a refusal while there is none), the version checked."""
        pupil, row = self._reach(repo, caller, student_id, school_year_id, homeroom=homeroom, for_update=True)
        if row is None:
            message = "Chưa có kết quả cuối năm của học sinh này; hãy tính kết quả cuối năm của lớp trước"
            raise ValidationError(message, {"student_id": message})
        _check_version(row, expected_version)
        if is_stale(row, repo.cn_lock(caller.school_id, row.class_id)):
            raise ValidationError(_STALE, {"student_id": _STALE})
        return row, pupil, self._programme(repo, caller, row)

    def _programme(self, repo: ResultsRepository, caller: Caller, row: StoredResult) -> Programme:
        facts = repo.class_facts(caller.school_id, row.class_id)
        return repo.programme(caller.school_id, row.school_year_id, facts.school_year_name if facts else "")

    # -- after the result: GVCN --------------------------------------------------------------------

    def record_supplementary(self, caller: Caller, cmd: SupplementaryCommand) -> ResultView:
        now = self._clock()
        with self._uow() as repo:
            row, pupil, programme = self._load(
                repo, caller, cmd.student_id, cmd.school_year_id, homeroom=True, expected_version=cmd.expected_version
            )
            allowed = {s.code: s.name for s in programme.subjects_of(row.grade_level)} | dict(programme.items)
            assessment = check_supplementary(
                computed=row.computed_result,
                assessed_on=cmd.assessed_on,
                subjects=cmd.subjects,
                outcome=cmd.outcome,
                note=cmd.note,
                allowed=allowed,
                today=_day(now),
                principal=row.principal,
            )
            name = caller.full_name or caller.username or caller.subject
            repo.add_supplementary(
                caller.school_id,
                row.student_id,
                row.school_year_id,
                StoredSupplementary(assessment, name, now),
                caller.subject,
            )
            self._settle(repo, row, row, now)
            return self._reload(repo, caller, pupil, row, programme)

    def nominate(self, caller: Caller, cmd: NominateCommand) -> ResultView:
        now = self._clock()
        with self._uow() as repo:
            row, pupil, programme = self._load(
                repo, caller, cmd.student_id, cmd.school_year_id, homeroom=True, expected_version=cmd.expected_version
            )
            if cmd.withdraw:
                repo.delete_nomination(caller.school_id, row.student_id, row.school_year_id)
            else:
                evidence = cmd.evidence.strip()
                if len(evidence) > EVIDENCE_MAX:
                    message = f"Căn cứ đề nghị tối đa {EVIDENCE_MAX} ký tự"
                    raise ValidationError(message, {"evidence": message})
                problem = tieu_bieu_problem(
                    YearOutcome(row.result, row.explanation, row.award), Nomination(evidence, cmd.recognised_by_class)
                )
                if problem:
                    target = (
                        "evidence"
                        if "căn cứ" in problem
                        else ("recognised_by_class" if "tập thể" in problem else "student_id")
                    )
                    raise ValidationError(problem, {target: problem})
                name = caller.full_name or caller.username or caller.subject
                # A changed nomination goes back to the principal.
                repo.save_nomination(
                    caller.school_id,
                    row.student_id,
                    row.school_year_id,
                    StoredNomination(evidence, cmd.recognised_by_class, caller.subject, name, now),
                )
            self._settle(repo, row, row, now)
            return self._reload(repo, caller, pupil, row, programme)

    # -- after the result: HT ----------------------------------------------------------------------

    def approve_award(self, caller: Caller, cmd: ApproveCommand) -> ResultView:
        now = self._clock()
        with self._uow() as repo:
            row, pupil, programme = self._load(
                repo, caller, cmd.student_id, cmd.school_year_id, homeroom=False, expected_version=cmd.expected_version
            )
            nomination = repo.nomination(caller.school_id, row.student_id, row.school_year_id)
            if nomination is None:
                message = "Học sinh chưa được giáo viên chủ nhiệm đề nghị khen Học sinh Tiêu biểu"
                raise ValidationError(message, {"student_id": message})
            if cmd.approve and nomination.nominated_by == caller.subject:
                # Điều 13: the GVCN nominates, the principal approves; one person is not both.
                message = "Không được tự duyệt đề nghị khen Học sinh Tiêu biểu do chính mình lập"
                raise ForbiddenError(message, {"student_id": message})
            if cmd.approve:
                problem = tieu_bieu_problem(
                    YearOutcome(row.result, row.explanation, row.award),
                    Nomination(nomination.evidence, nomination.recognised_by_class),
                )
                if problem:
                    raise ValidationError(problem, {"student_id": problem})
            name = caller.full_name or caller.username or caller.subject
            repo.save_nomination(
                caller.school_id,
                row.student_id,
                row.school_year_id,
                replace(
                    nomination, approved=cmd.approve, approved_by=caller.subject, approved_by_name=name, approved_at=now
                ),
            )
            self._settle(repo, row, row, now)
            return self._reload(repo, caller, pupil, row, programme)

    def decide(self, caller: Caller, cmd: DecideCommand) -> ResultView:
        now = self._clock()
        with self._uow() as repo:
            row, pupil, programme = self._load(
                repo, caller, cmd.student_id, cmd.school_year_id, homeroom=False, expected_version=cmd.expected_version
            )
            decision = check_decision(
                current=row.result,
                grade_level=row.grade_level,
                decision=cmd.decision,
                decision_ref=cmd.decision_ref,
                decided_on=cmd.decided_on,
                today=_day(now),
                supplementary=[
                    s.assessment for s in repo.supplementary(caller.school_id, row.student_id, row.school_year_id)
                ],
                last_grade_pass=self._grade5_pass,
            )
            name = caller.full_name or caller.username or caller.subject
            updated = replace(row, principal=decision, decided_by=caller.subject, decided_by_name=name)
            self._settle(repo, updated, row, now)
            return self._reload(repo, caller, pupil, row, programme)

    def _reload(
        self, repo: ResultsRepository, caller: Caller, pupil: Pupil, row: StoredResult, programme: Programme
    ) -> ResultView:
        fresh = repo.result(caller.school_id, row.student_id, row.school_year_id)
        assert fresh is not None
        return self._view(repo, caller.school_id, pupil, fresh, programme, False)


def _ref(row: StoredResult) -> tuple[str, date | None]:
    if row.principal is None or row.decision_basis is None or row.decision_basis.value != "HIEU_TRUONG":
        return "", None
    return row.principal.decision_ref, row.principal.decided_on


def _day(now: datetime) -> date:
    """Today in Vietnam (UTC+7): a decision dated this morning is not "in the future"."""
    return now.astimezone(timezone(timedelta(hours=7))).date()
