"""Student lists as Excel workbooks: the template, importing a class or school list, exporting it.

An import is all or nothing. Every row is read and judged first (student_sheet), then, inside one
write transaction, the rows are checked against the school: the classes they name, codes and CSDL
ids already taken, a pupil already on a list of that year (a file imported twice), and each class's
size limit. Only when no problem is left are the students registered, enrolled, their records and
guardians stored and one StudentEnrolled event per student written to the outbox, in that same
transaction; otherwise nothing is written and every problem comes back with its row and column.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from school_students.app.ports import Clock, UnitOfWork, UnitOfWorkFactory
from school_students.app.student_sheet import (
    BY_FIELD,
    COLUMNS,
    HEADERS,
    MAX_BYTES,
    MAX_ROWS,
    SHEET_NAME,
    Layout,
    RowError,
    SheetRow,
    read_layout,
    read_row,
    record_row,
    template_sheets,
)
from school_students.domain import events
from school_students.domain.clock import school_day
from school_students.domain.errors import NotFoundError, ValidationError
from school_students.domain.guardian import GuardianDetails
from school_students.domain.names import fold
from school_students.domain.reference import ReferenceData
from school_students.domain.school_class import SchoolClass
from school_students.domain.student import StudentDetails, generated_code
from schoolkit.spreadsheets import Sheet, is_blank_row


class Spreadsheets(Protocol):
    """The workbook file format (schoolkit.spreadsheets.OpenpyxlSpreadsheets)."""

    def read(self, data: bytes, sheet: str, *, or_first: bool = False) -> list[list[Any]]: ...

    def write_book(self, sheets: Sequence[Sheet]) -> bytes: ...


@dataclass(frozen=True)
class ImportStudents:
    school_id: str
    school_year_id: str
    class_id: str
    workbook: bytes
    dry_run: bool
    may_write_sensitive: bool
    # The object check: whether the caller's duties reach a class (a school-wide role: every one).
    reaches_class: Callable[[str], bool]


@dataclass(frozen=True)
class ClassCount:
    class_id: str
    class_name: str
    added: int
    size_after: int


@dataclass(frozen=True)
class ImportResult:
    created: int
    rows: int
    errors: list[RowError]
    classes: list[ClassCount]


@dataclass(frozen=True)
class ExportStudents:
    school_id: str
    school_year_id: str
    class_id: str
    include_sensitive: bool
    # Classes the caller reaches, or None for every class of the school.
    visible_class_ids: frozenset[str] | None


@dataclass(frozen=True)
class ExportResult:
    workbook: bytes
    filename: str
    students: int


def _problem(message: str, field: str) -> ValidationError:
    return ValidationError(message, {field: message})


class StudentListsUseCases:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, reference: ReferenceData, sheets: Spreadsheets) -> None:
        self._uow = uow
        self._clock = clock
        self._reference = reference
        self._sheets = sheets

    # -- template ---------------------------------------------------------------------------------

    def template(self) -> tuple[bytes, str]:
        return self._sheets.write_book(template_sheets(self._reference)), "mau-danh-sach-hoc-sinh.xlsx"

    # -- import -----------------------------------------------------------------------------------

    def import_students(self, cmd: ImportStudents) -> ImportResult:
        if not cmd.workbook:
            raise _problem("Vui lòng chọn tệp Excel (.xlsx)", "workbook")
        if len(cmd.workbook) > MAX_BYTES:
            raise _problem("Tệp lớn hơn 5 MB", "workbook")
        if not cmd.school_year_id.strip() and not cmd.class_id.strip():
            raise _problem("Vui lòng chọn năm học", "school_year_id")
        try:
            cells = self._sheets.read(cmd.workbook, SHEET_NAME, or_first=True)
        except ValueError as exc:
            raise _problem("Tệp không đọc được như một tệp Excel (.xlsx)", "workbook") from exc
        if not cells:
            raise _problem("Tệp không có dòng tiêu đề", "workbook")
        layout, header_errors = read_layout(cells[0], class_given=bool(cmd.class_id.strip()))
        if header_errors:
            return ImportResult(0, 0, header_errors, [])
        data = [(n, row) for n, row in enumerate(cells[1:], start=2) if not is_blank_row(row)]
        if not data:
            raise _problem("Tệp không có học sinh nào (chỉ có dòng tiêu đề)", "workbook")
        if len(data) > MAX_ROWS:
            raise _problem(f"Mỗi lần nhập tối đa {MAX_ROWS} học sinh; tệp có {len(data)} dòng", "workbook")
        today = school_day(self._clock())

        with self._uow(False) as uow:
            year_id, fixed_class = self._target(uow, cmd)
            year = uow.school_years.get(cmd.school_id, year_id)
            if year is None:
                raise NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})
            rows: list[SheetRow] = []
            errors: list[RowError] = []
            for number, row_cells in data:
                row, problems = read_row(
                    number,
                    row_cells,
                    layout,
                    reference=self._reference,
                    today=today,
                    school_year_start=year.start_date,
                    may_write_sensitive=cmd.may_write_sensitive,
                )
                errors.extend(problems)
                if row is not None:
                    rows.append(row)
            placed, class_errors = self._place(uow, cmd, layout, year_id, fixed_class, rows)
            errors.extend(class_errors)
            errors.extend(self._duplicates(uow, cmd.school_id, layout, rows, placed))
            counts = self._class_counts(placed)
            errors.extend(self._capacity(layout, placed))
            if errors:
                errors.sort(key=lambda e: (e.row, _column_order(layout, e.column)))
                return ImportResult(0, len(data), errors, counts)
            if cmd.dry_run:
                return ImportResult(0, len(data), [], counts)
            self._write(uow, cmd.school_id, today, rows, placed)
        return ImportResult(len(rows), len(data), [], counts)

    def _target(self, uow: UnitOfWork, cmd: ImportStudents) -> tuple[str, SchoolClass | None]:
        """The year, and the class every row goes to when the import names one."""
        class_id = cmd.class_id.strip()
        if not class_id:
            return cmd.school_year_id.strip(), None
        school_class = uow.classes.get(cmd.school_id, class_id, for_update=True)
        if school_class is None:
            raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
        if cmd.school_year_id.strip() and cmd.school_year_id.strip() != school_class.school_year_id:
            raise _problem("Lớp đã chọn không thuộc năm học đã chọn", "class_id")
        return school_class.school_year_id, school_class

    def _place(
        self,
        uow: UnitOfWork,
        cmd: ImportStudents,
        layout: Layout,
        year_id: str,
        fixed_class: SchoolClass | None,
        rows: list[SheetRow],
    ) -> tuple[dict[int, SchoolClass], list[RowError]]:
        """Row number → its class; a class the caller does not reach is refused like a missing one."""
        errors: list[RowError] = []
        placed: dict[int, SchoolClass] = {}
        if fixed_class is not None:
            if not cmd.reaches_class(fixed_class.id):
                raise _problem("Bạn không được phân công lớp này", "class_id")
            return {r.row: fixed_class for r in rows}, []
        # "1 A", "1a" and "1A" name the same class.
        by_name = {
            fold(c.name).replace(" ", ""): c.class_id for c in uow.records.classes_of_year(cmd.school_id, year_id)
        }
        loaded: dict[str, SchoolClass] = {}
        for row in rows:
            class_id = by_name.get(fold(row.class_name).replace(" ", ""), "")
            if not row.class_name:
                errors.append(RowError(row.row, layout.header("class_name"), "Vui lòng ghi tên lớp, ví dụ 1A"))
                continue
            if not class_id or not cmd.reaches_class(class_id):
                message = f"Lớp «{row.class_name}» không có trong năm học đã chọn"
                errors.append(RowError(row.row, layout.header("class_name"), message))
                continue
            if class_id not in loaded:
                found = uow.classes.get(cmd.school_id, class_id, for_update=True)
                assert found is not None  # listed by the same transaction a moment ago
                loaded[class_id] = found
            placed[row.row] = loaded[class_id]
        return placed, errors

    def _duplicates(
        self, uow: UnitOfWork, school_id: str, layout: Layout, rows: list[SheetRow], placed: dict[int, SchoolClass]
    ) -> list[RowError]:
        """Codes, CSDL ids and citizen ids used twice (in the file or already), and pupils already listed."""
        errors: list[RowError] = []
        seen: dict[tuple[str, str], int] = {}
        for row in rows:
            keys = (
                ("student_code", row.student_code.upper()),
                ("csdl_id", row.record.csdl_id),
                ("citizen_id", row.record.citizen_id),
                ("full_name", f"{fold(row.record.full_name)}|{row.record.date_of_birth.isoformat()}"),
            )
            for field, key in keys:
                if not key:
                    continue
                first = seen.setdefault((field, key), row.row)
                if first != row.row:
                    what = "Họ tên và ngày sinh" if field == "full_name" else BY_FIELD[field].header
                    errors.append(RowError(row.row, layout.header(field), f"{what} trùng với dòng {first}"))
            if row.student_code and uow.students.code_taken(school_id, row.student_code):
                message = f"Mã học sinh {row.student_code} đã có trong trường"
                errors.append(RowError(row.row, layout.header("student_code"), message))
            if row.record.csdl_id and uow.records.csdl_id_taken(school_id, row.record.csdl_id, ""):
                message = f"Mã định danh {row.record.csdl_id} đã có trong hồ sơ một học sinh khác của trường"
                errors.append(RowError(row.row, layout.header("csdl_id"), message))
            if row.record.citizen_id and uow.records.citizen_id_taken(school_id, row.record.citizen_id, ""):
                message = "Số định danh cá nhân này đã có trong hồ sơ một học sinh khác của trường"
                errors.append(RowError(row.row, layout.header("citizen_id"), message))
        # A pupil with the same name and birth date already in a class of this year: most likely
        # the same file imported a second time.
        listed: dict[str, dict[str, str]] = {}
        for row in rows:
            school_class = placed.get(row.row)
            if school_class is None:
                continue
            if school_class.id not in listed:
                listed[school_class.id] = {
                    f"{fold(record.full_name)}|{record.date_of_birth.isoformat()}": student.student_code
                    for student, record in uow.records.in_class(school_id, school_class.id)
                }
            code = listed[school_class.id].get(f"{fold(row.record.full_name)}|{row.record.date_of_birth.isoformat()}")
            if code:
                message = (
                    f"Lớp {school_class.name} đã có học sinh {row.record.full_name} sinh ngày "
                    f"{row.record.date_of_birth.strftime('%d/%m/%Y')} (mã {code}); tệp có thể đã được nhập"
                )
                errors.append(RowError(row.row, layout.header("full_name"), message))
        return errors

    @staticmethod
    def _class_counts(placed: dict[int, SchoolClass]) -> list[ClassCount]:
        added = Counter(c.id for c in placed.values())
        classes = {c.id: c for c in placed.values()}
        return [
            ClassCount(c.id, c.name, added[c.id], c.size + added[c.id])
            for c in sorted(classes.values(), key=lambda c: (c.grade_level, c.name))
        ]

    @staticmethod
    def _capacity(layout: Layout, placed: dict[int, SchoolClass]) -> list[RowError]:
        """Rows that would take a class past its size limit (sĩ số tối đa), named one by one."""
        errors: list[RowError] = []
        taken: Counter[str] = Counter()
        column = layout.header("class_name") if "class_name" in layout.positions else layout.header("full_name")
        for number in sorted(placed):
            school_class = placed[number]
            taken[school_class.id] += 1
            if school_class.size + taken[school_class.id] > school_class.max_size:
                message = (
                    f"Lớp {school_class.name} đã đủ sĩ số tối đa {school_class.max_size} học sinh "
                    f"(đang có {school_class.size}); không thể thêm học sinh ở dòng này"
                )
                errors.append(RowError(number, column, message))
        return errors

    def _write(
        self, uow: UnitOfWork, school_id: str, today: date, rows: list[SheetRow], placed: dict[int, SchoolClass]
    ) -> None:
        # Siblings in one file share their parents: one guardian, linked to each child.
        guardian_ids: dict[tuple[str, str], str] = {}
        sizes: dict[str, int] = defaultdict(int)
        for row in rows:
            school_class = placed[row.row]
            code = row.student_code or self._assign_code(uow, school_id)
            record = row.record
            student = uow.students.add(
                school_id, code, StudentDetails(record.full_name, record.date_of_birth, record.gender)
            )
            uow.students.enrol(student.id, school_class, today)
            uow.records.save(school_id, student.id, record)
            for guardian in row.guardians:
                key = _guardian_key(guardian)
                if key is None:
                    guardian_id = uow.guardians.add(school_id, guardian).id
                elif key in guardian_ids:
                    guardian_id = guardian_ids[key]
                else:
                    guardian_id = guardian_ids[key] = uow.guardians.add(school_id, guardian).id
                uow.guardians.link(school_id, student.id, guardian_id, guardian.relation)
            sizes[school_class.id] += 1
            current = replace(school_class, size=school_class.size + sizes[school_class.id])
            uow.emit(school_id, events.StudentEnrolled(replace(student, class_id=school_class.id), current, today))

    @staticmethod
    def _assign_code(uow: UnitOfWork, school_id: str) -> str:
        while True:
            code = generated_code(uow.students.next_code_number(school_id))
            if not uow.students.code_taken(school_id, code):
                return code

    # -- export -----------------------------------------------------------------------------------

    def export_students(self, cmd: ExportStudents) -> ExportResult:
        class_id = cmd.class_id.strip()
        if not class_id and not cmd.school_year_id.strip():
            raise _problem("Vui lòng chọn năm học hoặc lớp", "school_year_id")
        rows: list[list[str]] = []
        with self._uow(True) as uow:
            if class_id:
                school_class = uow.classes.get(cmd.school_id, class_id)
                if school_class is None:
                    raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
                targets = [(school_class.id, school_class.name)]
                year = uow.school_years.get(cmd.school_id, school_class.school_year_id)
            else:
                year = uow.school_years.get(cmd.school_id, cmd.school_year_id.strip())
                if year is None:
                    raise NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})
                targets = [
                    (c.class_id, c.name)
                    for c in uow.records.classes_of_year(cmd.school_id, year.id)
                    if cmd.visible_class_ids is None or c.class_id in cmd.visible_class_ids
                ]
            for target_id, name in targets:
                guardians = uow.guardians.of_class(cmd.school_id, target_id) if cmd.include_sensitive else {}
                for student, record in uow.records.in_class(cmd.school_id, target_id):
                    rows.append(
                        record_row(
                            student.student_code,
                            name,
                            record,
                            guardians.get(student.id, []),
                            self._reference,
                            include_sensitive=cmd.include_sensitive,
                        )
                    )
        text_columns = frozenset(i for i, c in enumerate(COLUMNS) if c.text)
        data = self._sheets.write_book([Sheet(SHEET_NAME, HEADERS, rows, text_columns)])
        year_name = year.name if year else ""
        what = targets[0][1] if class_id else "toan-truong"
        return ExportResult(data, f"danh-sach-hoc-sinh-{_slug(what)}-{year_name}.xlsx", len(rows))


def _guardian_key(g: GuardianDetails) -> tuple[str, str] | None:
    """Who counts as one person across rows: the same name and the same phone number. Without a
    phone two rows are never taken for one guardian: two fathers named Nguyễn Văn Hùng are common,
    and sharing a guardian shares family data and a parent account's reach."""
    return (fold(g.full_name), g.phone) if g.phone else None


def _column_order(layout: Layout, header: str) -> int:
    for index, column in enumerate(COLUMNS):
        if layout.header(column.field) == header:
            return index
    return len(COLUMNS)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in fold(text)).strip("-") or "lop"
