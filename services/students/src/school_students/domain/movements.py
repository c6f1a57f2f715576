"""Student movements (biến động học sinh): the status machine, movement checks and the period report.

Statuses follow domain-vn §3.4; a movement (transfer in or out, dropout, return, class change,
roll-over, completion) moves a student from one status to the next through an explicit table.
Transfers follow TT 28/2020 Điều 36: the sending school hands over the documents within a
configured number of working days after it receives the endorsed application.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from school_students.domain.dates import parse_iso_date
from school_students.domain.errors import FieldErrors, RuleViolationError

NOTE_MAX_LENGTH = 500
SCHOOL_NAME_MAX_LENGTH = 200
SCHOOL_CODE_MAX_LENGTH = 20
RESULTS_MAX_LENGTH = 2000


class Status(enum.Enum):
    """A student's status in the school (domain-vn §3.4)."""

    DANG_HOC = "DANG_HOC"
    CHUYEN_DI = "CHUYEN_DI"
    NGHI_HOC_TAM_THOI = "NGHI_HOC_TAM_THOI"
    BO_HOC = "BO_HOC"
    THOI_HOC = "THOI_HOC"
    HOAN_THANH_TIEU_HOC = "HOAN_THANH_TIEU_HOC"


STATUS_LABELS = {
    Status.DANG_HOC: "Đang học",
    Status.CHUYEN_DI: "Đã chuyển đi",
    Status.NGHI_HOC_TAM_THOI: "Nghỉ học tạm thời",
    Status.BO_HOC: "Bỏ học",
    Status.THOI_HOC: "Thôi học",
    Status.HOAN_THANH_TIEU_HOC: "Hoàn thành chương trình tiểu học",
}


class Kind(enum.Enum):
    """What happened to the student."""

    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"
    DROPOUT = "DROPOUT"
    WITHDRAWAL = "WITHDRAWAL"
    RETURN = "RETURN"
    CLASS_CHANGE = "CLASS_CHANGE"
    ROLL_OVER = "ROLL_OVER"
    COMPLETION = "COMPLETION"


KIND_LABELS = {
    Kind.TRANSFER_IN: "Chuyển đến",
    Kind.TRANSFER_OUT: "Chuyển trường đi",
    Kind.DROPOUT: "Bỏ học",
    Kind.WITHDRAWAL: "Thôi học",
    Kind.RETURN: "Trở lại học",
    Kind.CLASS_CHANGE: "Chuyển lớp",
    Kind.ROLL_OVER: "Kết chuyển năm học",
    Kind.COMPLETION: "Hoàn thành chương trình tiểu học",
}

# (status before, kind) → status after. A student with no status yet (a new transfer-in) is None.
TRANSITIONS: Mapping[tuple[Status | None, Kind], Status] = {
    (None, Kind.TRANSFER_IN): Status.DANG_HOC,
    (Status.CHUYEN_DI, Kind.TRANSFER_IN): Status.DANG_HOC,
    (Status.DANG_HOC, Kind.TRANSFER_OUT): Status.CHUYEN_DI,
    (Status.NGHI_HOC_TAM_THOI, Kind.TRANSFER_OUT): Status.CHUYEN_DI,
    (Status.DANG_HOC, Kind.DROPOUT): Status.BO_HOC,
    (Status.NGHI_HOC_TAM_THOI, Kind.DROPOUT): Status.BO_HOC,
    (Status.DANG_HOC, Kind.WITHDRAWAL): Status.THOI_HOC,
    (Status.NGHI_HOC_TAM_THOI, Kind.WITHDRAWAL): Status.THOI_HOC,
    (Status.BO_HOC, Kind.RETURN): Status.DANG_HOC,
    (Status.THOI_HOC, Kind.RETURN): Status.DANG_HOC,
    (Status.NGHI_HOC_TAM_THOI, Kind.RETURN): Status.DANG_HOC,
    (Status.DANG_HOC, Kind.CLASS_CHANGE): Status.DANG_HOC,
    (Status.DANG_HOC, Kind.ROLL_OVER): Status.DANG_HOC,
    (Status.DANG_HOC, Kind.COMPLETION): Status.HOAN_THANH_TIEU_HOC,
}

