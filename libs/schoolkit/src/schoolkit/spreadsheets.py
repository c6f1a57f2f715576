"""Spreadsheets for every service: .xlsx read and written with openpyxl, and the cell rules of imports.

The services read templates that people fill in by hand in Excel or LibreOffice, so a cell may hold
a number where text was meant (Excel drops the leading zeros of a code typed without a text format),
a real date or a date typed as text. The helpers below turn such cells into the text or date the
domain rules judge; they never decide whether a value is valid.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# openpyxl ships no type information (types-openpyxl is not among the workspace's dev tools).
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

# A workbook is a zip; refuse ones that inflate far beyond the upload limit (zip bombs).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


class OpenpyxlSpreadsheets:
    def read(self, data: bytes, sheet: str, *, or_first: bool = False) -> list[list[Any]]:
        """The rows of ``sheet`` as cell values; with ``or_first``, the first sheet when it is missing
        (an export of another system names its sheet its own way). ValueError on a bad workbook."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
                    raise ValueError("workbook too large when unpacked")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except ValueError:
            raise
        except Exception as exc:  # whatever a damaged upload breaks in openpyxl, it is not a workbook
            raise ValueError("not an .xlsx workbook") from exc
        try:
            if sheet not in book.sheetnames and not (or_first and book.sheetnames):
                raise ValueError(f"no sheet {sheet}")
            chosen = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
            # Read-only workbooks parse rows lazily: a damaged sheet fails here, not at load time.
            return [list(row) for row in chosen.iter_rows(values_only=True)]
        except ValueError:
            raise
        except Exception as exc:  # (as above)
            raise ValueError("not an .xlsx workbook") from exc
        finally:
            book.close()

    def write(
        self, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], text_columns: Mapping[int, bool]
    ) -> bytes:
        """One sheet: a bold header row, then the rows; ``text_columns`` (by index) keep leading zeros."""
        return self.write_book([Sheet(sheet, headers, rows, frozenset(i for i, t in text_columns.items() if t))])

    def write_book(self, sheets: Sequence[Sheet]) -> bytes:
        """Several sheets in one workbook, in order (the first is the one Excel opens on)."""
        book = Workbook()
        first = book.active
        assert first is not None  # a new workbook always has one sheet
        book.remove(first)
        for spec in sheets:
            _fill(book.create_sheet(spec.name), spec)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


@dataclass(frozen=True)
class Sheet:
    """One sheet to write: headers in bold, rows, and the columns (0-based) that hold text codes."""

    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = ()
    text_columns: frozenset[int] = frozenset()
    # Rows below the header formatted as text even when empty, so a template filled in by hand
    # keeps the leading zeros of codes, citizen ids and phone numbers.
    blank_text_rows: int = 0


def _fill(ws: Any, spec: Sheet) -> None:
    ws.append(list(spec.headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in spec.rows:
        ws.append(list(row))
    last_row = max(len(spec.rows), spec.blank_text_rows) + 1
    for index in sorted(spec.text_columns):
        # "@" keeps leading zeros of codes, citizen ids and phone numbers when re-edited.
        for row_number in range(2, last_row + 1):
            ws.cell(row=row_number, column=index + 1).number_format = "@"
    for index, header in enumerate(spec.headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1])) for r in spec.rows if index - 1 < len(r)])
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = min(max(width + 2, 10), 60)
    ws.freeze_panes = "A2"


def text_cell(value: Any) -> str:
    """A cell as trimmed text: whole numbers without ".0", dates as dd/mm/yyyy, empty for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def digits_cell(value: Any, width: int) -> str:
    """A number cell that lost its leading zeros comes back at ``width`` digits (codes, citizen ids)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value)).zfill(width)
    return text_cell(value)


def phone_cell(value: Any) -> str:
    """A Vietnamese phone typed as a number (9 digits once Excel dropped the leading 0) gets it back."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        return "0" + digits if len(digits) == 9 else digits
    return text_cell(value)


def date_cell(value: Any) -> date | None:
    """A date cell, or text as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy and ISO); None when
    empty; ValueError when the text is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def is_blank_row(cells: Sequence[Any]) -> bool:
    """True when every cell is empty or only spaces (trailing rows people leave behind)."""
    return all(text_cell(c) == "" for c in cells)


def header_positions(
    header: Sequence[Any], columns: Sequence[tuple[str, str]], fold: Callable[[str], str]
) -> tuple[dict[str, int], list[str]]:
    """Which cell index holds which field, matching headers by ``fold`` (any order, first one wins),
    and the template headers that are missing."""
    wanted = {fold(h): f for h, f in columns}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = fold(str(cell)) if cell is not None else ""
        if name in wanted and wanted[name] not in positions:
            positions[wanted[name]] = index
    return positions, [h for h, f in columns if f not in positions]
