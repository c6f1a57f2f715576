"""The student-list spreadsheet (sheet "HocSinh"): its columns, reading one row, writing one row.

The school's own template is the reference layout. An import also accepts the column headers a
CSDL ngành export is believed to use (domain-vn §2.7 marks that layout uncertain), so each column
lists the other headers it answers to; headers are matched without diacritics or case, in any
order, and columns the sheet does not have are simply empty, except the three every row needs.

Cells arrive as the values openpyxl reads; schoolkit.spreadsheets turns them into text and dates,
the record and guardian rules of the domain judge them, and this module only maps columns to
fields and field problems back to column headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from school_students.domain.errors import FieldErrors, ValidationError
from school_students.domain.guardian import GuardianDetails, GuardianInput, validate_guardian
from school_students.domain.names import fold
from school_students.domain.record import AddressInput, RecordInput, StudentRecord, validate_record
from school_students.domain.reference import ReferenceData
from school_students.domain.student import Gender
from schoolkit.spreadsheets import Sheet, date_cell, digits_cell, header_positions, phone_cell, text_cell

SHEET_NAME = "HocSinh"
GUIDE_SHEET_NAME = "HuongDan"
MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One template column: its header, the field it fills, other headers it answers to."""

    header: str
    field: str
    aliases: tuple[str, ...] = ()
    sensitive: bool = False
    # Written as text so Excel keeps leading zeros (codes, citizen ids, phone numbers).
    text: bool = False
    hint: str = ""


# The guardians a row can carry: (field prefix, relation code, label in headers).
GUARDIAN_SLOTS: tuple[tuple[str, str, str], ...] = (("father", "CHA", "cha"), ("mother", "ME", "mẹ"))

