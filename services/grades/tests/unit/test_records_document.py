"""The học bạ and class summary documents as plain data (domain/records.py)."""

from __future__ import annotations

from datetime import date

import pytest

from school_grades.domain.programme import Period, load_programme
from school_grades.domain.records import (
    Cell,
    ClassInfo,
    Identity,
    Pupil,
    SchoolInfo,
    YearOutcomeInfo,
    archive_name,
    build_class_summary,
    build_hoc_ba,
    completion_line,
    identity_problems,
    place_and_date,
    vn_date,
)

PROGRAMME = load_programme("2025-2026")
SCHOOL = SchoolInfo("school-a", "Trường Tiểu học Nguyễn Du", "Trần Văn Hiệu")
PUPIL = Pupil("st-1", "HS000001", "Nguyễn Thị Ánh Tuyết", date(2017, 3, 1), "Nữ")


def klass(grade: int) -> ClassInfo:
    return ClassInfo("class-1", f"{grade}A", grade, "year-1", "2025-2026", "Lê Thị Hoa")


def test_dates_are_written_day_month_year() -> None:
    assert vn_date(date(2026, 5, 9)) == "09/05/2026"
    assert vn_date(None) == ""
    assert place_and_date("Hà Nội", date(2026, 5, 29)) == "Hà Nội, ngày 29 tháng 05 năm 2026"
    assert place_and_date("", None) == "ngày ..... tháng ..... năm ........"


@pytest.mark.parametrize(
    ("grade", "outcome", "line"),
    [
        (3, YearOutcomeInfo("HTT", completed=True), "Hoàn thành chương trình lớp 3"),
        (3, YearOutcomeInfo("CHT", completed=False), "Chưa hoàn thành chương trình lớp 3"),
        (5, YearOutcomeInfo("HT", completed=True), "Hoàn thành chương trình tiểu học"),
        (5, YearOutcomeInfo("CHT", completed=False), "Chưa hoàn thành chương trình lớp 5"),
        (
            2,
            YearOutcomeInfo("CHT", completed=True, completion_note="Được lên lớp sau đánh giá bổ sung"),
            "Hoàn thành chương trình lớp 2. Được lên lớp sau đánh giá bổ sung",
        ),
        (4, YearOutcomeInfo("HT"), ""),  # not decided yet: blank, never guessed
        (4, None, ""),
    ],
)
def test_completion_line(grade: int, outcome: YearOutcomeInfo | None, line: str) -> None:
    assert completion_line(grade, outcome) == line


def full_cells(grade: int, period: Period = Period.CN) -> dict[str, Cell]:
    cells = {s.code: Cell("T", 9, f"Nhận xét {s.name}") for s in PROGRAMME.subjects_of(grade, with_electives=False)}
    cells.update({code: Cell("Đ", None, "Hoàn thành tốt nhiệm vụ") for code in PROGRAMME.items})
    return cells


def test_hoc_ba_rows_follow_the_programme_and_the_year_end_tests() -> None:
    page = build_hoc_ba(
        programme=PROGRAMME,
        school=SCHOOL,
        klass=klass(3),
        pupil=PUPIL,
        cells=full_cells(3),
        outcome=YearOutcomeInfo("HTT", ("HS_TIEU_BIEU",), True),
    )
    codes = [row.code for row in page.subjects]
    assert codes == [s.code for s in PROGRAMME.subjects_of(3, with_electives=False)]
    assert "TIENG_DAN_TOC" not in codes  # an elective the pupil does not follow is left off
    by_code = {row.code: row for row in page.subjects}
    assert by_code["TOAN"].score == 9
    assert by_code["TOAN"].tested
    assert by_code["DAO_DUC"].score is None
    assert not by_code["DAO_DUC"].tested
    assert by_code["TOAN"].level_name == "Hoàn thành tốt"
    assert [r.name for r in page.qualities] == ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"]
    assert len(page.general_competencies) == 3
    assert len(page.specific_competencies) == 7
    assert page.general_competencies[0].name == "Tự chủ và tự học"
    assert page.specific_competencies[0].name == "Ngôn ngữ"
    assert page.qualities[0].level_name == "Đạt"
    assert page.outcome
    assert page.outcome.result_name == "Hoàn thành tốt"
    assert page.outcome.award_names == ("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",)
    assert page.completion == "Hoàn thành chương trình lớp 3"
    # Without the students' identity data the page keeps what grades knows, the rest blank.
    assert page.identity == Identity("Nguyễn Thị Ánh Tuyết", "Nữ", date(2017, 3, 1))


def test_hoc_ba_keeps_an_elective_the_pupil_follows_and_blanks_what_is_missing() -> None:
    cells = {"TIENG_DAN_TOC": Cell("H", None, "")}
    page = build_hoc_ba(programme=PROGRAMME, school=SCHOOL, klass=klass(1), pupil=PUPIL, cells=cells)
    by_code = {row.code: row for row in page.subjects}
    assert by_code["TIENG_DAN_TOC"].level == "H"
    assert by_code["TOAN"].level == ""
    assert by_code["TOAN"].score is None
    assert by_code["TOAN"].level_name == ""
    assert all(row.level == "" for row in page.qualities)
    assert page.completion == ""


