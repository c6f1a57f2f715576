"""The grade book's cell rules: typed levels and scores, refusals naming pupil and field, the
per-cell save decision (write, unchanged, conflict), pasted spreadsheet blocks and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from school_grades.domain.errors import ValidationError
from school_grades.domain.gradebook import CellKind
from school_grades.domain.gradebook_cells import (
    CellRequest,
    CellValue,
    Outcome,
    Pupil,
    StoredCell,
    check_cells,
    conflict_message,
    decide,
    level_problem,
    parse_pasted_block,
    parse_score,
    parse_vn_date,
)

AN = Pupil("s-an", "Nguyễn Văn An", "HS01")
BINH = Pupil("s-binh", "Trần Thị Bình", "HS02", left_on=date(2025, 10, 1))
PUPILS = {p.student_id: p for p in (AN, BINH)}
KINDS = {"TOAN": CellKind.SUBJECT, "AM_NHAC": CellKind.SUBJECT, "PC_YEU_NUOC": CellKind.ITEM}
NAMES = {"TOAN": "Toán", "AM_NHAC": "Nghệ thuật (Âm nhạc)"}


def req(item: str = "TOAN", level: str = "T", score: str = "", student: str = "s-an", version: int = 0) -> CellRequest:
    return CellRequest(student, item, level, score, "", version)


def check(*requests: CellRequest) -> dict[tuple[str, str], CellValue]:
    return check_cells(requests, kinds=KINDS, tested=frozenset({"TOAN"}), pupils=PUPILS, names=NAMES, period_name="CK1")


@pytest.mark.parametrize(
    ("kind", "typed", "level"),
    [
        (CellKind.SUBJECT, "t", "T"),
        (CellKind.SUBJECT, " H ", "H"),
        (CellKind.SUBJECT, "", ""),
        (CellKind.ITEM, "d", "Đ"),
        (CellKind.ITEM, "Đ", "Đ"),
        (CellKind.ITEM, "c", "C"),
    ],
)
def test_levels_are_read_as_typed(kind: CellKind, typed: str, level: str) -> None:
    assert level_problem(kind, typed) == (level, None)


def test_a_subject_has_no_dat_and_a_quality_no_hoan_thanh() -> None:
    assert "Chưa hoàn thành" in (level_problem(CellKind.SUBJECT, "Đ")[1] or "")
    assert "Cần cố gắng" in (level_problem(CellKind.ITEM, "H")[1] or "")


@pytest.mark.parametrize(("typed", "score"), [("1", 1), ("10", 10), (" 7 ", 7), ("9.0", 9), ("", None)])
def test_whole_scores_from_1_to_10_are_accepted(typed: str, score: int | None) -> None:
    assert parse_score(typed) == (score, None)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("0", "không cho điểm 0"),
        ("11", "cao nhất là 10"),
        ("8.5", "không ghi điểm thập phân"),
        ("8,5", "không ghi điểm thập phân"),
        ("tám", "số nguyên"),
        ("-1", "không cho điểm 0"),
    ],
)
def test_0_11_and_decimals_are_refused(typed: str, words: str) -> None:
    score, problem = parse_score(typed)
    assert score is None
    assert problem
    assert words in problem


def test_a_valid_save_gives_the_wanted_values() -> None:
    wanted = check(req(level="t", score="9"), req("PC_YEU_NUOC", "d"))
    assert wanted == {("s-an", "TOAN"): CellValue("T", 9), ("s-an", "PC_YEU_NUOC"): CellValue("Đ")}


def test_every_refusal_names_the_pupil_and_the_field_and_nothing_passes() -> None:
    with pytest.raises(ValidationError) as info:
        check(req(score="0"), req("AM_NHAC", "X", "8"), req(student="s-binh"))
    fields = info.value.fields
    assert fields["cells.s-an.TOAN.score"].startswith("Nguyễn Văn An – Điểm: ")
    assert "Mức đạt được của môn học là T (Hoàn thành tốt)" in fields["cells.s-an.AM_NHAC.level"]
    assert fields["cells.s-an.AM_NHAC.score"] == (
        "Nguyễn Văn An – Điểm: Kỳ CK1 môn Nghệ thuật (Âm nhạc) không có bài kiểm tra định kì"
    )
    assert "đã rời lớp ngày 01/10/2025" in fields["cells.s-binh.TOAN.level"]
    assert "và 3 ô khác" in info.value.message


def test_unknown_pupils_items_duplicates_and_long_comments_are_refused() -> None:
    long = CellRequest("s-an", "AM_NHAC", "T", "", "x" * 501, 0)
    with pytest.raises(ValidationError) as info:
        check(req(student="s-zz"), req("TIN_HOC"), req(), req(), long)
    assert set(info.value.fields) == {
        "cells.s-zz.TOAN.student_id",
        "cells.s-an.TIN_HOC.item_code",
        "cells.s-an.TOAN.level",
        "cells.s-an.AM_NHAC.comment",
    }


def test_a_quality_never_takes_a_score() -> None:
    with pytest.raises(ValidationError) as info:
        check(req("PC_YEU_NUOC", "T", "9"))
    assert "không có bài kiểm tra định kì" in info.value.fields["cells.s-an.PC_YEU_NUOC.score"]


def test_the_save_decision_per_cell() -> None:
    stored = StoredCell(CellValue("H", 7), version=3, updated_by_name="Cô Hoa")
    assert decide(stored, CellValue("T", 7), 3) is Outcome.WRITE
    assert decide(stored, CellValue("T", 7), 2) is Outcome.CONFLICT
    assert decide(stored, CellValue("H", 7), 1) is Outcome.UNCHANGED
    assert decide(StoredCell(CellValue(), 0), CellValue("T"), 0) is Outcome.WRITE


def test_a_conflict_says_who_changed_what_and_that_nothing_is_lost() -> None:
    stored = StoredCell(CellValue("H", 7), 3, "Cô Hoa", datetime(2025, 12, 20, 1, 0, tzinfo=UTC))
    text = conflict_message(stored, "08:00 20/12/2025")
    assert "Cô Hoa" in text
    assert "H 7" in text
    assert "08:00 20/12/2025" in text
    assert "được giữ" in text


def test_changed_fields_compare_as_stored_text() -> None:
    assert CellValue("T", 9, "Giỏi").changed_fields(CellValue("T", None, "Giỏi")) == ["score"]
    assert CellValue().changed_fields(CellValue()) == []


def test_a_block_copied_from_a_spreadsheet_becomes_rows() -> None:
    assert parse_pasted_block("T\t9\r\nH\t7\r\n") == [["T", "9"], ["H", "7"]]
    assert parse_pasted_block("T") == [["T"]]
    assert parse_pasted_block('C\t"Cần ""cố gắng""\nthêm"\n') == [["C", 'Cần "cố gắng"\nthêm']]
    assert parse_pasted_block("\t8\n") == [["", "8"]]
    assert parse_pasted_block("") == []


def test_dates_are_read_as_dd_mm_yyyy() -> None:
    assert parse_vn_date("05/09/2025", "opens_on") == date(2025, 9, 5)
    assert parse_vn_date("2025-09-05", "opens_on") == date(2025, 9, 5)
    with pytest.raises(ValidationError) as info:
        parse_vn_date("31/02/2025", "opens_on")
    assert "dd/mm/yyyy" in info.value.fields["opens_on"]


def test_a_year_without_its_own_file_gets_the_newest_earlier_programme_else_the_oldest() -> None:
    import json

    from school_grades.app.gradebook import shipped_programme_text

    assert json.loads(shipped_programme_text("2025-2026") or "")["school_year"] == "2025-2026"
    later = json.loads(shipped_programme_text("2026-2027") or "")
    assert later["school_year"] == "2026-2027"
    assert later["tests"]["4"]["GK1"] == ["TIENG_VIET", "TOAN"]
    assert json.loads(shipped_programme_text("2020-2021") or "")["school_year"] == "2020-2021"  # the oldest
