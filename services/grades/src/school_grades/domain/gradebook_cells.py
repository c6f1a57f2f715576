"""The cells of the grade book as pure rules (issue 5 point 3): reading what a teacher typed or
pasted (a level, a score, a comment), refusing what TT 27 forbids with a message that names the
pupil and the field, and deciding per cell whether a save writes it, finds it unchanged or
conflicts with someone else's newer value.

Nothing here knows the database or the caller; the use case feeds it the stored cells and the
request, then writes what the plan says in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from school_grades.domain.errors import ValidationError
from school_grades.domain.evaluation import ItemLevel, SubjectLevel, score_problem
from school_grades.domain.gradebook import CellKind, parse_level

COMMENT_MAX_LENGTH = 500
CELL_FIELDS = ("level", "score", "comment")

LEVELS: Mapping[CellKind, tuple[str, ...]] = {
    CellKind.SUBJECT: tuple(level.value for level in SubjectLevel),
    CellKind.ITEM: tuple(level.value for level in ItemLevel),
}


@dataclass(frozen=True)
class CellValue:
    """What a cell holds: a level ("" unset), an official score (None unset) and a comment."""

    level: str = ""
    score: int | None = None
    comment: str = ""

    def field_text(self, name: str) -> str:
        """The field as the audit log stores it ("" for unset)."""
        if name == "score":
            return "" if self.score is None else str(self.score)
        return str(getattr(self, name))

    def changed_fields(self, other: CellValue) -> list[str]:
        return [name for name in CELL_FIELDS if self.field_text(name) != other.field_text(name)]


@dataclass(frozen=True)
class StoredCell:
    value: CellValue
    version: int  # 0 for a cell never saved
    updated_by_name: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CellRequest:
    """One cell of a save as the client sent it, not yet checked."""

    student_id: str
    item_code: str
    level: str
    score: str
    comment: str
    expected_version: int


@dataclass(frozen=True)
class Pupil:
    """A pupil of the sheet; one who left the class is shown but takes no write."""

    student_id: str
    full_name: str
    student_code: str = ""
    left_on: date | None = None

    @property
    def editable(self) -> bool:
        return self.left_on is None


def cell_field(student_id: str, item_code: str, name: str) -> str:
    """The name of a cell's field in refusals: ``cells.<student>.<item>.<level|score|comment>``."""
    return f"cells.{student_id}.{item_code}.{name}"


def level_problem(kind: CellKind, raw: str) -> tuple[str, str | None]:
    """(level, problem): the level typed, normalised by gradebook.parse_level ("d" → "Đ" for
    qualities), or why it is refused."""
    try:
        return parse_level(kind, raw) or "", None
    except ValidationError as err:
        return "", err.message


_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def parse_score(raw: str) -> tuple[int | None, str | None]:
    """(score, problem): a whole score 1..10 from what was typed ("" is no score). Decimal commas
    as Vietnamese Excel writes them ("8,5") are read as numbers so the refusal says why."""
    text = raw.strip()
    if not text:
        return None, None
    if not _NUMBER.match(text):
        return None, "Điểm kiểm tra định kì là số nguyên từ 1 đến 10"
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None, "Điểm kiểm tra định kì là số nguyên từ 1 đến 10"
    value: object = int(number) if number == number.to_integral_value() else number
    problem = score_problem(value)
    return (None, problem) if problem else (int(number), None)


