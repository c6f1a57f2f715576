"""Reading and writing .xlsx workbooks with openpyxl (rows of plain cell values in, bytes out)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

# openpyxl ships no type information (types-openpyxl is not among the workspace's dev tools).
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

# A workbook is a zip; refuse ones that inflate far beyond the upload limit (zip bombs).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


class OpenpyxlSpreadsheets:
    def read(self, data: bytes, sheet: str) -> list[list[Any]]:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
                    raise ValueError("workbook too large when unpacked")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise ValueError("not an .xlsx workbook") from exc
        try:
            if sheet not in book.sheetnames:
                raise ValueError(f"no sheet {sheet}")
            return [list(row) for row in book[sheet].iter_rows(values_only=True)]
        finally:
            book.close()

    def write(
        self, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], text_columns: Mapping[int, bool]
    ) -> bytes:
        book = Workbook()
        ws = book.active
        assert ws is not None  # a new workbook always has one sheet
        ws.title = sheet
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
        for index, is_text in text_columns.items():
            if is_text:
                # "@" keeps leading zeros of codes, citizen ids and phone numbers when re-edited.
                for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                    cell.number_format = "@"
        for index, header in enumerate(headers, start=1):
            width = max([len(str(header))] + [len(str(r[index - 1])) for r in rows if index - 1 < len(r)])
            ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = min(max(width + 2, 10), 60)
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
