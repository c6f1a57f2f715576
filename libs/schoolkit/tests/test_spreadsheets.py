"""Spreadsheet cells as people type them, and workbooks written then read back with openpyxl."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest

from schoolkit.spreadsheets import (
    OpenpyxlSpreadsheets,
    date_cell,
    digits_cell,
    header_positions,
    is_blank_row,
    phone_cell,
    text_cell,
)


def test_text_cells() -> None:
    assert text_cell(None) == ""
    assert text_cell(12.0) == "12"
    assert text_cell(12.5) == "12.5"
    assert text_cell("  Lê Thị Hoa ") == "Lê Thị Hoa"
    assert text_cell(date(2018, 6, 5)) == "05/06/2018"
    assert text_cell(datetime(2018, 6, 5, 7, 30)) == "05/06/2018"


def test_numbers_get_their_leading_zeros_back() -> None:
    assert digits_cell(1188014562, 12) == "001188014562"
    assert digits_cell("001188014562", 12) == "001188014562"
    assert digits_cell(True, 12) == "True"  # a boolean is not a number someone typed
    assert phone_cell(912345678) == "0912345678"
    assert phone_cell(84912345678) == "84912345678"
    assert phone_cell("0912 345 678") == "0912 345 678"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5/9/2018", date(2018, 9, 5)),
        ("05/09/2018", date(2018, 9, 5)),
        ("2018-09-05", date(2018, 9, 5)),
        ("05-09-2018", date(2018, 9, 5)),
        ("05.09.2018", date(2018, 9, 5)),
        (datetime(2018, 9, 5, 0, 0), date(2018, 9, 5)),
        (date(2018, 9, 5), date(2018, 9, 5)),
        ("", None),
        (None, None),
    ],
)
def test_date_cells(value: object, expected: date | None) -> None:
    assert date_cell(value) == expected


@pytest.mark.parametrize("value", ["31/02/2018", "2018", "mùng 5 tháng 9", "9/5/18x"])
def test_unreadable_dates_raise(value: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        date_cell(value)


def test_blank_rows() -> None:
    assert is_blank_row([None, "", "   "])
    assert not is_blank_row([None, 0])


def test_headers_match_in_any_order_and_missing_ones_are_named() -> None:
    columns = (("Họ và tên", "full_name"), ("Ngày sinh", "date_of_birth"), ("Lớp", "class_name"))
    positions, missing = header_positions(["ngày sinh", None, "HỌ VÀ TÊN", "Họ và tên"], columns, str.casefold)
    assert positions == {"date_of_birth": 0, "full_name": 2}
    assert missing == ["Lớp"]


def test_a_workbook_written_is_read_back_with_text_columns_kept() -> None:
    sheets = OpenpyxlSpreadsheets()
    data = sheets.write("HS", ["Mã", "Họ và tên"], [["0012", "Nguyễn Văn An"]], {0: True})
    assert sheets.read(data, "HS") == [["Mã", "Họ và tên"], ["0012", "Nguyễn Văn An"]]
    with pytest.raises(ValueError, match="no sheet"):
        sheets.read(data, "Other")
    assert sheets.read(data, "Other", or_first=True)[1] == ["0012", "Nguyễn Văn An"]


def test_not_a_workbook_and_zip_bombs_are_refused() -> None:
    sheets = OpenpyxlSpreadsheets()
    with pytest.raises(ValueError, match=r"not an \.xlsx"):
        sheets.read(b"plain text", "HS")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.xml", b"0" * (101 * 1024 * 1024))
    with pytest.raises(ValueError, match="too large"):
        sheets.read(bomb.getvalue(), "HS")


def test_a_book_of_several_sheets_keeps_their_order_and_formats_blank_template_rows_as_text() -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from schoolkit.spreadsheets import Sheet

    sheets = OpenpyxlSpreadsheets()
    data = sheets.write_book(
        [
            Sheet("HocSinh", ["Mã", "Họ và tên"], text_columns=frozenset({0}), blank_text_rows=5),
            Sheet("HuongDan", ["Cột", "Cách ghi"], [["Mã", "Để trống"]]),
        ]
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["HocSinh", "HuongDan"]
    assert book["HocSinh"].cell(row=6, column=1).number_format == "@"
    assert book["HocSinh"].cell(row=6, column=2).number_format != "@"
    assert sheets.read(data, "HuongDan") == [["Cột", "Cách ghi"], ["Mã", "Để trống"]]


def test_a_workbook_damaged_inside_a_sheet_is_refused_as_not_a_workbook() -> None:
    sheets = OpenpyxlSpreadsheets()
    good = sheets.write("HS", ["Mã", "Họ và tên"], [["0012", "Nguyễn Văn An"]], {0: True})
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = body[: len(body) // 2]  # cut mid-tag: openpyxl fails only while reading rows
            dst.writestr(item, body)
    with pytest.raises(ValueError, match="not an"):
        sheets.read(damaged.getvalue(), "HS")