def check_cells(
    requests: Sequence[CellRequest],
    *,
    kinds: Mapping[str, CellKind],
    tested: frozenset[str],
    pupils: Mapping[str, Pupil],
    names: Mapping[str, str],
    period_name: str,
) -> dict[tuple[str, str], CellValue]:
    """Check every cell of a save; all refusals at once (ValidationError), else the wanted values.

    ``kinds`` maps the sheet's item codes to their kind; ``tested`` holds those with a test due in
    the period. A message names the pupil and the field, e.g. "Nguyễn Văn An – Điểm: ...".
    """
    problems: dict[str, str] = {}
    wanted: dict[tuple[str, str], CellValue] = {}

    def refuse(req: CellRequest, name: str, label: str, problem: str) -> None:
        pupil = pupils.get(req.student_id)
        who = pupil.full_name if pupil else req.student_id
        problems[cell_field(req.student_id, req.item_code, name)] = f"{who} – {label}: {problem}"

    for req in requests:
        pupil = pupils.get(req.student_id)
        kind = kinds.get(req.item_code)
        if pupil is None:
            refuse(req, "student_id", "Học sinh", "không có trong lớp ở kỳ này")
            continue
        if kind is None:
            refuse(req, "item_code", "Môn/nội dung", "không thuộc bảng đang nhập")
            continue
        if not pupil.editable:
            refuse(req, "level", "Học sinh", f"đã rời lớp ngày {pupil.left_on:%d/%m/%Y}, không nhập được")
            continue
        if (req.student_id, req.item_code) in wanted:
            refuse(req, "level", "Ô", "được gửi hai lần trong cùng một lần lưu")
            continue
        level, level_refused = level_problem(kind, req.level)
        if level_refused:
            refuse(req, "level", "Mức đạt được", level_refused)
        score, score_problem_text = parse_score(req.score)
        if score_problem_text:
            refuse(req, "score", "Điểm", score_problem_text)
        elif score is not None and (kind is not CellKind.SUBJECT or req.item_code not in tested):
            subject = names.get(req.item_code, req.item_code)
            refuse(req, "score", "Điểm", f"Kỳ {period_name} môn {subject} không có bài kiểm tra định kì")
        comment = req.comment.strip()
        if len(comment) > COMMENT_MAX_LENGTH:
            refuse(req, "comment", "Nhận xét", f"tối đa {COMMENT_MAX_LENGTH} ký tự")
        if req.expected_version < 0:
            refuse(req, "expected_version", "Phiên bản", "không hợp lệ; hãy tải lại trang")
        wanted[(req.student_id, req.item_code)] = CellValue(level, score, comment)
    if problems:
        first = next(iter(problems.values()))
        more = f" (và {len(problems) - 1} ô khác)" if len(problems) > 1 else ""
        raise ValidationError(f"Chưa lưu: {first}{more}", problems)
    return wanted


class Outcome(StrEnum):
    WRITE = "WRITE"
    UNCHANGED = "UNCHANGED"
    CONFLICT = "CONFLICT"


def decide(stored: StoredCell, wanted: CellValue, expected_version: int) -> Outcome:
    """What a save does to one cell.

    The same value again is UNCHANGED whatever the version (a second click, a re-sent request).
    A different value written over a version the client did not read is a CONFLICT: the cell is
    left alone and the client keeps its value to resubmit with the new version.
    """
    if stored.value == wanted:
        return Outcome.UNCHANGED
    if expected_version != stored.version:
        return Outcome.CONFLICT
    return Outcome.WRITE


def conflict_message(stored: StoredCell, when: str) -> str:
    """The message shown on a cell someone else changed first."""
    who = stored.updated_by_name or "người khác"
    shown = " ".join(part for part in (stored.value.level, stored.value.field_text("score")) if part) or "(trống)"
    return (
        f"Ô này vừa được {who} sửa lúc {when} thành {shown}; giá trị của bạn vẫn được giữ, "
        "hãy xem lại rồi lưu lần nữa để ghi đè"
    )


def parse_pasted_block(text: str) -> list[list[str]]:
    """Rows of cells from a block copied out of Excel or Google Sheets (tab-separated rows).

    A quoted cell (one holding a tab, newline or quote) is unquoted with its doubled quotes; the
    trailing newline spreadsheets add is dropped; a block of one line is one row.
    """
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_cell_start = True
    while i < n:
        ch = text[i]
        if at_cell_start and ch == '"':
            # A quoted cell runs to the closing quote not followed by another quote.
            i += 1
            while i < n:
                if text[i] == '"' and i + 1 < n and text[i + 1] == '"':
                    cell.append('"')
                    i += 2
                elif text[i] == '"':
                    i += 1
                    break
                else:
                    cell.append(text[i])
                    i += 1
            at_cell_start = False
            continue
        if ch == "\t":
            row.append("".join(cell))
            cell, at_cell_start = [], True
        elif ch in "\r\n":
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_cell_start = [], [], True
        else:
            cell.append(ch)
            at_cell_start = False
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


def parse_vn_date(raw: str, field_name: str) -> date:
    """A dd/mm/yyyy date as typed (ISO is accepted too), or ValidationError naming the field."""
    text = raw.strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        message = "Ngày không hợp lệ (viết theo dạng dd/mm/yyyy)"
        raise ValidationError(message, {field_name: message}) from None
