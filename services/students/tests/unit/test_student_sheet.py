"""The student-list template: columns found in any order or under CSDL headers, rows judged by the
record and guardian rules, every problem named by row and column."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from school_students.app.student_sheet import COLUMNS, HEADERS, read_layout, read_row
from school_students.domain.reference import load_reference
from school_students.domain.student import Gender

TODAY = date(2026, 11, 29)
YEAR_START = date(2026, 9, 5)
REFERENCE = load_reference()


def sheet_row(**values: Any) -> list[Any]:
    base: dict[str, Any] = {
        "Họ và tên": "Nguyễn Văn An",
        "Ngày sinh (dd/mm/yyyy)": "05/09/2019",
        "Giới tính (Nam/Nữ)": "Nam",
        "Lớp": "1A",
    }
    base.update(values)
    return [base.get(h) for h in HEADERS]


def read(cells: list[Any], *, sensitive: bool = True, header: list[Any] | None = None) -> Any:
    layout, errors = read_layout(header or list(HEADERS), class_given=False)
    assert errors == []
    return read_row(
        7,
        cells,
        layout,
        reference=REFERENCE,
        today=TODAY,
        school_year_start=YEAR_START,
        may_write_sensitive=sensitive,
    )


def test_a_minimal_row_is_read() -> None:
    row, errors = read(sheet_row())
    assert errors == []
    assert row is not None
    assert row.record.full_name == "Nguyễn Văn An"
    assert row.record.date_of_birth == date(2019, 9, 5)
    assert row.record.gender is Gender.MALE
    assert row.record.nationality == "Việt Nam"
    assert row.class_name == "1A"
    assert row.guardians == ()


def test_a_full_row_with_names_instead_of_codes_and_excel_numbers() -> None:
    row, errors = read(
        sheet_row(
            **{
                "Giới tính (Nam/Nữ)": "Nữ",
                "Họ và tên": "Lò Thị Mai",
                "Dân tộc": "Thái",
                "Số định danh cá nhân": 1319012345,  # typed as a number: the leading zeros came off
                "Tỉnh/thành phố thường trú": "Hà Nội",
                "Xã/phường thường trú": "Phường Hoàn Kiếm",
                "Đối tượng chính sách": "Con hộ nghèo; Mồ côi cha hoặc mẹ",
                "Dạng khuyết tật": "Khuyết tật vận động",
                "Có kế hoạch giáo dục cá nhân (Có/Không)": "Có",
                "Họ tên mẹ": "Lò Thị Hoa",
                "Điện thoại mẹ": 912345678,
                "Năm sinh mẹ": 1990,
            }
        )
    )
    assert errors == []
    assert row is not None
    assert row.record.citizen_id == "001319012345"
    assert row.record.ethnicity == "03"
    assert row.record.permanent_address.province_code == "01"
    assert row.record.policy_categories == ("HO_NGHEO", "MO_COI")
    assert row.record.disability_type == "VAN_DONG"
    assert row.record.has_iep is True
    (mother,) = row.guardians
    assert (mother.relation, mother.phone, mother.birth_year) == ("ME", "0912345678", 1990)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("Ngày sinh (dd/mm/yyyy)", "31/02/2019", "dd/mm/yyyy"),
        ("Ngày sinh (dd/mm/yyyy)", "05/09/2027", "Ngày sinh"),
        ("Giới tính (Nam/Nữ)", "Không rõ", "Nam hoặc Nữ"),
        ("Số định danh cá nhân", "00121901234", "12 chữ số"),
        ("Số định danh cá nhân", "001319012345", "giới tính"),  # digit 4 = 3 means female; the row says Nam
        ("Số định danh cá nhân", "001218012345", "năm sinh"),
        ("Dân tộc", "Không có", "54 dân tộc"),
        ("Tỉnh/thành phố thường trú", "Thành phố Atlantis", "34 tỉnh"),
        ("Điện thoại cha", "12345", "Số điện thoại"),
        ("Có kế hoạch giáo dục cá nhân (Có/Không)", "Có lẽ", "Có hoặc Không"),
    ],
)
def test_each_bad_value_is_named_by_its_column(column: str, value: Any, fragment: str) -> None:
    extra = {"Họ tên cha": "Nguyễn Văn Bình"} if "cha" in column else {}
    if column == "Tỉnh/thành phố thường trú":
        extra["Xã/phường thường trú"] = "Xã Hòa Bình"
    row, errors = read(sheet_row(**{column: value}, **extra))
    assert row is None
    assert [e.column for e in errors] == [column]
    assert errors[0].row == 7
    assert fragment in errors[0].message


def test_every_problem_of_a_row_is_reported_in_template_order() -> None:
    row, errors = read(sheet_row(**{"Họ và tên": "", "Giới tính (Nam/Nữ)": "", "Dân tộc": "Sao Hỏa"}))
    assert row is None
    assert [e.column for e in errors] == ["Họ và tên", "Giới tính (Nam/Nữ)", "Dân tộc"]


def test_sensitive_columns_need_the_permission() -> None:
    row, errors = read(
        sheet_row(**{"Số định danh cá nhân": "001219012345", "Họ tên cha": "Nguyễn Văn Bình"}), sensitive=False
    )
    assert row is None
    assert {e.column for e in errors} == {"Số định danh cá nhân", "Họ tên cha"}
    assert all("quyền" in e.message for e in errors)


def test_a_csdl_style_header_in_another_order_is_understood() -> None:
    header = ["STT", "Lớp học", "Họ tên học sinh", "Giới tính", "Ngày sinh", "Mã định danh học sinh", "Dân tộc"]
    layout, errors = read_layout(header, class_given=False)
    assert errors == []
    cells = [1, "2B", "Trần Thị Bích", "Nữ", "14/03/2018", "0123456789", "Kinh"]
    row, problems = read_row(
        2, cells, layout, reference=REFERENCE, today=TODAY, school_year_start=YEAR_START, may_write_sensitive=True
    )
    assert problems == []
    assert row is not None
    assert (row.class_name, row.record.csdl_id, row.record.ethnicity) == ("2B", "0123456789", "01")
    # A problem is named by the header the workbook itself uses.
    bad = [1, "2B", "Trần Thị Bích", "Nữ", "14/03/2030", "", ""]
    _, problems = read_row(
        3, bad, layout, reference=REFERENCE, today=TODAY, school_year_start=YEAR_START, may_write_sensitive=True
    )
    assert [(e.row, e.column) for e in problems] == [(3, "Ngày sinh")]


def test_missing_required_columns_are_named_and_class_only_when_no_class_is_chosen() -> None:
    _, errors = read_layout(["Họ và tên", "Ghi chú"], class_given=False)
    assert [e.column for e in errors] == ["Ngày sinh (dd/mm/yyyy)", "Giới tính (Nam/Nữ)", "Lớp"]
    assert all(e.row == 1 for e in errors)
    _, errors = read_layout(["Họ và tên", "Ngày sinh", "Giới tính"], class_given=True)
    assert errors == []


def test_the_template_columns_are_unique_and_sensitive_ones_marked() -> None:
    assert len(set(HEADERS)) == len(HEADERS)
    assert len({c.field for c in COLUMNS}) == len(COLUMNS)
    sensitive = {c.field for c in COLUMNS if c.sensitive}
    assert "citizen_id" in sensitive
    assert "father.phone" in sensitive
    assert "full_name" not in sensitive
    assert "class_name" not in sensitive


def test_a_row_written_and_read_back_is_the_same_record() -> None:
    from school_students.app.student_sheet import record_row

    row, errors = read(
        sheet_row(
            **{
                "Mã học sinh": "HS0042",
                "Số định danh cá nhân": "001219012345",
                "Dân tộc": "Tày",
                "Tỉnh/thành phố thường trú": "Thành phố Hà Nội",
                "Xã/phường thường trú": "Phường Ba Đình",
                "Họ tên cha": "Nguyễn Văn Bình",
                "Điện thoại cha": "0987654321",
                "Họ tên người giám hộ": "Nguyễn Thị Cúc",
                "Quan hệ với học sinh": "Bà",
            }
        )
    )
    assert errors == []
    assert row is not None
    cells = record_row(row.student_code, row.class_name, row.record, row.guardians, REFERENCE, include_sensitive=True)
    again, errors = read(cells)
    assert errors == []
    assert again == row
    hidden = record_row(row.student_code, row.class_name, row.record, row.guardians, REFERENCE, include_sensitive=False)
    assert "001219012345" not in hidden
    assert "0987654321" not in hidden
    assert "Nguyễn Văn An" in hidden


def test_the_template_has_the_list_a_guide_and_the_reference_lists() -> None:
    from school_students.app.student_sheet import template_sheets

    sheets = template_sheets(REFERENCE)
    assert [s.name for s in sheets][:2] == ["HocSinh", "HuongDan"]
    assert list(sheets[0].headers) == list(HEADERS)
    assert sheets[0].text_columns == frozenset(i for i, c in enumerate(COLUMNS) if c.text)
    assert len(sheets[1].rows) == len(COLUMNS)
    ethnic = next(s for s in sheets if s.name == "DanToc")
    assert len(ethnic.rows) == len(REFERENCE.ethnic_groups)