# Kinds after which the student is in no class of the school.
LEAVES_CLASS = frozenset({Kind.TRANSFER_OUT, Kind.DROPOUT, Kind.WITHDRAWAL, Kind.COMPLETION})


def next_status(current: Status | None, kind: Kind) -> Status:
    """The status after ``kind``; a Vietnamese refusal naming the status when the table forbids it."""
    after = TRANSITIONS.get((current, kind))
    if after is not None:
        return after
    label = KIND_LABELS[kind]
    if kind is Kind.RETURN and current is Status.DANG_HOC:
        message = "Học sinh đang học, chưa từng nghỉ nên không thể ghi nhận trở lại học"
    elif current is None:
        message = f"Không thể ghi nhận {label.lower()}: học sinh chưa có trong trường"
    elif current is not Status.DANG_HOC and kind in LEAVES_CLASS | {Kind.CLASS_CHANGE}:
        message = f"Học sinh đã rời trường ({STATUS_LABELS[current].lower()}), không thể ghi nhận {label.lower()}"
    else:
        message = f"Không thể ghi nhận {label.lower()} khi học sinh đang ở trạng thái {STATUS_LABELS[current].lower()}"
    raise RuleViolationError(message, {"student_id": message})


# -- reasons ---------------------------------------------------------------------------------------

# Reason codes that say something about a child's health or family situation: they stay in the
# students service (the movement log, the dossier) and travel on the bus as "KHAC" (domain-vn §6.4:
# no sensitive value in an event that does not need it).
SENSITIVE_REASONS = frozenset({"OM_DAU", "KINH_TE_KHO_KHAN"})


def public_reason(code: str) -> str:
    """The reason code as events carry it."""
    return "KHAC" if code in SENSITIVE_REASONS else code


# Built-in reason lists; the service may replace them from a JSON file (config MOVEMENT_REASONS_FILE).
DEFAULT_REASONS: Mapping[str, Mapping[str, str]] = {
    Kind.TRANSFER_OUT.value: {
        "CHUYEN_NOI_O": "Gia đình chuyển nơi ở",
        "THEO_NGUYEN_VONG": "Theo nguyện vọng của gia đình",
        "RA_NUOC_NGOAI": "Ra nước ngoài",
        "KHAC": "Lý do khác",
    },
    Kind.DROPOUT.value: {
        "KINH_TE_KHO_KHAN": "Hoàn cảnh kinh tế khó khăn",
        "HOC_LUC_YEU": "Học lực yếu, không theo kịp",
        "XA_TRUONG": "Nhà xa trường, đi lại khó khăn",
        "OM_DAU": "Ốm đau, bệnh tật kéo dài",
        "KHONG_RO": "Không rõ lý do (đã liên hệ gia đình)",
        "KHAC": "Lý do khác",
    },
    Kind.WITHDRAWAL.value: {
        "GIA_DINH_XIN_THOI": "Gia đình xin cho thôi học",
        "KHAC": "Lý do khác",
    },
    Kind.TRANSFER_IN.value: {
        "CHUYEN_NOI_O": "Gia đình chuyển nơi ở",
        "THEO_NGUYEN_VONG": "Theo nguyện vọng của gia đình",
        "TU_NUOC_NGOAI": "Từ nước ngoài về",
        "KHAC": "Lý do khác",
    },
    Kind.RETURN.value: {"TRO_LAI": "Trở lại học", "KHAC": "Lý do khác"},
    Kind.CLASS_CHANGE.value: {
        "CAN_BANG_SI_SO": "Cân bằng sĩ số",
        "THEO_NGUYEN_VONG": "Theo nguyện vọng của gia đình",
        "KHAC": "Lý do khác",
    },
}


