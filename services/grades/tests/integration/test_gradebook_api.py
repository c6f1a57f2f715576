"""GradebookService over gRPC on a real port (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set):
the sheet, saving cells with their audit and events, who may write what (refused directly over
gRPC), locks and reasons, refused values, two savers of one cell, idempotent retries, retests,
windows, the programme, the comment bank and the Excel round trip."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from sqlalchemy import Engine, func, insert, select

from school.grades.v1 import gradebook_events_pb2
from school.grades.v1 import gradebook_pb2 as pb
from school_grades.adapters.tables import outbox
from school_grades.adapters.tables_gradebook import cell_changes, cells, lock_log, period_locks, score_attempts
from school_grades.bootstrap import Container, build
from school_grades.config import load_settings
from schoolkit.db import make_engine
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key
from services.grades.tests.integration.gradebook_world import (
    AN,
    BINH,
    CHAU,
    CLASS_4A,
    CLASS_4B,
    DUNG,
    PROGRAMME,
    READ,
    SCHOOL,
    TEACHER,
    WRITE,
    YEAR,
    Book,
    Clock,
    book_factory,
    seed,
)

pytestmark = pytest.mark.integration

GVCN_4A = frozenset({f"class:{CLASS_4A}"})
HT = frozenset({"school"})
# A deputy the principal delegated corrections to (grades:score:correct; no role holds it by default).
CORRECTOR = TEACHER | {"grades:score:correct"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    seed(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def port(db: Engine, migrated_url: str, clock: Clock, keypair: tuple[Path, Path]) -> Iterator[int]:
    container: Container = build(load_settings({"DATABASE_URL": migrated_url}), clock=clock)
    server = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield server.port
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def as_user(port: int, issuer: TokenIssuer) -> Iterator[Callable[..., Book]]:
    yield from book_factory(port, issuer)


def refused(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(*args, **kwargs)
    return info.value.code(), field_violations(info.value)


def cell(student: str, level: str = "T", score: str = "", version: int = 0, item: str = "", comment: str = "") -> Any:
    return pb.CellInput(
        student_id=student, item_code=item, level=level, score=score, comment=comment, expected_version=version
    )


def save(book: Book, *inputs: Any, subject: str = "TOAN", period: str = "CK1", **extra: Any) -> Any:
    return book.SaveCells(
        pb.SaveCellsRequest(class_id=CLASS_4A, period=period, subject_code=subject, cells=list(inputs), **extra)
    )


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def events(engine: Engine) -> list[gradebook_events_pb2.ScoreRecorded]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.event_type, outbox.c.payload).order_by(outbox.c.seq)).all()
    assert {r.event_type for r in rows} <= {"school.grades.v1.ScoreRecorded"}
    return [gradebook_events_pb2.ScoreRecorded.FromString(r.payload) for r in rows]


# -- the sheet -------------------------------------------------------------------------------------


def test_the_sheet_shows_the_roster_the_test_due_and_what_the_teacher_may_do(as_user: Callable[..., Book]) -> None:
    sheet = as_user().GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN"))
    assert (sheet.class_name, sheet.grade_level, sheet.school_year_name, sheet.period_name) == (
        "4A",
        4,
        "2025-2026",
        "Cuối học kì I",
    )
    assert [(c.item_code, c.tested, list(c.levels)) for c in sheet.columns] == [("TOAN", True, ["T", "H", "C"])]
    assert [(r.full_name, r.editable, r.left_on) for r in sheet.rows] == [
        ("Nguyễn Văn An", True, ""),
        ("Trần Thị Bình", True, ""),
        ("Lê Minh Châu", False, "2025-10-15"),
    ]  # by given name, as a Vietnamese class list
    assert sheet.rows[0].cells[0].version == 0
    assert sheet.may_write
    assert sheet.window_open
    assert not sheet.locked
    assert not sheet.reason_required
    assert (sheet.window.opens_on, sheet.window.closes_on) == ("2025-12-01", "2026-01-25")
    choices = {s.code: s.may_write for s in sheet.subjects}
    assert choices["TOAN"]
    assert not choices["AM_NHAC"]
    assert not choices["PC_NL"]
    assert "TN_XH" not in choices  # not a subject of grade 4


def test_music_has_no_test_and_the_qualities_sheet_has_fifteen_items(as_user: Callable[..., Book]) -> None:
    gvcn = as_user("Thầy Minh", GVCN_4A)
    music = gvcn.GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="AM_NHAC"))
    assert not music.columns[0].tested
    assert not music.may_write
    assert "Âm nhạc" in music.write_refusal
    qualities = gvcn.GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="GK1", subject_code="PC_NL"))
    assert len(qualities.columns) == 15
    assert qualities.columns[0].levels == ["T", "Đ", "C"]
    assert qualities.may_write is False
    assert "Chưa đến thời hạn" not in qualities.write_refusal
    assert "hết thời hạn" in qualities.write_refusal


def test_a_teacher_reads_only_their_classes(as_user: Callable[..., Book]) -> None:
    code, fields = refused(as_user().GetSheet, pb.GetSheetRequest(class_id=CLASS_4B, period="CK1", subject_code="TOAN"))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "class_id" in fields
    code, _ = refused(
        as_user(scopes=HT, school="school-b").GetSheet,
        pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN"),
    )
    assert code == grpc.StatusCode.NOT_FOUND
    code, fields = refused(as_user().GetSheet, pb.GetSheetRequest(class_id=CLASS_4A, period="HK3", subject_code="TOAN"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "GK1, CK1, GK2 hoặc CN" in fields["period"]


# -- saving ----------------------------------------------------------------------------------------


def test_saving_writes_cells_their_history_and_one_event_each(as_user: Callable[..., Book], db: Engine) -> None:
    answer = save(as_user(), cell(AN, "t", "9", comment="Tính nhanh"), cell(BINH, "H", "7"))
    assert [(c.student_id, c.level, c.score, c.version, c.updated_by_name) for c in answer.saved] == [
        (AN, "T", 9, 1, "Cô Lan"),
        (BINH, "H", 7, 1, "Cô Lan"),
    ]
    assert not answer.conflicts
    sent = events(db)
    assert [(e.student_code, e.period, e.item_code, e.level, e.score, e.version) for e in sent] == [
        ("HS0001", "CK1", "TOAN", "T", 9, 1),
        ("HS0002", "CK1", "TOAN", "H", 7, 1),
    ]
    with db.connect() as conn:
        payloads = conn.execute(select(outbox.c.payload)).scalars().all()
        changes = conn.execute(
            select(cell_changes.c.field, cell_changes.c.old_value, cell_changes.c.new_value)
            .where(cell_changes.c.student_id == AN)
            .order_by(cell_changes.c.id)
        ).all()
    assert all("Tính nhanh".encode() not in p for p in payloads)  # never the comment text
    assert [tuple(c) for c in changes] == [("level", None, "T"), ("score", None, "9"), ("comment", None, "Tính nhanh")]
    again = save(as_user(), cell(AN, "H", "9", version=1, comment="Tính nhanh"))
    assert again.saved[0].version == 2
    assert count(db, cell_changes) == 6
    assert count(db, outbox) == 3
    sheet = as_user().GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN"))
    row = next(r for r in sheet.rows if r.student_id == AN)
    assert (row.cells[0].level, row.cells[0].score, row.cells[0].version, row.cells[0].attempts) == ("H", 9, 2, 1)


def test_a_gvbm_cannot_write_outside_their_class_and_subject_over_grpc(
    as_user: Callable[..., Book], db: Engine
) -> None:
    teacher = as_user()
    for subject in ("AM_NHAC", "PC_NL", "HDTN"):
        code, fields = refused(teacher.SaveCells, pb.SaveCellsRequest(
            class_id=CLASS_4A, period="CK1", subject_code=subject, cells=[cell(AN, "T")]
        ))  # fmt: skip
        assert code == grpc.StatusCode.PERMISSION_DENIED, subject
        assert fields["subject_code"]
    # The subject named in the cell counts, not only the sheet's.
    code, _ = refused(save, teacher, cell(AN, "T", item="AM_NHAC"))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _ = refused(teacher.SaveCells, pb.SaveCellsRequest(
        class_id=CLASS_4B, period="CK1", subject_code="TOAN", cells=[cell(DUNG, "T")]
    ))  # fmt: skip
    assert code == grpc.StatusCode.PERMISSION_DENIED
    reader = as_user(permissions=frozenset({READ}))
    assert refused(save, reader, cell(AN, "T"))[0] == grpc.StatusCode.PERMISSION_DENIED
    assert count(db, cells) == 0
    assert count(db, outbox) == 0
    # The GVCN writes qualities and HĐTN of the homeroom class; a school-wide role any cell.
    gvcn = as_user("Thầy Minh", GVCN_4A)
    assert save(gvcn, cell(AN, "d", item="PC_YEU_NUOC"), subject="PC_NL").saved[0].level == "Đ"
    assert save(gvcn, cell(AN, "T"), subject="HDTN").saved
    assert save(as_user("Thầy Phó hiệu trưởng", HT, permissions=CORRECTOR), cell(AN, "C"), subject="AM_NHAC").saved


def test_a_locked_period_refuses_every_write_and_after_an_unlock_wants_a_reason(
    as_user: Callable[..., Book], db: Engine
) -> None:
    now = datetime(2025, 12, 19, tzinfo=UTC)
    with db.begin() as conn:
        conn.execute(insert(period_locks).values(
            school_id=SCHOOL, class_id=CLASS_4A, period="CK1", locked=True, locked_at=now, locked_by="u-ht", version=1
        ))  # fmt: skip
        conn.execute(insert(lock_log).values(
            school_id=SCHOOL, class_id=CLASS_4A, period="CK1", action="LOCK", actor="u-ht", at=now
        ))  # fmt: skip
    sheet = as_user().GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN"))
    assert sheet.locked
    assert not sheet.may_write
    assert "khóa" in sheet.write_refusal
    for who in (as_user(), as_user("Thầy Phó hiệu trưởng", HT, permissions=CORRECTOR)):
        code, fields = refused(save, who, cell(AN, "T"))
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert "đã khóa" in fields["period"]
    retest = pb.RecordRetestRequest(
        class_id=CLASS_4A, student_id=AN, period="CK1", subject_code="TOAN", score="8", reason="Bài bị ốm khi làm"
    )
    assert refused(as_user().RecordRetest, retest)[0] == grpc.StatusCode.FAILED_PRECONDITION
    assert count(db, cells) == 0
    with db.begin() as conn:
        conn.execute(period_locks.update().values(locked=False, version=2))
        conn.execute(insert(lock_log).values(
            school_id=SCHOOL, class_id=CLASS_4A, period="CK1", action="UNLOCK", actor="u-ht", at=now,
            reason="Sửa điểm nhập nhầm của lớp 4A",
        ))  # fmt: skip
    assert as_user().GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN")).reason_required
    code, fields = refused(save, as_user(), cell(AN, "T"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "lý do" in fields["reason"]
    save(as_user(), cell(AN, "T"), reason="Nhập nhầm mức của em An")
    with db.connect() as conn:
        reasons = conn.execute(select(cell_changes.c.reason)).scalars().all()
    assert reasons == ["Nhập nhầm mức của em An"]


@pytest.mark.parametrize(
    ("score", "words"),
    [("0", "không cho điểm 0"), ("11", "cao nhất là 10"), ("8.5", "không ghi điểm thập phân")],
)
def test_0_11_and_8_5_refuse_the_whole_save(as_user: Callable[..., Book], db: Engine, score: str, words: str) -> None:
    code, fields = refused(save, as_user(), cell(BINH, "T", "9"), cell(AN, "T", score))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert list(fields) == [f"cells.{AN}.TOAN.score"]
    assert fields[f"cells.{AN}.TOAN.score"].startswith("Nguyễn Văn An – Điểm: ")
    assert words in fields[f"cells.{AN}.TOAN.score"]
    assert count(db, cells) == 0
    assert count(db, outbox) == 0
    assert count(db, cell_changes) == 0


def test_a_score_where_no_test_is_due_is_refused(as_user: Callable[..., Book], db: Engine) -> None:
    head = as_user("Thầy Phó hiệu trưởng", HT, permissions=CORRECTOR)
    code, fields = refused(save, head, cell(AN, "T", "9"), subject="AM_NHAC")
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields[f"cells.{AN}.AM_NHAC.score"] == (
        "Nguyễn Văn An – Điểm: Kỳ CK1 môn Nghệ thuật (Âm nhạc) không có bài kiểm tra định kì"
    )
    code, fields = refused(save, head, cell(AN, "T", "9"), subject="NGOAI_NGU_1", period="GK1")
    assert code == grpc.StatusCode.FAILED_PRECONDITION  # GK1 window closed: checked before values
    code, fields = refused(save, head, cell(CHAU, "T"))
    assert "đã rời lớp ngày 15/10/2025" in fields[f"cells.{CHAU}.TOAN.level"]
    assert count(db, cells) == 0


def test_outside_the_entry_window_nothing_is_written(as_user: Callable[..., Book], clock: Clock, db: Engine) -> None:
    clock.now = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
    code, fields = refused(save, as_user(), cell(AN, "T"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "25/01/2026" in fields["period"]
    assert count(db, cells) == 0


def test_two_teachers_saving_one_cell_one_wins_the_other_keeps_their_value(
    as_user: Callable[..., Book], db: Engine
) -> None:
    lan, hoa = as_user("Cô Lan"), as_user("Cô Hoa", frozenset({f"class_subject:{CLASS_4A}:TOAN"}))
    # Both opened the sheet at version 0; Lan saves first.
    save(lan, cell(AN, "T", "9"))
    answer = save(hoa, cell(AN, "H", "7"), cell(BINH, "H", "6"))
    assert [c.student_id for c in answer.saved] == [BINH]
    (conflict,) = answer.conflicts
    assert (conflict.current.level, conflict.current.score, conflict.current.version) == ("T", 9, 1)
    assert conflict.current.updated_by_name == "Cô Lan"
    assert (conflict.sent.level, conflict.sent.score) == ("H", "7")  # nothing lost: her value comes back
    assert "Cô Lan" in conflict.message
    assert "giữ" in conflict.message
    # She looks, decides her value stands, and resubmits it over version 1.
    final = save(hoa, cell(AN, "H", "7", version=1))
    assert (final.saved[0].level, final.saved[0].version) == ("H", 2)
    assert count(db, outbox) == 3


def test_two_savers_at_the_same_moment_never_both_win(as_user: Callable[..., Book], db: Engine) -> None:
    answers: list[Any] = []
    barrier = threading.Barrier(2)

    def run(name: str, level: str) -> None:
        barrier.wait()
        answers.append(save(as_user(name), cell(AN, level, "8")))

    threads = [threading.Thread(target=run, args=a) for a in (("Cô Lan", "T"), ("Cô Hoa", "H"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((len(a.saved), len(a.conflicts)) for a in answers) == [(0, 1), (1, 0)]
    assert count(db, cells) == 1
    assert count(db, outbox) == 1


def test_a_retried_save_returns_the_first_answer_without_a_second_write(
    as_user: Callable[..., Book], db: Engine
) -> None:
    teacher = as_user()
    first = save(teacher, cell(AN, "T", "9"), idempotency_key="k-1")
    again = save(teacher, cell(AN, "T", "9"), idempotency_key="k-1")
    assert again == first
    assert count(db, cells) == 1
    assert count(db, outbox) == 1
    code, fields = refused(save, teacher, cell(AN, "H", "9"), idempotency_key="k-1")
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in fields


def test_concurrent_retries_of_one_request_store_one_grade_and_one_event(
    as_user: Callable[..., Book], db: Engine
) -> None:
    answers: list[Any] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        answers.append(save(as_user(), cell(AN, "T", "9"), cell(BINH, "H", "7"), idempotency_key="same"))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 3
    assert all(a == answers[0] for a in answers)
    assert count(db, cells) == 2
    assert count(db, outbox) == 2


# -- retests and history ---------------------------------------------------------------------------


def test_a_retest_keeps_the_history_and_the_last_score_counts(as_user: Callable[..., Book], db: Engine) -> None:
    teacher = as_user()
    save(teacher, cell(AN, "H", "4"))
    request = pb.RecordRetestRequest(
        class_id=CLASS_4A, student_id=AN, period="CK1", subject_code="TOAN", raw_total="8.75",
        reason="Kết quả bất thường so với thường xuyên", expected_version=1,
    )  # fmt: skip
    retest = teacher.RecordRetest(request).cell
    assert (retest.score, retest.version, retest.attempts) == (9, 2, 2)
    code, fields = refused(teacher.RecordRetest, request)  # the version read is now stale
    assert code == grpc.StatusCode.ABORTED
    assert "expected_version" in fields
    bad = pb.RecordRetestRequest(
        class_id=CLASS_4A, student_id=AN, period="CK1", subject_code="TOAN", raw_total="8.3",
        reason="Kết quả bất thường so với thường xuyên", expected_version=2,
    )  # fmt: skip
    assert "0,25" in refused(teacher.RecordRetest, bad)[1]["raw_total"]
    music = pb.RecordRetestRequest(
        class_id=CLASS_4A, student_id=AN, period="CK1", subject_code="AM_NHAC", score="8",
        reason="Kết quả bất thường so với thường xuyên", expected_version=0,
    )  # fmt: skip
    code, _ = refused(as_user("Thầy Phó hiệu trưởng", HT, permissions=CORRECTOR).RecordRetest, music)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    history = teacher.GetCellHistory(
        pb.GetCellHistoryRequest(class_id=CLASS_4A, student_id=AN, period="CK1", item_code="TOAN")
    )
    assert [(a.attempt_no, a.score, a.raw_total, a.is_retest) for a in history.attempts] == [
        (1, 4, "", False),
        (2, 9, "8.75", True),
    ]
    assert [(c.field, c.old_value, c.new_value) for c in history.changes] == [
        ("level", "", "H"),
        ("score", "", "4"),
        ("score", "4", "9"),
    ]
    assert history.changes[-1].reason == "Kết quả bất thường so với thường xuyên"
    assert [e.is_retest for e in events(db)] == [False, True]
    assert count(db, score_attempts) == 2


# -- programme, windows, comment bank --------------------------------------------------------------


def test_the_programme_of_a_year_is_read_replaced_and_versioned(as_user: Callable[..., Book]) -> None:
    head = as_user("Cô Hiệu trưởng", HT, frozenset({READ, WRITE, PROGRAMME}))
    shipped = head.GetProgramme(pb.GetProgrammeRequest(school_year_id=YEAR))
    assert not shipped.stored
    assert shipped.version == 0
    body = json.loads(shipped.body)
    body["tests"]["4"]["CK1"].remove("KHOA_HOC")
    stored = head.ReplaceProgramme(
        pb.ReplaceProgrammeRequest(school_year_id=YEAR, body=json.dumps(body, ensure_ascii=False), expected_version=0)
    ).programme
    assert stored.stored
    assert stored.version == 1
    sheet = head.GetSheet(pb.GetSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="KHOA_HOC"))
    assert not sheet.columns[0].tested
    stale = pb.ReplaceProgrammeRequest(school_year_id=YEAR, body=shipped.body, expected_version=0)
    assert refused(head.ReplaceProgramme, stale)[0] == grpc.StatusCode.ABORTED
    broken = pb.ReplaceProgrammeRequest(school_year_id=YEAR, body="{", expected_version=1)
    assert "JSON" in refused(head.ReplaceProgramme, broken)[1]["body"]
    body["school_year"] = "2026-2027"
    other = pb.ReplaceProgrammeRequest(school_year_id=YEAR, body=json.dumps(body), expected_version=1)
    assert "2026-2027" in refused(head.ReplaceProgramme, other)[1]["body"]
    code, _ = refused(as_user().ReplaceProgramme, pb.ReplaceProgrammeRequest(school_year_id=YEAR, body=shipped.body))
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_entry_windows_default_from_config_and_are_edited_in_dd_mm_yyyy(
    as_user: Callable[..., Book], clock: Clock
) -> None:
    head = as_user("Cô Hiệu trưởng", HT, frozenset({READ, WRITE, PROGRAMME}))
    windows = head.GetPeriodWindows(pb.GetPeriodWindowsRequest(school_year_id=YEAR)).windows
    assert [(w.period, w.opens_on, w.stored) for w in windows][:2] == [
        ("GK1", "2025-10-15", False),
        ("CK1", "2025-12-01", False),
    ]
    wanted = [
        pb.PeriodWindow(period="GK1", opens_on="20/10/2025", closes_on="05/11/2025"),
        pb.PeriodWindow(period="CK1", opens_on="01/01/2026", closes_on="15/01/2026"),
        pb.PeriodWindow(period="GK2", opens_on="10/03/2026", closes_on="25/03/2026"),
        pb.PeriodWindow(period="CN", opens_on="10/05/2026", closes_on="31/05/2026"),
    ]
    saved = head.SavePeriodWindows(pb.SavePeriodWindowsRequest(school_year_id=YEAR, windows=wanted)).windows.windows
    assert [(w.period, w.opens_on, w.closes_on, w.stored) for w in saved][1] == (
        "CK1",
        "2026-01-01",
        "2026-01-15",
        True,
    )
    # 20/12/2025 is now before CK1 opens.
    code, fields = refused(save, as_user(), cell(AN, "T"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "01/01/2026" in fields["period"]
    wanted[3] = pb.PeriodWindow(period="CN", opens_on="31/05/2026", closes_on="30/06/2026")
    wanted[0] = pb.PeriodWindow(period="GK1", opens_on="31/02/2025", closes_on="05/11/2025")
    code, fields = refused(head.SavePeriodWindows, pb.SavePeriodWindowsRequest(school_year_id=YEAR, windows=wanted))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "dd/mm/yyyy" in fields["windows.GK1.opens_on"]
    assert "31/05/2026" in fields["windows.CN.closes_on"]
    code, _ = refused(as_user().SavePeriodWindows, pb.SavePeriodWindowsRequest(school_year_id=YEAR, windows=wanted))
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_the_comment_bank_is_own_and_shared(as_user: Callable[..., Book]) -> None:
    lan, hoa, head = as_user("Cô Lan"), as_user("Cô Hoa"), as_user("Thầy Phó hiệu trưởng", HT, permissions=CORRECTOR)
    mine = lan.AddComment(pb.AddCommentRequest(text="Em  tính toán nhanh, chính xác", item_code="TOAN")).comment
    assert mine.text == "Em tính toán nhanh, chính xác"
    assert not mine.shared
    assert mine.deletable
    shared = head.AddComment(pb.AddCommentRequest(text="Em chăm chỉ, tiến bộ", shared=True)).comment
    code, _ = refused(lan.AddComment, pb.AddCommentRequest(text="Chung", shared=True))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert refused(lan.AddComment, pb.AddCommentRequest(text="  "))[1]["text"]
    listed = lan.ListComments(pb.ListCommentsRequest(item_code="TOAN")).comments
    assert {(c.text, c.shared, c.deletable) for c in listed} == {
        ("Em tính toán nhanh, chính xác", False, True),
        ("Em chăm chỉ, tiến bộ", True, False),
    }
    assert [c.text for c in hoa.ListComments(pb.ListCommentsRequest()).comments] == ["Em chăm chỉ, tiến bộ"]
    assert (
        refused(hoa.DeleteComment, pb.DeleteCommentRequest(comment_id=mine.comment_id))[0] == grpc.StatusCode.NOT_FOUND
    )
    assert refused(lan.DeleteComment, pb.DeleteCommentRequest(comment_id=shared.comment_id))[0] == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    lan.DeleteComment(pb.DeleteCommentRequest(comment_id=mine.comment_id))
    assert len(lan.ListComments(pb.ListCommentsRequest()).comments) == 1


# -- Excel -----------------------------------------------------------------------------------------


def fill(workbook: bytes, rows: dict[str, list[Any]]) -> bytes:
    """Edit the exported workbook as a teacher would in Excel: by student code, some columns."""
    book = load_workbook(io.BytesIO(workbook))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        code = row[0].value
        for heading, value in rows.get(code, []):
            row[header.index(heading)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_export_and_import_back_through_the_same_save(as_user: Callable[..., Book], db: Engine) -> None:
    teacher = as_user()
    save(teacher, cell(BINH, "H", "6"))
    request = pb.ExportSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN")
    exported = teacher.ExportSheet(request)
    assert exported.filename == "so-theo-doi-4A-CK1-TOAN.xlsx"
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(exported.workbook)).active.iter_rows()]
    assert rows[0] == ["Mã học sinh", "Họ và tên", "Mức đạt được", "Điểm KTĐK", "Nhận xét", "Phiên bản (không sửa)"]
    assert rows[1][:4] == ["HS0001", "Nguyễn Văn An", None, None]
    assert rows[2][:4] == ["HS0002", "Trần Thị Bình", "H", 6]
    assert len(rows) == 3  # Châu left the class: not in the file

    def imported(data: bytes, key: str) -> Any:
        return teacher.ImportSheet(pb.ImportSheetRequest(
            class_id=CLASS_4A, period="CK1", subject_code="TOAN", workbook=data, idempotency_key=key
        ))  # fmt: skip

    bad = imported(fill(exported.workbook, {"HS0001": [("Mức đạt được", "X")], "HS0002": [("Điểm KTĐK", 0)]}), "i-1")
    assert [(e.row, e.column) for e in bad.errors] == [(2, "Mức đạt được"), (3, "Điểm KTĐK")]
    assert "Nguyễn Văn An" in bad.errors[0].message
    assert not bad.result.saved
    assert count(db, cells) == 1
    # Meanwhile another teacher changes Bình's cell: the import must not overwrite it.
    save(as_user("Cô Hoa"), cell(BINH, "T", "8", version=1))
    good = imported(fill(exported.workbook, {"HS0001": [("Mức đạt được", "t"), ("Điểm KTĐK", 10)],
                                             "HS0002": [("Mức đạt được", "C")]}), "i-2")  # fmt: skip
    assert not good.errors
    assert [(c.student_id, c.level, c.score) for c in good.result.saved] == [(AN, "T", 10)]
    assert [(c.current.level, c.current.updated_by_name) for c in good.result.conflicts] == [("T", "Cô Hoa")]
    unknown = Workbook()
    unknown.active.append(["Mã học sinh", "Họ và tên"])
    out = io.BytesIO()
    unknown.save(out)
    assert imported(out.getvalue(), "i-3").errors[0].column == "Mức đạt được"
    assert imported(b"not a workbook", "i-4").errors[0].message.startswith("Tệp không phải")


def test_a_deputy_who_teaches_writes_only_their_own_subject_without_a_delegation(
    as_user: Callable[..., Book],
) -> None:
    """Whole-school reach alone writes nothing: a PHT teaching Toán in 4A, not Tiếng Việt in 4B."""
    deputy = as_user("Thầy Phó hiệu trưởng", frozenset({"school", f"class_subject:{CLASS_4A}:TOAN"}))
    assert save(deputy, cell(AN, "T", "9")).saved
    code, fields = refused(
        deputy.SaveCells,
        pb.SaveCellsRequest(class_id=CLASS_4B, period="CK1", subject_code="TIENG_VIET", cells=[cell(AN, "C", "2")]),
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "Tiếng Việt" in fields["subject_code"]


# -- review fixes (issue 5): keys per user, odd version text in a workbook -----------------------


def test_a_key_is_the_senders_own_and_is_answered_only_after_the_write_checks(
    as_user: Callable[..., Book], db: Engine
) -> None:
    gvcn, gvbm = as_user("Thầy Minh", GVCN_4A), as_user("Cô Lan")
    first = save(gvcn, cell(AN, "T"), subject="HDTN", idempotency_key="K")
    assert save(gvcn, cell(AN, "T"), subject="HDTN", idempotency_key="K") == first
    # Another user with the same body and key: their own request, refused by the assignment check.
    code, fields = refused(save, gvbm, cell(AN, "T"), subject="HDTN", idempotency_key="K")
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "subject_code" in fields
    # ...and the same key does not block their own save.
    own = save(gvbm, cell(AN, "T", "9"), idempotency_key="K")
    assert [(c.student_id, c.item_code, c.score) for c in own.saved] == [(AN, "TOAN", 9)]
    assert count(db, outbox) == 2


@pytest.mark.parametrize("version", ["²", "12345678901234567890123", "١"])
def test_odd_digits_in_the_version_column_are_a_row_error_not_a_crash(
    as_user: Callable[..., Book], db: Engine, version: str
) -> None:
    teacher = as_user()
    exported = teacher.ExportSheet(pb.ExportSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN"))
    changed = fill(exported.workbook, {"HS0001": [("Mức đạt được", "T"), ("Phiên bản (không sửa)", version)]})
    answer = teacher.ImportSheet(
        pb.ImportSheetRequest(class_id=CLASS_4A, period="CK1", subject_code="TOAN", workbook=changed)
    )
    assert [(e.row, e.column) for e in answer.errors] == [(2, "Phiên bản (không sửa)")]
    assert count(db, cells) == 0
