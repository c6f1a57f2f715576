"""The staff spreadsheet template (sheet "CBGVNV"): columns, reading one row, writing one row.

Cells arrive as the values a spreadsheet library reads (str, int, float, date, datetime, None);
schoolkit.spreadsheets does the file format and turns cells into text and dates (Excel drops
leading zeros from numbers typed without a text format, so a citizen id or phone is padded back
before the staff rules judge it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from school_identity.domain.staff import (
    GENDER_NAMES,
    POSITIONS,
    STATUS_NAMES,
    EmploymentStatus,
    Gender,
    StaffDraft,
    StaffRecord,
    normalise_draft,
    staff_problems,
)
from school_identity.domain.text import fold
from schoolkit.spreadsheets import date_cell, digits_cell, is_blank_row, phone_cell, text_cell
from schoolkit.spreadsheets import header_positions as find_headers

SHEET_NAME = "CBGVNV"
MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024

# (header as in the template, field of StaffDraft)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Mã cán bộ", "staff_code"),
    ("Họ và tên", "full_name"),
    ("Ngày sinh (dd/mm/yyyy)", "date_of_birth"),
    ("Giới tính (Nam/Nữ)", "gender"),
    ("Số CCCD", "citizen_id"),
    ("Chức vụ", "position"),
    ("Trình độ chuyên môn", "qualification"),
    ("Điện thoại", "phone"),
    ("Email", "email"),
    ("Địa chỉ", "address"),
    ("Ngày vào trường", "start_date"),
    ("Tổ chuyên môn", "department_id"),
    ("Tình trạng", "employment_status"),
)
HEADERS: tuple[str, ...] = tuple(h for h, _ in COLUMNS)
HEADER_OF: Mapping[str, str] = {f: h for h, f in COLUMNS}
# Columns written as text so Excel keeps their leading zeros.
TEXT_COLUMNS = frozenset({"staff_code", "citizen_id", "phone"})


@dataclass(frozen=True)
class RowError:
    """One problem in the sheet: row number as Excel shows it (header = 1), column header, message."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class SheetRow:
    row: int
    draft: StaffDraft


def header_positions(header: Sequence[Any]) -> tuple[dict[str, int], list[RowError]]:
    """Which cell index holds which field; every template column must be there (any order)."""
    positions, missing = find_headers(header, COLUMNS, fold)
    return positions, [RowError(1, h, f"Thiếu cột «{h}» ở dòng tiêu đề (hãy dùng mẫu của nhà trường)") for h in missing]


def read_row(
    row_number: int, cells: Sequence[Any], positions: Mapping[str, int], departments: Mapping[str, str], today: date
) -> tuple[StaffDraft, list[RowError]]:
    """One data row → a normalised draft and its problems (department given by name)."""

    def cell(name: str) -> Any:
        index = positions[name]
        return cells[index] if index < len(cells) else None

    unreadable: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("date_of_birth", "start_date"):
        try:
            dates[name] = date_cell(cell(name))
        except ValueError:
            dates[name] = None
            unreadable[name] = "Ngày không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 05/09/1985"
    department_id = ""
    department_name = text_cell(cell("department_id"))
    if department_name:
        department_id = departments.get(fold(department_name), "")
        if not department_id:
            unreadable["department_id"] = "Tổ chuyên môn chưa có trong danh sách của trường"
    draft = normalise_draft(
        StaffDraft(
            staff_code=text_cell(cell("staff_code")),
            full_name=text_cell(cell("full_name")),
            date_of_birth=dates["date_of_birth"],
            gender=text_cell(cell("gender")),
            citizen_id=digits_cell(cell("citizen_id"), 12),
            position=text_cell(cell("position")),
            qualification=text_cell(cell("qualification")),
            phone=phone_cell(cell("phone")),
            email=text_cell(cell("email")),
            address=text_cell(cell("address")),
            start_date=dates["start_date"],
            department_id=department_id,
            employment_status=text_cell(cell("employment_status")),
            unreadable=unreadable,
        )
    )
    problems = staff_problems(draft, today)
    errors = [RowError(row_number, HEADER_OF[f], msg) for f, msg in problems.items() if f in HEADER_OF]
    # Keep the template's column order in the report.
    errors.sort(key=lambda e: HEADERS.index(e.column))
    return draft, errors


def is_blank(cells: Sequence[Any]) -> bool:
    return is_blank_row(cells)


def record_row(record: StaffRecord, department_names: Mapping[str, str], include_sensitive: bool) -> list[str]:
    """One record as template cells (text), the citizen id only when ``include_sensitive``."""

    def when(d: date | None) -> str:
        return d.strftime("%d/%m/%Y") if d else ""

    gender = GENDER_NAMES.get(Gender(record.gender), "") if record.gender in Gender._value2member_map_ else ""
    status = (
        STATUS_NAMES.get(EmploymentStatus(record.employment_status), "")
        if record.employment_status in EmploymentStatus.__members__
        else ""
    )
    values = {
        "staff_code": record.staff_code,
        "full_name": record.full_name,
        "date_of_birth": when(record.date_of_birth),
        "gender": gender,
        "citizen_id": record.citizen_id if include_sensitive else "",
        "position": POSITIONS.get(record.position, record.position),
        "qualification": record.qualification,
        "phone": record.phone,
        "email": record.email,
        "address": record.address,
        "start_date": when(record.start_date),
        "department_id": department_names.get(record.department_id, ""),
        "employment_status": status,
    }
    return [values[f] for _, f in COLUMNS]
