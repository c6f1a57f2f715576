"""Draws the học bạ and the class summary sheet as PDF with ReportLab, laid out like the TT 27 forms.

ReportLab rather than an HTML engine because a school prints ~1,000 học bạ at year end and ReportLab
draws such pages about fifty times faster (ADR 0009). The font is a TrueType family embedded in
every file (DejaVu Serif by default, which covers Vietnamese); its folder is configuration and a
missing file stops the service at start, never at the first print.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from school_grades.domain.records import ClassSummary, HocBaPage, ItemRow, RecordsLayout, place_and_date, vn_date

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
REGULAR_FILE, BOLD_FILE = "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"
REGULAR, BOLD = "RecordSerif", "RecordSerif-Bold"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
GRID = colors.Color(0.25, 0.25, 0.25)
# Paragraphs collapse runs of spaces: fields on one line are kept apart with non-breaking ones.
GAP = "&nbsp;" * 4


class FontError(RuntimeError):
    """The configured font folder lacks a file the records need."""


def register_fonts(font_dir: str | Path) -> None:
    """Register the record fonts from ``font_dir``; FontError naming the missing file otherwise."""
    folder = Path(font_dir)
    for name, file_name in ((REGULAR, REGULAR_FILE), (BOLD, BOLD_FILE)):
        path = folder / file_name
        if not path.is_file():
            raise FontError(
                f"RECORDS_FONT_DIR: {path} is missing; install fonts-dejavu-core or point RECORDS_FONT_DIR at a "
                f"folder holding {REGULAR_FILE} and {BOLD_FILE}"
            )
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


def _style(name: str, size: float, *, bold: bool = False, center: bool = False, leading: float = 0) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=BOLD if bold else REGULAR,
        fontSize=size,
        leading=leading or size * 1.25,
        alignment=TA_CENTER if center else 0,
    )


def _esc(text: str) -> str:
    # Paragraph reads a small markup language: a teacher's "<" or "&" must print as typed.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dots(value: str, width: int = 30) -> str:
    """A blank field prints as dots, the way the paper form leaves room to write by hand."""
    return _esc(value) if value else "." * width


class ReportLabRecords:
    """The PDF renderer port (app.records.RecordRenderer) with ReportLab."""

    def __init__(self, font_dir: str | Path = DEFAULT_FONT_DIR) -> None:
        register_fonts(font_dir)
        self.body = _style("body", 10.5)
        self.small = _style("small", 8.5)
        self.cell = _style("cell", 8.5, leading=10)
        self.cell_center = _style("cell_c", 9, center=True)
        self.head = _style("head", 9, bold=True, center=True)
        self.tiny_head = _style("tiny_head", 6.5, bold=True, center=True, leading=7.5)
        self.title = _style("title", 26, bold=True, center=True, leading=32)
        self.subtitle = _style("subtitle", 13, bold=True, center=True)
        self.section = _style("section", 10.5, bold=True, leading=14)
        self.centered = _style("centered", 10.5, center=True)
        self.centered_bold = _style("centered_b", 10.5, bold=True, center=True)
        self.note = _style("note", 9, center=True)
        # Pupil rows of the summary sheet: tight, so a class of 35-40 fits on two landscape pages.
        self._summary_body: list[tuple[Any, ...]] = [
            ("ALIGN", (2, 2), (-1, -1), "CENTER"),
            ("FONTSIZE", (0, 2), (-1, -1), 8),
            ("TOPPADDING", (0, 2), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 2), (-1, -1), 1),
            # Narrow level columns: small side padding so a header word is not split.
            ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ]

    # -- shared pieces -------------------------------------------------------------------------------

    def _header(self, school_name: str, layout: RecordsLayout, width: float) -> Table:
        """The two-column heading of every Vietnamese official form: the school left, the nation right."""
        left = [Paragraph(_esc(layout.authority.upper()), self.centered)] if layout.authority else []
        left.append(Paragraph(_esc(school_name.upper()), self.centered_bold))
        right = [Paragraph(NATION, self.centered_bold), Paragraph(f"<b>{MOTTO}</b>", self.centered)]
        table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return table

    def _signatures(
        self, width: float, left: tuple[str, str, str], right: tuple[str, str, str], when: str
    ) -> KeepTogether:
        """Two signature blocks side by side: (title, instruction, name) each; the date above the right one."""

        def block(title: str, instruction: str, name: str, dated: str) -> list[Any]:
            parts: list[Any] = [Paragraph(_esc(dated), self.centered)] if dated else [Spacer(1, 13)]
            parts += [
                Paragraph(f"<b>{_esc(title)}</b>", self.centered),
                Paragraph(_esc(instruction), self.note),
                Spacer(1, 14 * mm),
                Paragraph(f"<b>{_esc(name)}</b>", self.centered),
            ]
            return parts

        table = Table([[block(*left, ""), block(*right, when)]], colWidths=[width / 2, width / 2])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return KeepTogether([Spacer(1, 2 * mm), table])

    def _grid(self, rows: list[list[Any]], widths: list[float], *, header_rows: int = 1) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=header_rows)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.Color(0.93, 0.93, 0.93)),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    # -- học bạ ----------------------------------------------------------------------------------------

    def hoc_ba(self, pages: Sequence[HocBaPage], *, title: str = "Học bạ") -> bytes:
        """One PDF holding every pupil's học bạ in order: the identity page, then the year's two pages."""
        buffer = io.BytesIO()
        doc = self._doc(buffer, A4, title, pages[0].school_name if pages else "")
        story: list[Any] = []
        for index, page in enumerate(pages):
            if index:
                story.append(PageBreak())
            story += self._identity_page(page, doc.width)
            story.append(PageBreak())
            story += self._year_page(page, doc.width)
        doc.build(story or [Spacer(1, 1)])
        return buffer.getvalue()

    def _identity_page(self, page: HocBaPage, width: float) -> list[Any]:
        who = page.identity

        def line(*pairs: tuple[str, str]) -> Paragraph:
            return Paragraph(GAP.join(f"{label}: <b>{_dots(value, 24)}</b>" for label, value in pairs), self.body)

        history = self._grid(
            [
                [
                    Paragraph(h, self.head)
                    for h in ("Năm học", "Lớp", "Tên trường", "Số đăng bộ", "Ngày nhập học/ chuyển đến")
                ],
                [page.school_year, page.class_name, Paragraph(_esc(page.school_name), self.cell), "", ""],
            ],
            [width * 0.16, width * 0.1, width * 0.4, width * 0.14, width * 0.2],
        )
        return [
            self._header(page.school_name, page.layout, width),
            Spacer(1, 14 * mm),
            Paragraph("HỌC BẠ", self.title),
            Paragraph("TIỂU HỌC", self.subtitle),
            Spacer(1, 10 * mm),
            line(("Họ và tên học sinh", who.full_name), ("Giới tính", who.gender)),
            Spacer(1, 2 * mm),
            line(("Ngày sinh", vn_date(who.date_of_birth)), ("Dân tộc", who.ethnicity), ("Quốc tịch", who.nationality)),
            Spacer(1, 2 * mm),
            line(("Nơi sinh", who.place_of_birth)),
            Spacer(1, 2 * mm),
            line(("Quê quán", who.hometown)),
            Spacer(1, 2 * mm),
            line(("Nơi ở hiện nay", who.address)),
            Spacer(1, 2 * mm),
            line(("Họ tên cha", who.father_name)),
            Spacer(1, 2 * mm),
            line(("Họ tên mẹ", who.mother_name)),
            Spacer(1, 2 * mm),
            line(("Người giám hộ (nếu có)", who.guardian_name)),
            Spacer(1, 4 * mm),
            self._signatures(
                width,
                ("", "", ""),
                ("HIỆU TRƯỞNG", "(Ký, ghi rõ họ tên và đóng dấu)", page.principal),
                place_and_date(page.layout.place, page.signed_on),
            ),
            Spacer(1, 8 * mm),
            Paragraph("QUÁ TRÌNH HỌC TẬP", self.subtitle),
            Spacer(1, 3 * mm),
            history,
        ]

    def _items(self, rows: Sequence[ItemRow], label: str, width: float) -> Table:
        body = [[Paragraph(_esc(r.name), self.cell), r.level, Paragraph(_esc(r.comment), self.cell)] for r in rows]
        table = self._grid(
            [
                [Paragraph(label, self.head), Paragraph("Mức đạt được", self.head), Paragraph("Nhận xét", self.head)],
                *body,
            ],
            [width * 0.3, width * 0.14, width * 0.56],
        )
        table.setStyle(TableStyle([("ALIGN", (1, 1), (1, -1), "CENTER")]))
        return table

    def _year_page(self, page: HocBaPage, width: float) -> list[Any]:
        who = page.identity
        facts = [
            f"Họ và tên: <b>{_esc(who.full_name)}</b>",
            f"Lớp: <b>{_esc(page.class_name)}</b>",
            f"Năm học: <b>{_esc(page.school_year)}</b>",
        ]
        more: list[str] = []
        if page.layout.show_health:
            more += [f"Chiều cao: {_dots(page.height_cm, 8)}", f"Cân nặng: {_dots(page.weight_kg, 8)}"]
        if page.layout.show_days_absent:
            more.append(f"Số ngày nghỉ: {_dots(page.days_absent, 8)}")
        subjects = self._grid(
            [
                [
                    Paragraph(h, self.head)
                    for h in ("Môn học và hoạt động giáo dục", "Mức đạt được", "Điểm KTĐK", "Nhận xét")
                ],
                *[
                    [
                        Paragraph(_esc(s.name), self.cell),
                        s.level,
                        "" if s.score is None else str(s.score),
                        Paragraph(_esc(s.comment), self.cell),
                    ]
                    for s in page.subjects
                ],
            ],
            [width * 0.3, width * 0.12, width * 0.1, width * 0.48],
        )
        subjects.setStyle(TableStyle([("ALIGN", (1, 1), (2, -1), "CENTER")]))
        outcome = page.outcome
        story: list[Any] = [
            Paragraph(GAP.join(facts), self.body),
        ]
        if more:
            story.append(Paragraph(GAP.join(more), self.body))
        story += [
            Spacer(1, 1.5 * mm),
            Paragraph("1. Các môn học và hoạt động giáo dục", self.section),
            subjects,
            # The form spreads a year over two facing pages: subjects, then qualities and competencies
            # with the result and the signatures, so a page never ends in the middle of a block.
            PageBreak(),
            Paragraph(f"Họ và tên: <b>{_esc(who.full_name)}</b>{GAP}Lớp: <b>{_esc(page.class_name)}</b>", self.body),
            Spacer(1, 1.5 * mm),
            Paragraph("2. Những phẩm chất chủ yếu", self.section),
            self._items(page.qualities, "Phẩm chất", width),
            Spacer(1, 1.5 * mm),
            Paragraph("3. Những năng lực cốt lõi", self.section),
            Paragraph("3.1. Những năng lực chung", self.body),
            self._items(page.general_competencies, "Năng lực chung", width),
            Spacer(1, 1 * mm),
            Paragraph("3.2. Những năng lực đặc thù", self.body),
            self._items(page.specific_competencies, "Năng lực đặc thù", width),
            Spacer(1, 1.5 * mm),
            Paragraph(
                f"4. Đánh giá kết quả giáo dục: <b>{_dots(outcome.result_name if outcome else '', 40)}</b>",
                self.section,
            ),
            Paragraph(
                f"5. Khen thưởng: <b>{_dots('; '.join(outcome.award_names) if outcome else '', 40)}</b>", self.section
            ),
            Paragraph(
                f"6. Hoàn thành chương trình lớp học/chương trình tiểu học: <b>{_dots(page.completion, 30)}</b>",
                self.section,
            ),
            self._signatures(
                width,
                ("Xác nhận của Giáo viên chủ nhiệm", "(Ký và ghi rõ họ tên)", page.homeroom_teacher),
                ("Xác nhận của Hiệu trưởng", "(Ký, ghi rõ họ tên và đóng dấu)", page.principal),
                place_and_date(page.layout.place, page.signed_on),
            ),
        ]
        return story

    # -- the class summary sheet ---------------------------------------------------------------------

    def class_summary(self, summary: ClassSummary) -> bytes:
        """The sheet on A4 landscape: subjects first, then qualities, competencies and (CN) results."""
        buffer = io.BytesIO()
        doc = self._doc(buffer, landscape(A4), "Bảng tổng hợp kết quả đánh giá giáo dục", summary.school_name)
        width = doc.width
        title = [
            self._header(summary.school_name, summary.layout, width),
            Spacer(1, 5 * mm),
            Paragraph("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP", self.subtitle),
            Paragraph(
                f"Lớp: <b>{_esc(summary.class_name)}</b> – {_esc(summary.period_title)} – "
                f"Năm học: <b>{_esc(summary.school_year)}</b>",
                self.centered,
            ),
            Spacer(1, 4 * mm),
        ]
        story: list[Any] = [*title, self._summary_subjects(summary, width)]
        if summary.item_columns:
            story += [Spacer(1, 5 * mm), self._summary_items(summary, width)]
        story.append(
            self._signatures(
                width,
                ("Giáo viên chủ nhiệm", "(Ký và ghi rõ họ tên)", summary.homeroom_teacher),
                ("Hiệu trưởng", "(Ký, ghi rõ họ tên và đóng dấu)", summary.principal),
                place_and_date(summary.layout.place, summary.signed_on),
            )
        )
        doc.build(story)
        return buffer.getvalue()

    def _summary_subjects(self, summary: ClassSummary, width: float) -> Table:
        columns = summary.subject_columns
        fixed = [10 * mm, 46 * mm, 19 * mm]
        spans = sum(2 if c.tested else 1 for c in columns)
        unit = (width - sum(fixed)) / max(spans, 1)
        first = [Paragraph(h, self.tiny_head) for h in ("STT", "Họ và tên", "Ngày sinh")]
        second: list[Any] = ["", "", ""]
        widths = list(fixed)
        styles: list[tuple[Any, ...]] = [("SPAN", (i, 0), (i, 1)) for i in range(3)]
        col = 3
        for column in columns:
            first.append(Paragraph(_esc(column.name), self.tiny_head))
            second.append(Paragraph("Mức", self.tiny_head))
            widths.append(unit)
            if column.tested:
                first.append("")
                second.append(Paragraph("Điểm", self.tiny_head))
                widths.append(unit)
                styles.append(("SPAN", (col, 0), (col + 1, 0)))
                col += 2
            else:
                col += 1
        body = []
        for row in summary.rows:
            line: list[Any] = [str(row.number), Paragraph(_esc(row.full_name), self.small), vn_date(row.date_of_birth)]
            for column in columns:
                cell = row.subjects.get(column.code)
                line.append(cell.level if cell else "")
                if column.tested:
                    line.append("" if cell is None or cell.score is None else str(cell.score))
            body.append(line)
        table = self._grid([first, second, *body], widths, header_rows=2)
        table.setStyle(TableStyle([*styles, *self._summary_body]))
        return table

    def _summary_items(self, summary: ClassSummary, width: float) -> Table:
        items = summary.item_columns
        fixed = [10 * mm, 42 * mm]
        extra = [18 * mm, 24 * mm] if summary.with_results else []
        unit = (width - sum(fixed) - sum(extra)) / max(len(items), 1)
        n_quality = sum(1 for code, _ in items if code.startswith("PC_"))
        first: list[Any] = [Paragraph("STT", self.tiny_head), Paragraph("Họ và tên", self.tiny_head)]
        first += [Paragraph("Phẩm chất chủ yếu", self.tiny_head)] + [""] * (n_quality - 1)
        first += [Paragraph("Năng lực cốt lõi", self.tiny_head)] + [""] * (len(items) - n_quality - 1)
        second: list[Any] = ["", ""] + [Paragraph(_esc(name), self.tiny_head) for _, name in items]
        styles: list[tuple[Any, ...]] = [
            ("SPAN", (0, 0), (0, 1)),
            ("SPAN", (1, 0), (1, 1)),
            ("SPAN", (2, 0), (1 + n_quality, 0)),
            ("SPAN", (2 + n_quality, 0), (1 + len(items), 0)),
        ]
        if summary.with_results:
            first += [Paragraph("Đánh giá kết quả giáo dục", self.tiny_head), Paragraph("Khen thưởng", self.tiny_head)]
            second += ["", ""]
            last = 2 + len(items)
            styles += [("SPAN", (last, 0), (last, 1)), ("SPAN", (last + 1, 0), (last + 1, 1))]
        body = []
        for row in summary.rows:
            line: list[Any] = [str(row.number), Paragraph(_esc(row.full_name), self.small)]
            line += [row.items.get(code, "") for code, _ in items]
            if summary.with_results:
                outcome = row.outcome
                line += [
                    outcome.result if outcome else "",
                    Paragraph(_esc("; ".join(outcome.award_short_names)) if outcome else "", self.small),
                ]
            body.append(line)
        table = self._grid([first, second, *body], [*fixed, *([unit] * len(items)), *extra], header_rows=2)
        table.setStyle(TableStyle([*styles, *self._summary_body]))
        return table

    # -- the document --------------------------------------------------------------------------------

    def _doc(self, buffer: io.BytesIO, size: tuple[float, float], title: str, author: str) -> SimpleDocTemplate:
        return SimpleDocTemplate(
            buffer,
            pagesize=size,
            leftMargin=18 * mm,
            rightMargin=14 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title=title,
            author=author,
            creator="school-grades",
            pageCompression=1,
        )
