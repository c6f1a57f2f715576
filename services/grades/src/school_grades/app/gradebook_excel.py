"""Excel round trip of a grade book sheet (issue 5 point 3): export a class's sheet for a period and
subject, fill it in Excel, import it back. Rows are matched by student code; every row is checked
and nothing is saved unless all are valid; the save then goes through ``save_cells``, so a cell
someone changed since the export (its version is in the file) comes back as a conflict."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

from school_grades.app.gradebook import Actor, GradebookUseCases, SaveCells, SaveResult, Sheet
from school_grades.domain.errors import ValidationError
from school_grades.domain.gradebook import CellKind
from school_grades.domain.gradebook_cells import CellRequest, cell_field
from schoolkit.spreadsheets import Sheet as WorkbookSheet
from schoolkit.spreadsheets import is_blank_row, text_cell

SHEET_NAME = "So_theo_doi"
CODE, NAME, VERSIONS = "Mã học sinh", "Họ và tên", "Phiên bản (không sửa)"
LEVEL, SCORE, COMMENT = "Mức đạt được", "Điểm KTĐK", "Nhận xét"
MAX_ROWS = 200
VERSION_TEXT = re.compile(r"[0-9]{1,9}")


class Workbooks(Protocol):
    """schoolkit.spreadsheets.OpenpyxlSpreadsheets fits."""

    def read(self, data: bytes, sheet: str, *, or_first: bool = False) -> list[list[Any]]: ...

    def write_book(self, sheets: list[WorkbookSheet]) -> bytes: ...


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    errors: list[RowError]
    result: SaveResult | None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def headers(sheet: Sheet) -> list[str]:
    """Code, name, then per column its level (and score where a test is due, and comment for a
    subject), then the versions read at export."""
    out = [CODE, NAME]
    if sheet.columns[0].kind is CellKind.ITEM:
        out += [c.name for c in sheet.columns]
    else:
        column = sheet.columns[0]
        out += [LEVEL, *([SCORE] if column.tested else []), COMMENT]
    return [*out, VERSIONS]


def export_sheet(use_cases: GradebookUseCases, books: Workbooks, sheet: Sheet) -> tuple[bytes, str]:
    """The workbook and its file name, e.g. ``so-theo-doi-4A-CK1-TOAN.xlsx``."""
    rows: list[list[Any]] = []
    for row in sheet.rows:
        if not row.pupil.editable:
            continue
        line: list[Any] = [row.pupil.student_code, row.pupil.full_name]
        if sheet.columns[0].kind is CellKind.ITEM:
            line += [cell.value.level for cell, _ in row.cells]
        else:
            cell = row.cells[0][0]
            line.append(cell.value.level)
            if sheet.columns[0].tested:
                line.append(cell.value.score if cell.value.score is not None else "")
            line.append(cell.value.comment)
        line.append(".".join(str(cell.version) for cell, _ in row.cells))
        rows.append(line)
    heads = headers(sheet)
    book = books.write_book(
        [WorkbookSheet(SHEET_NAME, heads, rows, frozenset({0, len(heads) - 1}), blank_text_rows=len(rows))]
    )
    name = f"so-theo-doi-{sheet.school_class.name}-{sheet.period.value}-{sheet.subject_code}.xlsx"
    return book, name


def import_sheet(
    use_cases: GradebookUseCases,
    books: Workbooks,
    actor: Actor,
    school_id: str,
    sheet: Sheet,
    data: bytes,
    idempotency_key: str,
    reason: str,
) -> ImportResult:
    """Check every row, then save all of them at once (or report every error and save nothing)."""
    try:
        table = books.read(data, SHEET_NAME, or_first=True)
    except ValueError:
        return ImportResult([RowError(0, "", "Tệp không phải bảng tính Excel (.xlsx) hợp lệ")], None)
    if not table:
        return ImportResult([RowError(1, "", "Bảng tính trống")], None)
    expected = headers(sheet)
    found = [_fold(text_cell(h)) for h in table[0]]
    positions = {h: found.index(_fold(h)) for h in expected if _fold(h) in found}
    missing = [h for h in expected if h not in positions]
    if missing:
        return ImportResult([RowError(1, h, "Thiếu cột này (hãy dùng tệp xuất từ sổ)") for h in missing], None)
    by_code = {r.pupil.student_code: r for r in sheet.rows}
    errors: list[RowError] = []
    requests: list[CellRequest] = []
    where: dict[str, tuple[int, str]] = {}  # refusal field → (row, column) for the messages below
    seen: set[str] = set()
    body = table[1:]
    if len(body) > MAX_ROWS:
        return ImportResult([RowError(MAX_ROWS + 2, "", f"Tối đa {MAX_ROWS} dòng")], None)
    for number, cells in enumerate(body, start=2):
        if is_blank_row(cells):
            continue

        def cell(heading: str, cells: list[Any] = cells) -> str:
            index = positions[heading]
            return text_cell(cells[index]) if index < len(cells) else ""

        code = cell(CODE)
        row = by_code.get(code)
        if row is None:
            errors.append(RowError(number, CODE, f"Không có học sinh mã {code or '(trống)'} trong lớp"))
            continue
        if code in seen:
            errors.append(RowError(number, CODE, f"Mã {code} xuất hiện hai lần"))
            continue
        seen.add(code)
        if not row.pupil.editable:
            errors.append(RowError(number, CODE, "Học sinh đã rời lớp, không nhập được"))
            continue
        versions = cell(VERSIONS).split(".")
        # ASCII digits only, at most 9 ("²".isdigit() is True, and the version travels as an int64).
        if len(versions) != len(sheet.columns) or not all(VERSION_TEXT.fullmatch(v) for v in versions):
            errors.append(RowError(number, VERSIONS, "Cột phiên bản bị sửa; hãy xuất lại tệp"))
            continue
        sid = row.pupil.student_id
        for index, column in enumerate(sheet.columns):
            stored = row.cells[index][0].value
            if column.kind is CellKind.ITEM:
                level, score, comment = cell(column.name), "", stored.comment
                where[cell_field(sid, column.item_code, "level")] = (number, column.name)
            else:
                level = cell(LEVEL)
                score = cell(SCORE) if column.tested else ""
                comment = cell(COMMENT)
                where[cell_field(sid, column.item_code, "level")] = (number, LEVEL)
                where[cell_field(sid, column.item_code, "score")] = (number, SCORE)
                where[cell_field(sid, column.item_code, "comment")] = (number, COMMENT)
            requests.append(CellRequest(sid, column.item_code, level, score, comment, int(versions[index])))
    if errors:
        return ImportResult(errors, None)
    if not requests:
        return ImportResult([RowError(2, "", "Tệp không có dòng nào để nhập")], None)
    cmd = SaveCells(sheet.school_class.id, sheet.period.value, sheet.subject_code, requests, idempotency_key, reason)
    try:
        result = use_cases.save_cells(actor, school_id, cmd)
    except ValidationError as err:
        if not any(f in where for f in err.fields):
            raise
        rows = [
            RowError(*where.get(f, (0, "")), message) for f, message in err.fields.items()
        ]  # every refused value, by row and column
        return ImportResult(sorted(rows, key=lambda e: (e.row, e.column)), None)
    return ImportResult([], result)