def test_summary_mid_semester_has_subjects_only_and_the_tested_scores() -> None:
    pupils = [PUPIL, Pupil("st-2", "HS000002", "Trần Văn Bình")]
    cells = {"st-1": {"TOAN": Cell("T", 10), "DAO_DUC": Cell("H", 7), "PC_NHAN_AI": Cell("T")}}
    sheet = build_class_summary(
        programme=PROGRAMME, school=SCHOOL, klass=klass(4), period=Period.GK1, pupils=pupils, cells=cells
    )
    tested = {c.code for c in sheet.subject_columns if c.tested}
    assert tested == {"TIENG_VIET", "TOAN"}  # grade 4 is tested mid-semester in these two only
    assert sheet.item_columns == ()  # qualities and competencies are assessed at semester ends
    first, second = sheet.rows
    assert (first.number, second.number) == (1, 2)
    assert first.subjects["TOAN"].score == 10
    assert first.subjects["DAO_DUC"].score is None  # no GK1 test in Đạo đức: a stray score is not printed
    assert first.items == {}
    assert second.subjects == {}
    assert not sheet.with_results
    assert sheet.period_title == "Giữa học kì I"


def test_summary_year_end_has_items_results_and_counts() -> None:
    pupils = [PUPIL, Pupil("st-2", "HS000002", "Trần Văn Bình")]
    cells = {"st-1": full_cells(3), "st-2": {"TOAN": Cell("H", 6), "PC_YEU_NUOC": Cell("C")}}
    outcomes = {"st-1": YearOutcomeInfo("HTT", (), True)}
    sheet = build_class_summary(
        programme=PROGRAMME,
        school=SCHOOL,
        klass=klass(3),
        period=Period.CN,
        pupils=pupils,
        cells=cells,
        outcomes=outcomes,
    )
    assert len(sheet.item_columns) == 15
    assert sheet.with_results
    assert sheet.rows[0].outcome == outcomes["st-1"]
    assert sheet.rows[1].outcome is None
    counts = sheet.counts()
    assert counts["TOAN"] == {"T": 1, "H": 1}
    assert counts["PC_YEU_NUOC"] == {"Đ": 1, "C": 1}


def test_summary_outcomes_only_at_year_end() -> None:
    sheet = build_class_summary(
        programme=PROGRAMME,
        school=SCHOOL,
        klass=klass(3),
        period=Period.CK1,
        pupils=[PUPIL],
        cells={},
        outcomes={"st-1": YearOutcomeInfo("HTT")},
    )
    assert sheet.rows[0].outcome is None
    assert len(sheet.item_columns) == 15


def test_archive_names_are_versioned_and_cannot_leave_their_folder() -> None:
    name = archive_name(
        school_year="2025-2026", period=Period.CN, kind="HOC_BA", class_name="3A", version=2, student_code="HS000001"
    )
    assert name == "2025-2026/CN/3A/HOC_BA_HS000001_v2.pdf"
    odd = archive_name(
        school_year="2025-2026", period=Period.CK1, kind="BANG_TONG_HOP", class_name="../Lớp 3", version=1
    )
    assert odd == "2025-2026/CK1/_L_p_3/BANG_TONG_HOP_v1.pdf"
    assert ".." not in odd


def test_award_names_full_on_the_page_short_on_the_sheet() -> None:
    outcome = YearOutcomeInfo("HTXS", ("HS_XUAT_SAC", "Giải Nhì Hội khỏe Phù Đổng"))
    assert outcome.award_names == ("Học sinh Xuất sắc", "Giải Nhì Hội khỏe Phù Đổng")
    assert outcome.award_short_names == ("HS Xuất sắc", "Giải Nhì Hội khỏe Phù Đổng")
    assert outcome.result_name == "Hoàn thành xuất sắc"
    assert YearOutcomeInfo("??").result_name == ""


def test_an_identity_given_fills_the_page_but_the_roster_keeps_name_and_birth_date() -> None:
    pupil = Pupil("st-1", "HS000001", "Nguyễn Thị Ánh Tuyết", date(2017, 3, 1))
    given = Identity("", "Nữ", None, "Kinh", "Việt Nam", "Hà Nội", father_name="Nguyễn Văn Đức")
    page = build_hoc_ba(programme=PROGRAMME, school=SCHOOL, klass=klass(3), pupil=pupil, cells={}, identity=given)
    assert page.identity == Identity(
        "Nguyễn Thị Ánh Tuyết", "Nữ", date(2017, 3, 1), "Kinh", "Việt Nam", "Hà Nội", father_name="Nguyễn Văn Đức"
    )


def test_identity_values_are_bounded_and_refusals_never_repeat_them() -> None:
    assert identity_problems({"gender": "Nữ", "father_name": "Nguyễn Văn Đức", "address": "5 Hàng Bài"}) == {}
    assert identity_problems({"father_name": "x" * 100, "address": "y" * 200}) == {}
    problems = identity_problems(
        {"gender": "Khác", "mother_name": "M" * 101, "hometown": "Q" * 201, "place_of_birth": "Hà\nNội"}
    )
    assert problems == {
        "gender": "Giới tính phải là Nam hoặc Nữ",
        "mother_name": "Họ tên dài quá 100 kí tự",
        "hometown": "Nội dung dài quá 200 kí tự",
        "place_of_birth": "Không được chứa kí tự điều khiển (xuống dòng, tab)",
    }