def check_reason(errors: FieldErrors, reasons: Mapping[str, Mapping[str, str]], kind: Kind, code: str) -> str:
    """The reason code, trimmed; records a message naming ``reason_code`` when it is not on the list."""
    clean = code.strip().upper()
    allowed = reasons.get(kind.value, {})
    if not clean:
        errors.add("reason_code", "Vui lòng chọn lý do")
    elif clean not in allowed:
        errors.add("reason_code", f"Lý do '{code.strip()}' không có trong danh mục lý do {KIND_LABELS[kind].lower()}")
    return clean


# -- dates -----------------------------------------------------------------------------------------


def check_effective_date(
    errors: FieldErrors,
    value: str,
    *,
    today: date,
    year_start: date | None,
    year_end: date | None,
    enrolled_on: date | None,
    field_name: str = "effective_date",
    label: str = "Ngày hiệu lực",
) -> date | None:
    """A movement date: a real date, not in the future, within the school year, not before enrolment."""
    if not value.strip():
        errors.add(field_name, f"{label} không được để trống")
        return None
    day = parse_iso_date(value)
    if day is None:
        errors.add(field_name, f"{label} không hợp lệ (định dạng YYYY-MM-DD)")
        return None
    if day > today:
        errors.add(field_name, f"{label} không được ở tương lai")
    elif year_start is not None and year_end is not None and not year_start <= day <= year_end:
        errors.add(
            field_name,
            f"{label} phải nằm trong năm học ({year_start:%d/%m/%Y} – {year_end:%d/%m/%Y})",
        )
    elif enrolled_on is not None and day < enrolled_on:
        errors.add(field_name, f"{label} không được trước ngày học sinh vào lớp ({enrolled_on:%d/%m/%Y})")
    return day