COLUMNS: tuple[Column, ...] = (
    Column(
        "Mã học sinh",
        "student_code",
        ("Mã HS", "Mã học sinh của trường"),
        text=True,
        hint="Mã của trường; để trống để hệ thống tự cấp",
    ),
    Column(
        "Mã định danh học sinh (CSDL ngành)",
        "csdl_id",
        ("Mã định danh học sinh", "Mã định danh Bộ GD&ĐT", "Mã định danh Bộ GDĐT", "Mã CSDL"),
        text=True,
        hint="Mã do CSDL ngành cấp, nếu đã có",
    ),
    Column(
        "Họ và tên",
        "full_name",
        ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh"),
        hint="Bắt buộc, có dấu, ví dụ Nguyễn Văn An",
    ),
    Column(
        "Ngày sinh (dd/mm/yyyy)",
        "date_of_birth",
        ("Ngày sinh", "Ngày tháng năm sinh"),
        hint="Bắt buộc, ví dụ 05/09/2019",
    ),
    Column("Giới tính (Nam/Nữ)", "gender", ("Giới tính",), hint="Bắt buộc: Nam hoặc Nữ"),
    Column(
        "Lớp",
        "class_name",
        ("Tên lớp", "Lớp học"),
        hint="Bắt buộc khi nhập danh sách toàn trường, ví dụ 1A; bỏ qua khi nhập vào một lớp",
    ),
    Column("Dân tộc", "ethnicity", (), hint="Tên dân tộc, ví dụ Kinh, Tày, Mường"),
    Column("Quốc tịch", "nationality", (), hint="Để trống là Việt Nam"),
    Column("Tôn giáo", "religion", (), sensitive=True),
    Column("Nơi sinh", "place_of_birth", (), hint="Ví dụ Bệnh viện Phụ sản Hà Nội, Thành phố Hà Nội"),
    Column(
        "Số định danh cá nhân",
        "citizen_id",
        ("Mã định danh cá nhân", "Số CCCD", "Số định danh", "Mã định danh công dân"),
        sensitive=True,
        text=True,
        hint="12 chữ số",
    ),
    Column(
        "Tỉnh/thành phố thường trú",
        "permanent_address.province_code",
        ("Tỉnh thường trú",),
        sensitive=True,
        hint="Một trong 34 tỉnh, thành phố, ví dụ Thành phố Hà Nội",
    ),
    Column("Xã/phường thường trú", "permanent_address.commune", ("Xã thường trú", "Phường thường trú"), sensitive=True),
    Column("Số nhà, đường, thôn (thường trú)", "permanent_address.detail", ("Địa chỉ thường trú",), sensitive=True),
    Column("Tỉnh/thành phố nơi ở hiện tại", "current_address.province_code", ("Tỉnh hiện tại",), sensitive=True),
    Column("Xã/phường nơi ở hiện tại", "current_address.commune", ("Xã hiện tại", "Phường hiện tại"), sensitive=True),
    Column(
        "Số nhà, đường, thôn (nơi ở hiện tại)",
        "current_address.detail",
        ("Địa chỉ hiện tại", "Chỗ ở hiện nay"),
        sensitive=True,
    ),
    Column(
        "Đối tượng chính sách",
        "policy_categories",
        ("Diện chính sách",),
        sensitive=True,
        hint="Tên trong danh mục, nhiều đối tượng cách nhau bằng dấu ;",
    ),
    Column("Dạng khuyết tật", "disability_type", ("Khuyết tật", "Loại khuyết tật"), sensitive=True),
    Column("Có kế hoạch giáo dục cá nhân (Có/Không)", "has_iep", ("Kế hoạch giáo dục cá nhân",), sensitive=True),
    *(
        column
        for prefix, _, who in GUARDIAN_SLOTS
        for column in (
            Column(f"Họ tên {who}", f"{prefix}.full_name", (f"Họ và tên {who}",), sensitive=True),
            Column(f"Năm sinh {who}", f"{prefix}.birth_year", (), sensitive=True),
            Column(f"Nghề nghiệp {who}", f"{prefix}.occupation", (), sensitive=True),
            Column(
                f"Điện thoại {who}",
                f"{prefix}.phone",
                (f"Số điện thoại {who}", f"SĐT {who}"),
                sensitive=True,
                text=True,
            ),
        )
    ),
    Column(
        "Họ tên người giám hộ",
        "guardian.full_name",
        ("Người giám hộ",),
        sensitive=True,
        hint="Khi người giám hộ không phải cha, mẹ",
    ),
    Column(
        "Quan hệ với học sinh",
        "guardian.relation",
        ("Quan hệ",),
        sensitive=True,
        hint="Ví dụ Ông, Bà, Anh, Chị, Cô, Dì, Chú, Bác",
    ),
    Column("Điện thoại người giám hộ", "guardian.phone", ("SĐT người giám hộ",), sensitive=True, text=True),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_FIELD: Mapping[str, Column] = {c.field: c for c in COLUMNS}
# A row cannot be judged without these, whatever layout the sheet follows.
REQUIRED_FIELDS = ("full_name", "date_of_birth", "gender")
GENDERS = {"nam": Gender.MALE, "nu": Gender.FEMALE, "male": Gender.MALE, "female": Gender.FEMALE}
YES = frozenset({"co", "x", "yes", "1", "true"})
NO = frozenset({"", "khong", "no", "0", "false"})


@dataclass(frozen=True)
class RowError:
    """One problem: the row as Excel numbers it (header = 1), the column header, the message."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class SheetRow:
    """A valid row, ready to be written."""

    row: int
    student_code: str
    class_name: str
    record: StudentRecord
    guardians: tuple[GuardianDetails, ...] = ()


@dataclass
class Layout:
    """Where each field sits in this workbook, and the header text the workbook itself uses."""

    positions: dict[str, int]
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, field_name: str) -> str:
        return self.headers.get(field_name) or BY_FIELD[field_name].header


def read_layout(header: Sequence[Any], *, class_given: bool) -> tuple[Layout, list[RowError]]:
    """Find the columns; only the fields every row needs (and "Lớp" without a class) must be there."""
    names = [(name, c.field) for c in COLUMNS for name in (c.header, *c.aliases)]
    positions, _ = header_positions(header, names, fold)
    headers = {f: text_cell(header[i]) for f, i in positions.items()}
    needed = [*REQUIRED_FIELDS, *(() if class_given else ("class_name",))]
    errors = [
        RowError(
            1, BY_FIELD[f].header, f"Thiếu cột «{BY_FIELD[f].header}» ở dòng tiêu đề (hãy dùng mẫu của nhà trường)"
        )
        for f in needed
        if f not in positions
    ]
    return Layout(positions, headers), errors


def _cell(cells: Sequence[Any], layout: Layout, name: str) -> Any:
    index = layout.positions.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def _text(cells: Sequence[Any], layout: Layout, name: str) -> str:
    value = _cell(cells, layout, name)
    if name.endswith("phone"):
        return phone_cell(value)
    if name == "citizen_id":
        return digits_cell(value, 12)
    return text_cell(value)


def _by_name(table: Mapping[str, str], text: str) -> str:
    """A code typed as itself or as its name ("Kinh" → "01"); unknown text comes back unchanged."""
    if not text:
        return ""
    if text in table:
        return text
    folded = fold(text)
    for code, label in table.items():
        if fold(label) == folded or fold(code) == folded:
            return code
    # "Hà Nội" for "Thành phố Hà Nội", "Cao Bằng" for "Tỉnh Cao Bằng".
    for code, label in table.items():
        short = fold(label).removeprefix("thanh pho ").removeprefix("tinh ")
        if short == folded:
            return code
    return text


def read_row(
    row_number: int,
    cells: Sequence[Any],
    layout: Layout,
    *,
    reference: ReferenceData,
    today: date,
    school_year_start: date | None,
    may_write_sensitive: bool,
) -> tuple[SheetRow | None, list[RowError]]:
    """One data row → a valid row, or its problems each named by column (template order)."""
    errors: list[RowError] = []

    def problem(field_name: str, message: str) -> None:
        errors.append(RowError(row_number, layout.header(field_name), message))

    def text(name: str) -> str:
        return _text(cells, layout, name)

    if not may_write_sensitive:
        for column in COLUMNS:
            if column.sensitive and column.field in layout.positions and text(column.field):
                problem(column.field, "Bạn không có quyền nhập thông tin này (thông tin nhạy cảm của học sinh)")

    birth = ""
    try:
        born = date_cell(_cell(cells, layout, "date_of_birth"))
        birth = born.isoformat() if born else ""
    except ValueError:
        problem("date_of_birth", "Ngày sinh không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 05/09/2019")
        birth = "invalid"
    gender_text = fold(text("gender"))
    gender = GENDERS.get(gender_text)
    if gender_text and gender is None:
        problem("gender", "Giới tính ghi Nam hoặc Nữ")
    iep_text = fold(text("has_iep"))
    if iep_text not in YES | NO:
        problem("has_iep", "Ghi Có hoặc Không")

    def address(prefix: str) -> AddressInput:
        return AddressInput(
            province_code=_by_name(reference.provinces, text(f"{prefix}.province_code")),
            commune=text(f"{prefix}.commune"),
            detail=text(f"{prefix}.detail"),
        )

    policies = [
        _by_name(reference.policy_categories, p.strip())
        for p in text("policy_categories").replace(",", ";").split(";")
        if p.strip()
    ]
    raw = RecordInput(
        full_name=text("full_name"),
        date_of_birth=birth,
        gender=gender,
        csdl_id=text("csdl_id"),
        citizen_id=text("citizen_id"),
        ethnicity=_by_name(reference.ethnic_groups, text("ethnicity")),
        religion=text("religion"),
        nationality=text("nationality"),
        place_of_birth=text("place_of_birth"),
        permanent_address=address("permanent_address"),
        current_address=address("current_address"),
        policy_categories=policies,
        disability_type=_by_name(reference.disability_types, text("disability_type")),
        has_iep=iep_text in YES,
    )
    record: StudentRecord | None = None
    try:
        record = validate_record(raw, reference=reference, today=today, school_year_start=school_year_start)
    except ValidationError as exc:
        for name, message in exc.fields.items():
            # An unreadable date was reported above in plainer words.
            if name == "date_of_birth" and birth == "invalid":
                continue
            if name == "gender" and gender_text and gender is None:
                continue
            problem(name if name in BY_FIELD else _column_of(name), message)

    guardians = _guardians(text, reference, today, problem)
    if errors:
        order = {c.field: i for i, c in enumerate(COLUMNS)}
        by_header = {layout.header(f): order[f] for f in order}
        errors.sort(key=lambda e: by_header.get(e.column, len(order)))
        return None, errors
    assert record is not None  # validate_record raised otherwise
    return (
        SheetRow(row_number, text("student_code"), text("class_name"), record, tuple(guardians)),
        [],
    )


def _column_of(field_name: str) -> str:
    """The column a nested field problem belongs to (e.g. "permanent_address" → its province column)."""
    for column in COLUMNS:
        if column.field.startswith(field_name + "."):
            return column.field
    return "full_name"


def _guardians(text: Any, reference: ReferenceData, today: date, problem: Any) -> list[GuardianDetails]:
    found: list[GuardianDetails] = []
    slots = [*((prefix, relation) for prefix, relation, _ in GUARDIAN_SLOTS), ("guardian", "")]
    for prefix, relation in slots:
        names = [c.field for c in COLUMNS if c.field.startswith(prefix + ".")]
        values = {n.split(".", 1)[1]: text(n) for n in names}
        if not any(values.values()):
            continue
        errors = FieldErrors()
        relation_code = relation or _by_name(reference.guardian_relations, values.get("relation", ""))
        details = validate_guardian(
            errors,
            GuardianInput(
                full_name=values.get("full_name", ""),
                relation=relation_code,
                phone=values.get("phone", ""),
                birth_year=values.get("birth_year", ""),
                occupation=values.get("occupation", ""),
            ),
            reference=reference,
            today=today,
        )
        for name, message in errors.errors.items():
            column = f"{prefix}.{name}"
            problem(column if column in BY_FIELD else f"{prefix}.full_name", message)
        if details is not None:
            found.append(details)
    return found


# --- Writing -----------------------------------------------------------------------------------------


def template_sheets(reference: ReferenceData) -> list[Sheet]:
    """The empty template: the list sheet, a guide naming each column, and the reference lists."""
    text_columns = frozenset(i for i, c in enumerate(COLUMNS) if c.text)
    guide = [
        [c.header, "Bắt buộc" if c.field in REQUIRED_FIELDS else "", "Có" if c.sensitive else "", c.hint]
        for c in COLUMNS
    ]
    lists = [
        ("DanToc", "Dân tộc", reference.ethnic_groups),
        ("TinhThanh", "Tỉnh/thành phố", reference.provinces),
        ("DoiTuongChinhSach", "Đối tượng chính sách", reference.policy_categories),
        ("KhuyetTat", "Dạng khuyết tật", reference.disability_types),
        ("QuanHe", "Quan hệ với học sinh", reference.guardian_relations),
    ]
    return [
        Sheet(SHEET_NAME, HEADERS, text_columns=text_columns, blank_text_rows=200),
        Sheet(GUIDE_SHEET_NAME, ["Cột", "Bắt buộc", "Thông tin nhạy cảm", "Cách ghi"], guide),
        *(Sheet(name, ["Mã", label], [[code, text] for code, text in table.items()]) for name, label, table in lists),
    ]


def _when(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def record_row(
    student_code: str,
    class_name: str,
    record: StudentRecord,
    guardians: Sequence[GuardianDetails],
    reference: ReferenceData,
    *,
    include_sensitive: bool,
) -> list[str]:
    """One student as template cells (text; names rather than codes), sensitive ones only when asked."""

    def name_of(table: Mapping[str, str], code: str) -> str:
        return table.get(code, code)

    values: dict[str, str] = {
        "student_code": student_code,
        "csdl_id": record.csdl_id,
        "full_name": record.full_name,
        "date_of_birth": _when(record.date_of_birth),
        "gender": "Nam" if record.gender is Gender.MALE else "Nữ",
        "class_name": class_name,
        "ethnicity": name_of(reference.ethnic_groups, record.ethnicity),
        "nationality": record.nationality,
        "religion": record.religion,
        "place_of_birth": record.place_of_birth,
        "citizen_id": record.citizen_id,
        "policy_categories": "; ".join(name_of(reference.policy_categories, p) for p in record.policy_categories),
        "disability_type": name_of(reference.disability_types, record.disability_type),
        "has_iep": "Có" if record.has_iep else "",
    }
    addresses = (("permanent_address", record.permanent_address), ("current_address", record.current_address))
    for prefix, address in addresses:
        values[f"{prefix}.province_code"] = name_of(reference.provinces, address.province_code)
        values[f"{prefix}.commune"] = address.commune
        values[f"{prefix}.detail"] = address.detail
    slots: dict[str, str] = {relation: prefix for prefix, relation, _ in GUARDIAN_SLOTS}
    others: list[GuardianDetails] = []
    for guardian in guardians:
        slot = slots.pop(guardian.relation, "")
        if not slot:
            others.append(guardian)
            continue
        values[f"{slot}.full_name"] = guardian.full_name
        values[f"{slot}.birth_year"] = str(guardian.birth_year) if guardian.birth_year else ""
        values[f"{slot}.occupation"] = guardian.occupation
        values[f"{slot}.phone"] = guardian.phone
    if others:
        first = others[0]
        values["guardian.full_name"] = first.full_name
        values["guardian.relation"] = name_of(reference.guardian_relations, first.relation)
        values["guardian.phone"] = first.phone
    return [values.get(c.field, "") if include_sensitive or not c.sensitive else "" for c in COLUMNS]
