"""The staff spreadsheet template: headers, reading rows (Excel's number cells included), writing rows."""

from __future__ import annotations

from datetime import date, datetime

from school_identity.app.staff_sheet import (
    HEADERS,
    SHEET_NAME,
    header_positions,
    is_blank,
    read_row,
    record_row,
)
from school_identity.domain.staff import StaffRecord

TODAY = date(2026, 1, 5)
DEPARTMENTS = {"to 1": "dep-1", "to 4-5": "dep-45"}


def row(**kw: object) -> list[object]:
    values: dict[str, object] = {
        "Mã cán bộ": "CB0004",
        "Họ và tên": "Phạm Thị Lan Anh",
        "Ngày sinh (dd/mm/yyyy)": "17/05/1988",
        "Giới tính (Nam/Nữ)": "Nữ",
        "Số CCCD": "001188014562",
        "Chức vụ": "Giáo viên",
        "Trình độ chuyên môn": "Đại học Sư phạm Tiểu học",
        "Điện thoại": "0912345604",
        "Email": "gvcn@thtrungvuong.edu.vn",
        "Địa chỉ": "27 Phố Huế, Hà Nội",
        "Ngày vào trường": "20/08/2012",
        "Tổ chuyên môn": "Tổ 1",
        "Tình trạng": "Đang công tác",
    }
    values.update(kw)
    return [values[h] for h in HEADERS]


def test_template_columns() -> None:
    assert SHEET_NAME == "CBGVNV"
    assert HEADERS == (
        "Mã cán bộ",
        "Họ và tên",
        "Ngày sinh (dd/mm/yyyy)",
        "Giới tính (Nam/Nữ)",
        "Số CCCD",
        "Chức vụ",
        "Trình độ chuyên môn",
        "Điện thoại",
        "Email",
        "Địa chỉ",
        "Ngày vào trường",
        "Tổ chuyên môn",
        "Tình trạng",
    )


def test_headers_in_any_order_and_case_missing_ones_reported() -> None:
    positions, errors = header_positions([h.upper() for h in reversed(HEADERS)])
    assert errors == []
    assert positions["staff_code"] == len(HEADERS) - 1
    positions, errors = header_positions(list(HEADERS[:-2]))
    assert [(e.row, e.column) for e in errors] == [(1, "Tổ chuyên môn"), (1, "Tình trạng")]


def test_a_good_row_reads_into_a_draft() -> None:
    positions, _ = header_positions(list(HEADERS))
    draft, errors = read_row(2, row(), positions, DEPARTMENTS, TODAY)
    assert errors == []
    assert draft.date_of_birth == date(1988, 5, 17)
    assert (draft.gender, draft.position, draft.employment_status, draft.department_id) == (
        "female",
        "GV",
        "ACTIVE",
        "dep-1",
    )


def test_number_and_date_cells_as_excel_hands_them_over() -> None:
    positions, _ = header_positions(list(HEADERS))
    cells = row(**{"Số CCCD": 1188014562, "Điện thoại": 912345604.0, "Ngày sinh (dd/mm/yyyy)": datetime(1988, 5, 17)})
    draft, errors = read_row(3, cells, positions, DEPARTMENTS, TODAY)
    assert errors == []
    assert (draft.citizen_id, draft.phone, draft.date_of_birth) == ("001188014562", "0912345604", date(1988, 5, 17))


def test_every_problem_names_row_and_column_without_the_value() -> None:
    positions, _ = header_positions(list(HEADERS))
    cells = row(
        **{
            "Ngày sinh (dd/mm/yyyy)": "31/02/1988",
            "Số CCCD": "001188",
            "Điện thoại": "12345",
            "Tổ chuyên môn": "Tổ 9",
            "Tình trạng": "",
        }
    )
    _, errors = read_row(7, cells, positions, DEPARTMENTS, TODAY)
    assert [(e.row, e.column) for e in errors] == [
        (7, "Ngày sinh (dd/mm/yyyy)"),
        (7, "Số CCCD"),
        (7, "Điện thoại"),
        (7, "Tổ chuyên môn"),
        (7, "Tình trạng"),
    ]
    assert all("001188" not in e.message for e in errors)


def test_blank_rows() -> None:
    assert is_blank([None, "", "  "])
    assert not is_blank([None, "x"])


def test_a_record_written_and_read_back_is_the_same() -> None:
    r = StaffRecord(
        id="s-1",
        school_id="sch",
        staff_code="CB0004",
        full_name="Phạm Thị Lan Anh",
        date_of_birth=date(1988, 5, 17),
        gender="female",
        citizen_id="001188014562",
        position="GV",
        qualification="Đại học Sư phạm Tiểu học",
        phone="0912345604",
        email="gvcn@thtrungvuong.edu.vn",
        address="27 Phố Huế, Hà Nội",
        start_date=date(2012, 8, 20),
        department_id="dep-1",
        employment_status="ACTIVE",
    )
    cells = record_row(r, {"dep-1": "Tổ 1"}, include_sensitive=True)
    assert cells == row()
    assert record_row(r, {"dep-1": "Tổ 1"}, include_sensitive=False)[HEADERS.index("Số CCCD")] == ""