def check_text(errors: FieldErrors, field_name: str, value: str, label: str, max_length: int) -> str:
    clean = value.strip()
    if len(clean) > max_length:
        errors.add(field_name, f"{label} tối đa {max_length} ký tự")
    return clean


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date ``days`` working days (Monday–Friday, not a holiday) after ``start``."""
    off = set(holidays)
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            left -= 1
    return current


# -- transfer out (TT 28/2020 Điều 36) -------------------------------------------------------------


class Document(enum.Enum):
    """The documents of a transfer dossier (TT 28/2020 Điều 36 khoản 1)."""

    DON_XIN_CHUYEN_TRUONG = "DON_XIN_CHUYEN_TRUONG"
    HOC_BA = "HOC_BA"
    TIEN_DO_VA_KET_QUA = "TIEN_DO_VA_KET_QUA"
    KE_HOACH_GIAO_DUC_CA_NHAN = "KE_HOACH_GIAO_DUC_CA_NHAN"


DOCUMENT_LABELS = {
    Document.DON_XIN_CHUYEN_TRUONG: "Đơn xin chuyển trường (có ý kiến đồng ý của trường nơi đến)",
    Document.HOC_BA: "Học bạ",
    Document.TIEN_DO_VA_KET_QUA: "Thông tin tiến độ chương trình và tổng hợp kết quả đánh giá",
    Document.KE_HOACH_GIAO_DUC_CA_NHAN: "Kế hoạch giáo dục cá nhân (học sinh khuyết tật, nếu có)",
}


def check_documents(errors: FieldErrors, field_name: str, codes: Iterable[str]) -> tuple[Document, ...]:
    found: list[Document] = []
    for code in codes:
        try:
            doc = Document(code.strip().upper())
        except ValueError:
            errors.add(field_name, f"Loại hồ sơ '{code.strip()}' không hợp lệ")
            continue
        if doc not in found:
            found.append(doc)
    return tuple(found)


@dataclass(frozen=True)
class TransferOutSteps:
    """The dated steps of a transfer out; the hand-over deadline runs from the endorsed application."""

    application_received_on: date
    receiving_school_agreed: bool
    handed_over_on: date | None
    documents_handed_over: tuple[Document, ...]
    deadline: date

    @property
    def overdue(self) -> bool:
        return self.handed_over_on is not None and self.handed_over_on > self.deadline


def transfer_deadline(application_received_on: date, working_days: int, holidays: Iterable[date] = ()) -> date:
    return add_working_days(application_received_on, working_days, holidays)


# -- report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stay:
    """One spell of a student in a class: how it began and ended (``left_on`` None while there)."""

    class_id: str
    enrolled_on: date
    left_on: date | None
    joined_by: Kind | None = None  # None: a first enrolment
    left_by: Kind | None = None


@dataclass
class Counts:
    """Movement counts of one class or grade over a period; ``start + in − out == end``."""

    start: int = 0
    transfers_in: int = 0
    other_in: int = 0
    transfers_out: int = 0
    dropouts: int = 0
    other_out: int = 0
    end: int = 0

    def add(self, other: Counts) -> None:
        for name in ("start", "transfers_in", "other_in", "transfers_out", "dropouts", "other_out", "end"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def balanced(self) -> bool:
        ins = self.transfers_in + self.other_in
        outs = self.transfers_out + self.dropouts + self.other_out
        return self.start + ins - outs == self.end


@dataclass(frozen=True)
class ClassInfo:
    class_id: str
    name: str
    grade_level: int


@dataclass
class MovementReport:
    period_from: date
    period_to: date
    classes: list[tuple[ClassInfo, Counts]] = field(default_factory=list)
    grades: list[tuple[int, Counts]] = field(default_factory=list)
    total: Counts = field(default_factory=Counts)


def validate_period(period_from: str, period_to: str, default_from: date, default_to: date) -> tuple[date, date]:
    errors = FieldErrors()
    start = parse_iso_date(period_from) if period_from.strip() else default_from
    end = parse_iso_date(period_to) if period_to.strip() else default_to
    if start is None:
        errors.add("period_from", "Từ ngày không hợp lệ (định dạng YYYY-MM-DD)")
    if end is None:
        errors.add("period_to", "Đến ngày không hợp lệ (định dạng YYYY-MM-DD)")
    if start is not None and end is not None and start > end:
        errors.add("period_to", "Đến ngày phải từ Từ ngày trở về sau")
    errors.raise_if_any("Khoảng thời gian không hợp lệ")
    assert start is not None
    assert end is not None
    return start, end


def count_stay(stay: Stay, period_from: date, period_to: date) -> Counts:
    """How one stay counts in a period: at start, in, out, at end (always balanced)."""
    counts = Counts()
    if stay.left_on is not None and stay.left_on < stay.enrolled_on:
        return counts  # a corrupt row counts nowhere rather than unbalancing the report
    if stay.enrolled_on < period_from and (stay.left_on is None or stay.left_on >= period_from):
        counts.start = 1
    if period_from <= stay.enrolled_on <= period_to:
        if stay.joined_by is Kind.TRANSFER_IN:
            counts.transfers_in = 1
        else:
            counts.other_in = 1
    if stay.left_on is not None and period_from <= stay.left_on <= period_to and stay.enrolled_on <= period_to:
        if stay.left_by is Kind.TRANSFER_OUT:
            counts.transfers_out = 1
        elif stay.left_by in (Kind.DROPOUT, Kind.WITHDRAWAL):
            counts.dropouts = 1
        else:
            counts.other_out = 1
    if stay.enrolled_on <= period_to and (stay.left_on is None or stay.left_on > period_to):
        counts.end = 1
    return counts


def movement_report(
    classes: Iterable[ClassInfo], stays: Iterable[Stay], period_from: date, period_to: date
) -> MovementReport:
    """Per class (by grade then name), per grade and in total; stays of unknown classes are ignored."""
    infos = sorted(classes, key=lambda c: (c.grade_level, c.name, c.class_id))
    per_class = {c.class_id: Counts() for c in infos}
    for stay in stays:
        target = per_class.get(stay.class_id)
        if target is not None:
            target.add(count_stay(stay, period_from, period_to))
    report = MovementReport(period_from, period_to)
    per_grade: dict[int, Counts] = {}
    for info in infos:
        counts = per_class[info.class_id]
        report.classes.append((info, counts))
        per_grade.setdefault(info.grade_level, Counts()).add(counts)
        report.total.add(counts)
    report.grades = sorted(per_grade.items())
    return report


# -- roll-over -------------------------------------------------------------------------------------


def next_class_name(name: str, grade_level: int) -> str:
    """The default target class: the same letter one grade up ("3B" → "4B"); a name without a
    leading grade digit keeps its text after the new grade ("Lớp A" stays "Lớp A")."""
    if name and name[0].isdigit() and int(name[0]) == grade_level:
        return f"{grade_level + 1}{name[1:]}"
    return name


@dataclass(frozen=True)
class RollOverPlan:
    """What happens to one class at the year-end roll-over: where its pupils go."""

    from_class_id: str
    # Class of the next year for the promoted pupils (grade + 1); empty for grade 5 (they complete).
    promote_to: str
    # Class of the next year for repeaters (same grade).
    repeat_to: str


class Promotion(enum.Enum):
    """The principal's decision on a pupil at the end of the year, as grades publishes it (domain-vn §1.9)."""

    LEN_LOP = "LEN_LOP"
    O_LAI_LOP = "O_LAI_LOP"
    HOAN_THANH_CT_TIEU_HOC = "HOAN_THANH_CT_TIEU_HOC"


