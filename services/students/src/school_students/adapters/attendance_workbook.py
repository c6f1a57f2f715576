"""The monthly attendance sheet (sổ theo dõi chuyên cần) as an Excel workbook (openpyxl)."""

from __future__ import annotations

import io

# openpyxl ships no type information (types-openpyxl is not among the workspace's dev tools).
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from school_students.app.attendance import MonthSheet
from school_students.domain.attendance import Mark

CELL = {Mark.PRESENT: "", Mark.LATE: "M", Mark.EXCUSED: "P", Mark.UNEXCUSED: "K"}


def monthly_workbook(sheet: MonthSheet) -> bytes:
    """Pupils by school days: P = vắng có phép, K = vắng không phép, M = đi muộn, blank = có mặt,
    "–" = not recorded; totals per pupil; class size present/enrolled per day at the bottom."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    year, month = sheet.month.split("-")
    ws.title = f"{sheet.school_class.name} {month}-{year}"[:31]
    ws.append([f"SỔ THEO DÕI CHUYÊN CẦN — Lớp {sheet.school_class.name} — Tháng {month}/{year}"])
    ws.append(["P: vắng có phép; K: vắng không phép; M: đi muộn; ô trống: có mặt; –: chưa điểm danh"])
    header = ["STT", "Mã học sinh", "Họ và tên"] + [f"{d:%d/%m}" for d, _, _ in sheet.days]
    ws.append([*header, "Có phép (P)", "Không phép (K)", "Đi muộn"])
    for index, (member, cells, totals) in enumerate(sheet.rows, start=1):
        marks = [CELL[c] if c is not None else "–" for c in cells]
        ws.append([index, member.student_code, member.full_name, *marks, totals.excused, totals.unexcused, totals.late])
    ws.append(
        ["", "", "Có mặt / sĩ số"]
        + [f"{c.present}/{c.enrolled}" if recorded else f"–/{c.enrolled}" for _, recorded, c in sheet.days]
    )
    ws["A1"].font = Font(bold=True, size=13)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 28
    for col in range(4, 4 + len(sheet.days)):
        ws.column_dimensions[get_column_letter(col)].width = 7
    ws.freeze_panes = "D4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