@dataclass(frozen=True)
class GradeOutcome:
    """What grades reported about a pupil's year: whether the result completes the grade (None:
    no result reported) and the decision for the roll-over (None: not decided yet)."""

    completes_grade: bool | None = None
    decision: Promotion | None = None
    decision_ref: str = ""


@dataclass(frozen=True)
class RollOverChoice:
    """Who repeats, and what stops the roll-over: pupils asked to repeat against a decision that
    moves them on, and pupils whose result does not complete the grade and who have no decision."""

    repeaters: frozenset[str]
    conflicts: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()


def roll_over_repeaters(
    pupils: Iterable[str],
    marked: frozenset[str],
    requested: frozenset[str],
    outcomes: Mapping[str, GradeOutcome],
) -> RollOverChoice:
    """The repeaters of a roll-over. The principal's decision from grades comes first (O_LAI_LOP
    repeats; LEN_LOP and HOAN_THANH_CT_TIEU_HOC move on even if an older repeat mark says otherwise,
    and an explicit request to repeat them is a conflict). Without a decision the repeat marks and
    the request decide as before, except that a pupil whose year result is "Chưa hoàn thành" cannot
    simply move up: Điều 11 leaves that to the principal."""
    repeaters: set[str] = set()
    conflicts: list[str] = []
    undecided: list[str] = []
    for pupil in pupils:
        outcome = outcomes.get(pupil, GradeOutcome())
        if outcome.decision is Promotion.O_LAI_LOP:
            repeaters.add(pupil)
        elif outcome.decision is not None:
            if pupil in requested:
                conflicts.append(pupil)
        elif pupil in requested or pupil in marked:
            repeaters.add(pupil)
        elif outcome.completes_grade is False:
            undecided.append(pupil)
    return RollOverChoice(frozenset(repeaters), tuple(conflicts), tuple(undecided))


def roll_over_moves(
    pupils: Iterable[str], grade_level: int, repeaters: frozenset[str], max_grade: int = 5
) -> tuple[list[str], list[str], list[str]]:
    """(promoted, repeating, completing) pupil ids of one class: repeaters stay in the grade,
    the top grade completes primary school, everyone else moves up."""
    promoted: list[str] = []
    repeating: list[str] = []
    completing: list[str] = []
    for pupil in pupils:
        if pupil in repeaters:
            repeating.append(pupil)
        elif grade_level >= max_grade:
            completing.append(pupil)
        else:
            promoted.append(pupil)
    return promoted, repeating, completing
