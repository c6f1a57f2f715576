"""ResultsService over real gRPC on real databases (SQLite, and PostgreSQL when TEST_POSTGRES_URL is
set): the class summary sheet, year results with their explanations from the CN cells, the
supplementary assessment, Tiêu biểu nominations and the principal's decisions, each write with its
events in the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine, delete, insert, select, update

from school.grades.v1 import checks_pb2, checks_pb2_grpc, results_events_pb2, results_pb2, results_pb2_grpc
from school_grades.adapters.history_repository import SqlAlchemyHistoryRepository
from school_grades.adapters.tables import outbox, roster
from school_grades.adapters.tables_gradebook import cells, grade_classes, grade_years, period_locks
from school_grades.adapters.tables_results import supplementary_assessments, year_results
from school_grades.adapters.year_result_source import SqlYearResultSource
from school_grades.api.permissions import ALL, RESULT_WRITE, SCORE_READ
from school_grades.bootstrap import build
from school_grades.config import load_settings
from school_grades.domain.programme import Period, load_programme
from schoolkit.context import Caller
from schoolkit.db import make_session_factory, transaction
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key

# A whole-school scope counts in grades only with a leadership role (api/reach.py).
LEADERSHIP = ("HT",)
pytestmark = pytest.mark.integration

SCHOOL = "school-a"
YEAR = "y-2025"
C4, C5, C3 = "c-4a", "c-5a", "c-3a"
NOW = datetime(2026, 6, 20, 2, 0, tzinfo=UTC)
PROGRAMME = load_programme()
GVCN_4A = {
    "scopes": frozenset({f"class:{C4}"}),
    "permissions": frozenset({SCORE_READ, RESULT_WRITE}),
    "subject": "u-gvcn-4a",
}
HT = {"scopes": frozenset({"school"}), "permissions": frozenset(ALL)}


WRITES = ("RecordSupplementary", "Nominate", "ApproveAward", "DecidePromotion")


class Api:
    """A caller's stub. Like the pages, a write sends the version of the result the caller last
    read (fetched here when the request leaves it at 0); ``raw`` sends the request as it is."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller, *, raw: bool = False) -> None:
        self._stub = results_pb2_grpc.ResultsServiceStub(channel)
        self._channel = channel
        self._issuer = issuer
        self.caller = caller
        self._raw = raw

    def locks(self) -> Any:
        """The same caller on the grades LockService (lock and unlock a class's period)."""
        stub = checks_pb2_grpc.LockServiceStub(self._channel)
        issuer, caller = self._issuer, self.caller

        class Locks:
            def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
                method = getattr(stub, rpc)
                token = issuer.issue(caller, "grades")
                return lambda request: method(request, metadata=[("authorization", f"Bearer {token}")], timeout=20)

        return Locks()

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = getattr(self._stub, rpc)

        def call(request: Any) -> Any:
            metadata = [("authorization", f"Bearer {self._issuer.issue(self.caller, 'grades')}")]
            if rpc in WRITES and not self._raw and not request.expected_version:
                try:
                    seen = self._stub.GetYearResult(
                        results_pb2.GetYearResultRequest(
                            student_id=request.student_id, school_year_id=request.school_year_id
                        ),
                        metadata=metadata,
                        timeout=10,
                    ).result.version
                except grpc.RpcError:
                    seen = 0  # the write itself gives the refusal
                filled = type(request)()
                filled.CopyFrom(request)
                filled.expected_version = seen
                request = filled
            return method(request, metadata=metadata, timeout=10)

        return call


@pytest.fixture
def api_for(migrated_url: str, keypair: tuple[Path, Path], issuer: TokenIssuer) -> Iterator[Callable[..., Api]]:
    container = build(load_settings({"DATABASE_URL": migrated_url}), clock=lambda: NOW)
    server = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def make(
        *,
        scopes: frozenset[str] = frozenset({"school"}),
        permissions: frozenset[str] = frozenset(ALL),
        name: str = "",
        subject: str = "u-1",
        raw: bool = False,
    ) -> Api:
        caller = Caller(
            roles=LEADERSHIP if "school" in scopes else (),
            subject=subject,
            school_id=SCHOOL,
            permissions=permissions,
            scopes=scopes,
            full_name=name or "Nguyễn Thị Hoa",
        )
        return Api(channel, issuer, caller, raw=raw)

    yield make
    channel.close()
    server.stop(0)
    container.engine.dispose()


def seed_class(engine: Engine) -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(grade_years).values(
                id=YEAR,
                school_id=SCHOOL,
                name="2025-2026",
                starts_on=date(2025, 9, 5),
                ends_on=date(2026, 5, 31),
                hk1_ends_on=date(2026, 1, 16),
                version=1,
                updated_at=now,
            )
        )
        for class_id, name, grade in ((C4, "4A", 4), (C5, "5A", 5), (C3, "3A", 3)):
            conn.execute(
                insert(grade_classes).values(
                    id=class_id,
                    school_id=SCHOOL,
                    school_year_id=YEAR,
                    name=name,
                    grade_level=grade,
                    version=1,
                    updated_at=now,
                )
            )


def enrol(engine: Engine, student_id: str, name: str, class_id: str, *, left: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(roster).values(
                student_id=student_id,
                school_id=SCHOOL,
                class_id=class_id,
                class_name=class_id,
                student_code="HS" + student_id[-4:],
                full_name=name,
                name_sort_key=name.lower(),
                date_of_birth=date(2016, 3, 1),
                last_event_seq=None,
                updated_at=datetime(2026, 5, 1, tzinfo=UTC),
                left_on=date(2026, 3, 1) if left else None,
                left_status=left,
            )
        )


def fill(
    engine: Engine,
    student_id: str,
    class_id: str,
    grade: int,
    *,
    levels: dict[str, str] | None = None,
    scores: dict[str, int] | None = None,
    skip: tuple[str, ...] = (),
    period: Period = Period.CN,
) -> None:
    """Every CN value of a pupil: T everywhere, 9 on every test, then the given changes."""
    levels = levels or {}
    scores = scores or {}
    tested = PROGRAMME.tested(grade, period)
    rows = []
    for subject in PROGRAMME.subjects_of(grade, with_electives=False):
        code = subject.code
        if code in skip:
            continue
        rows.append(
            {
                "kind": "SUBJECT",
                "item_code": code,
                "level": levels.get(code, "T"),
                "score": scores.get(code, 9) if code in tested else None,
            }
        )
    for code in PROGRAMME.items:
        if code not in skip:
            rows.append({"kind": "ITEM", "item_code": code, "level": levels.get(code, "T"), "score": None})
    with engine.begin() as conn:
        for row in rows:
            conn.execute(
                insert(cells).values(
                    school_id=SCHOOL,
                    class_id=class_id,
                    student_id=student_id,
                    school_year_id=YEAR,
                    period=period.value,
                    comment="",
                    version=1,
                    updated_by="t-1",
                    updated_by_name="Giáo viên",
                    updated_at=datetime(2026, 5, 20, tzinfo=UTC),
                    **row,
                )
            )


def lock_cn(engine: Engine, class_id: str) -> None:
    """CN locked as the checks' lock leaves it (version 1): results are computed only from a locked CN."""
    with engine.begin() as conn:
        conn.execute(
            insert(period_locks).values(
                school_id=SCHOOL,
                class_id=class_id,
                period="CN",
                locked=True,
                locked_at=datetime(2026, 6, 1, tzinfo=UTC),
                locked_by="u-ht",
                version=1,
            )
        )


def events(engine: Engine) -> list[Any]:
    kinds = {
        "school.grades.v1.YearResultComputed": results_events_pb2.YearResultComputed,
        "school.grades.v1.PromotionDecided": results_events_pb2.PromotionDecided,
    }
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.event_type, outbox.c.payload, outbox.c.topic).order_by(outbox.c.seq)).all()
    assert {r[2] for r in rows} <= {"school.grades.v1"}
    return [kinds[r[0]].FromString(r[1]) for r in rows if r[0] in kinds]  # not the lock's own events


def failure(call: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), field_violations(info.value)


@pytest.fixture
def school(engine: Engine) -> Engine:
    """Grade 4A: An (all T, every test ≥ 9), Bình (Âm nhạc = H), Cường (Toán test 4), Dung (Toán
    test 8), Em who left in March; grade 5A: Giang (all T, Tiếng Việt 7)."""
    seed_class(engine)
    for sid, name in (("st-0001", "Nguyễn Văn An"), ("st-0002", "Trần Thị Bình"), ("st-0003", "Lê Văn Cường")):
        enrol(engine, sid, name, C4)
    enrol(engine, "st-0004", "Phạm Thị Dung", C4)
    enrol(engine, "st-0005", "Vũ Văn Em", C4, left="CHUYEN_DI")
    enrol(engine, "st-0006", "Đỗ Thị Giang", C5)
    fill(engine, "st-0001", C4, 4, scores={"TIENG_VIET": 10})
    fill(engine, "st-0002", C4, 4, levels={"AM_NHAC": "H"}, scores={"TOAN": 10})
    fill(engine, "st-0003", C4, 4, levels={"MI_THUAT": "H", "NL_TINH_TOAN": "Đ"}, scores={"TOAN": 4})
    fill(engine, "st-0004", C4, 4, scores={"TOAN": 8})
    fill(engine, "st-0006", C5, 5, scores={"TIENG_VIET": 7})
    for class_id in (C4, C5, C3):
        lock_cn(engine, class_id)
    return engine


def by_name(results: Any) -> dict[str, Any]:
    return {r.full_name: r for r in results.results}


# -- year results -----------------------------------------------------------------------------------


def test_year_results_carry_the_explanation_and_go_out_as_events(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn = api_for(**GVCN_4A)
    computed = gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4)).results
    assert computed.changed == 4
    assert (computed.class_name, computed.grade_level, computed.school_year_name) == ("4A", 4, "2025-2026")
    got = by_name(computed)
    assert set(got) == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"}  # Em left
    an, binh, cuong, dung = got["Nguyễn Văn An"], got["Trần Thị Bình"], got["Lê Văn Cường"], got["Phạm Thị Dung"]
    assert (an.result, an.result_name, an.award, an.award_name) == (
        "HTXS",
        "Hoàn thành xuất sắc",
        "HS_XUAT_SAC",
        "Học sinh Xuất sắc",
    )
    assert list(an.explanation) == []
    assert (an.completion, an.decision, an.decision_basis) == ("Hoàn thành chương trình lớp 4", "LEN_LOP", "KET_QUA")
    assert binh.result == "HT"
    assert list(binh.explanation) == [
        "Không đạt Hoàn thành xuất sắc vì: Nghệ thuật (Âm nhạc) = H",
        "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H",
    ]
    assert dung.result == "HTT"
    assert list(dung.explanation) == ["Không đạt Hoàn thành xuất sắc vì: điểm kiểm tra cuối năm Toán = 8 (cần từ 9)"]
    assert cuong.result == "CHT"
    assert cuong.explanation[-1] == ("Không đạt Hoàn thành vì: điểm kiểm tra cuối năm Toán = 4 (cần từ 5)")
    assert "Nghệ thuật (Mĩ thuật) = H" in cuong.explanation[0]
    assert "Tính toán: Đạt" in cuong.explanation[0]
    assert (cuong.completes_grade, cuong.decision, list(cuong.status_lines)) == (
        False,
        "",
        ["Chưa hoàn thành chương trình lớp 4", "Chờ quyết định lên lớp hay ở lại lớp của hiệu trưởng"],
    )

    published = events(school)
    results = {e.student_id: e for e in published if isinstance(e, results_events_pb2.YearResultComputed)}
    decisions = {e.student_id: e for e in published if isinstance(e, results_events_pb2.PromotionDecided)}
    assert {sid: e.result for sid, e in results.items()} == {
        "st-0001": "HTXS",
        "st-0002": "HT",
        "st-0003": "CHT",
        "st-0004": "HTT",
    }
    assert results["st-0001"].award == "HS_XUAT_SAC"
    assert {sid: e.decision for sid, e in decisions.items()} == {
        "st-0001": "LEN_LOP",
        "st-0002": "LEN_LOP",
        "st-0004": "LEN_LOP",
    }  # Cường waits for the principal: nothing to announce
    assert all(e.school_year_id == YEAR and e.grade_level == 4 for e in published)

    # Recomputing unchanged levels changes and publishes nothing.
    again = gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4)).results
    assert again.changed == 0
    assert len(events(school)) == len(published)
    assert [r.version for r in again.results] == [r.version for r in computed.results]

    # Stored results read back the same, through ListYearResults and GetYearResult.
    listed = gvcn.ListYearResults(results_pb2.ListYearResultsRequest(class_id=C4)).results
    assert list(by_name(listed)["Trần Thị Bình"].explanation) == list(binh.explanation)
    one = gvcn.GetYearResult(results_pb2.GetYearResultRequest(student_id="st-0002", school_year_id=YEAR)).result
    assert one.explanation[1] == "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H"


def test_grade_five_completes_primary(school: Engine, api_for: Callable[..., Api]) -> None:
    result = api_for().ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C5)).results.results[0]
    assert (result.result, result.completion, result.decision, result.decision_name) == (
        "HTT",
        "Hoàn thành chương trình tiểu học",
        "HOAN_THANH_CT_TIEU_HOC",
        "Hoàn thành chương trình tiểu học",
    )
    decided = [e for e in events(school) if isinstance(e, results_events_pb2.PromotionDecided)]
    assert [(e.student_id, e.decision, e.basis) for e in decided] == [("st-0006", "HOAN_THANH_CT_TIEU_HOC", "KET_QUA")]


def test_incomplete_cn_is_refused_naming_each_pupil_and_nothing_is_stored(
    school: Engine, api_for: Callable[..., Api]
) -> None:
    with school.begin() as conn:
        conn.execute(delete(cells).where(cells.c.student_id == "st-0002", cells.c.item_code == "TOAN"))
        conn.execute(delete(cells).where(cells.c.student_id == "st-0004", cells.c.item_code == "PC_TRUNG_THUC"))
    code, fields = failure(api_for().ComputeYearResults, results_pb2.ComputeYearResultsRequest(class_id=C4))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields == {
        "HS0002": "Trần Thị Bình: thiếu 2 mục (mức Toán, điểm Toán)",
        "HS0004": "Phạm Thị Dung: thiếu 1 mục (Trung thực)",
    }
    with school.connect() as conn:
        assert conn.execute(select(year_results)).all() == []
    assert events(school) == []
    # The list shows who lacks what, without computing anything.
    listed = api_for().ListYearResults(results_pb2.ListYearResultsRequest(class_id=C4)).results
    gaps = {g.full_name: list(g.missing) for g in listed.gaps}
    assert gaps["Trần Thị Bình"] == [
        "Chưa có mức đạt được cuối năm của Toán",
        "Chưa có điểm kiểm tra cuối năm môn Toán",
    ]
    assert gaps["Nguyễn Văn An"] == []


def test_supplementary_then_the_principal_decides_and_students_hears_it(
    school: Engine, api_for: Callable[..., Api]
) -> None:
    gvcn, ht = api_for(**GVCN_4A), api_for(**HT, name="Trần Văn Hiệu")
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    failed = gvcn.RecordSupplementary(
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003",
            school_year_id=YEAR,
            assessed_on="2026-06-15",
            subjects=["TOAN", "MI_THUAT"],
            outcome="CHUA_HOAN_THANH",
            note="Đã phụ đạo 3 tuần",
        )
    ).result
    assert (failed.result, failed.computed_result) == ("CHT", "CHT")
    assert [(s.assessed_on, list(s.subject_names), s.outcome_name) for s in failed.supplementary] == [
        ("2026-06-15", ["Toán", "Nghệ thuật (Mĩ thuật)"], "Chưa hoàn thành chương trình lớp học")
    ]
    assert failed.supplementary[0].recorded_by_name == "Nguyễn Thị Hoa"

    # The GVCN cannot decide; the principal can, with the decision's number and date.
    request = results_pb2.DecidePromotionRequest(
        student_id="st-0003",
        school_year_id=YEAR,
        decision="O_LAI_LOP",
        decision_ref="15/QĐ-THTV",
        decided_on="2026-06-19",
    )
    code, _ = failure(gvcn.DecidePromotion, request)
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _ = failure(api_for(scopes=GVCN_4A["scopes"]).DecidePromotion, request)
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, fields = failure(
        ht.DecidePromotion,
        results_pb2.DecidePromotionRequest(student_id="st-0003", school_year_id=YEAR, decision="LEN", decided_on="x"),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields) == {"decision", "decision_ref", "decided_on"}
    decided = ht.DecidePromotion(request).result
    assert (decided.decision, decided.decision_basis, decided.decision_ref, decided.decided_on) == (
        "O_LAI_LOP",
        "HIEU_TRUONG",
        "15/QĐ-THTV",
        "2026-06-19",
    )
    assert decided.status_lines[-1] == (
        "Quyết định của hiệu trưởng số 15/QĐ-THTV ngày 19/06/2026: Chưa được lên lớp (ở lại lớp)"
    )
    last = events(school)[-1]
    assert isinstance(last, results_events_pb2.PromotionDecided)
    assert (last.student_id, last.decision, last.basis, last.decision_ref, last.decided_on) == (
        "st-0003",
        "O_LAI_LOP",
        "HIEU_TRUONG",
        "15/QĐ-THTV",
        "2026-06-19",
    )
    # A stale version is a conflict; a principal's decision is refused for a pupil who completed.
    stale = results_pb2.DecidePromotionRequest(
        student_id="st-0003",
        school_year_id=YEAR,
        decision="LEN_LOP",
        decision_ref="16/QĐ",
        decided_on="2026-06-19",
        expected_version=1,
    )
    code, _ = failure(ht.DecidePromotion, stale)
    assert code == grpc.StatusCode.ABORTED
    code, fields = failure(
        ht.DecidePromotion,
        results_pb2.DecidePromotionRequest(
            student_id="st-0001", school_year_id=YEAR, decision="O_LAI_LOP", decision_ref="1", decided_on="2026-06-19"
        ),
    )
    assert "đã hoàn thành chương trình lớp học" in fields["student_id"]

    # Once the principal has decided, the GVCN's assessment no longer overrides it, backdated or not.
    published = len(events(school))
    for day in ("2026-06-20", "2026-06-16"):
        code, fields = failure(
            gvcn.RecordSupplementary,
            results_pb2.RecordSupplementaryRequest(
                student_id="st-0003", school_year_id=YEAR, assessed_on=day, subjects=["TOAN"], outcome="HOAN_THANH"
            ),
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert fields["student_id"] == (
            "Hiệu trưởng đã quyết định (15/QĐ-THTV ngày 19/06/2026) nên không ghi thêm đánh giá bổ sung được"
        )
    kept = gvcn.GetYearResult(results_pb2.GetYearResultRequest(student_id="st-0003", school_year_id=YEAR)).result
    assert (kept.result, kept.decision, kept.decision_basis, len(kept.supplementary)) == (
        "CHT",
        "O_LAI_LOP",
        "HIEU_TRUONG",
        1,
    )
    assert len(events(school)) == published


def test_a_successful_supplementary_assessment_completes_the_grade(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn = api_for(**GVCN_4A)
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    passed = gvcn.RecordSupplementary(
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003", school_year_id=YEAR, assessed_on="2026-06-20", subjects=["TOAN"], outcome="HOAN_THANH"
        )
    ).result
    assert (passed.computed_result, passed.result, passed.decision, passed.decision_basis) == (
        "CHT",
        "HT",
        "LEN_LOP",
        "DANH_GIA_BO_SUNG",
    )
    tail = events(school)[-2:]
    assert [type(e).__name__ for e in tail] == ["YearResultComputed", "PromotionDecided"]
    assert (tail[0].result, tail[0].computed_result, tail[1].decision) == ("HT", "CHT", "LEN_LOP")
    # The principal has nothing to decide for a pupil who completed the grade.
    _, fields = failure(
        api_for(**HT).DecidePromotion,
        results_pb2.DecidePromotionRequest(
            student_id="st-0003", school_year_id=YEAR, decision="O_LAI_LOP", decision_ref="1", decided_on="2026-06-20"
        ),
    )
    assert "đã hoàn thành chương trình lớp học" in fields["student_id"]


def test_supplementary_input_is_checked_and_only_for_cht(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn = api_for(**GVCN_4A)
    # Before the class is computed: the pupil without a result, and writes refused on the pupil.
    empty = gvcn.GetYearResult(results_pb2.GetYearResultRequest(student_id="st-0003")).result
    assert (empty.full_name, empty.result, empty.class_id) == ("Lê Văn Cường", "", C4)
    code, fields = failure(
        gvcn.RecordSupplementary,
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003", assessed_on="2026-06-15", subjects=["TOAN"], outcome="HOAN_THANH"
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "hãy tính kết quả cuối năm của lớp trước" in fields["student_id"]
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    code, fields = failure(
        gvcn.RecordSupplementary,
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003", school_year_id=YEAR, assessed_on="15/06/2026", subjects=["HOA_HOC"], outcome="DAT"
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields) == {"assessed_on", "subjects", "outcome"}
    code, fields = failure(
        gvcn.RecordSupplementary,
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0001", school_year_id=YEAR, assessed_on="2026-06-15", subjects=["TOAN"], outcome="HOAN_THANH"
        ),
    )
    assert "(kết quả: Hoàn thành xuất sắc)" in fields["student_id"]
    code, fields = failure(
        gvcn.RecordSupplementary,
        results_pb2.RecordSupplementaryRequest(student_id="st-0009", school_year_id=YEAR),
    )
    assert code == grpc.StatusCode.NOT_FOUND


def test_tieu_bieu_needs_htt_evidence_the_class_and_the_principal(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn, ht = api_for(**GVCN_4A), api_for(**HT)
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    code, fields = failure(
        gvcn.Nominate,
        results_pb2.NominateRequest(
            student_id="st-0002", school_year_id=YEAR, evidence="Giải nhất thi vẽ cấp trường", recognised_by_class=True
        ),
    )
    assert "(kết quả: Hoàn thành)" in fields["student_id"]
    code, fields = failure(
        gvcn.Nominate,
        results_pb2.NominateRequest(
            student_id="st-0004", school_year_id=YEAR, evidence="Giỏi", recognised_by_class=True
        ),
    )
    assert "evidence" in fields
    code, fields = failure(
        gvcn.Nominate,
        results_pb2.NominateRequest(
            student_id="st-0004", school_year_id=YEAR, evidence="Tiến bộ rõ rệt về tự học", recognised_by_class=False
        ),
    )
    assert "recognised_by_class" in fields
    nominated = gvcn.Nominate(
        results_pb2.NominateRequest(
            student_id="st-0004", school_year_id=YEAR, evidence="Giải nhì Toán cấp huyện", recognised_by_class=True
        )
    ).result
    assert (nominated.nomination.approval, nominated.award) == ("PENDING", "")
    code, _ = failure(
        gvcn.ApproveAward, results_pb2.ApproveAwardRequest(student_id="st-0004", school_year_id=YEAR, approve=True)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    approved = ht.ApproveAward(
        results_pb2.ApproveAwardRequest(student_id="st-0004", school_year_id=YEAR, approve=True)
    ).result
    assert (approved.nomination.approval, approved.award, approved.award_name) == (
        "APPROVED",
        "HS_TIEU_BIEU",
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
    )
    last = events(school)[-1]
    assert isinstance(last, results_events_pb2.YearResultComputed)
    assert (last.student_id, last.award) == ("st-0004", "HS_TIEU_BIEU")
    assert "Giải nhì" not in str(last)  # the evidence stays in grades

    withdrawn = gvcn.Nominate(
        results_pb2.NominateRequest(student_id="st-0004", school_year_id=YEAR, withdraw=True)
    ).result
    assert (withdrawn.award, withdrawn.HasField("nomination")) == ("", False)


def test_a_whole_empty_class_is_refused_in_a_bounded_message(school: Engine, api_for: Callable[..., Api]) -> None:
    for n in range(30):
        enrol(school, f"st-9{n:03d}", f"Học Sinh {n:02d}", C3)
    code, fields = failure(api_for().ComputeYearResults, results_pb2.ComputeYearResultsRequest(class_id=C3))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(fields) == 21
    assert fields["more"] == "và 10 học sinh khác"
    assert fields["HS9000"] == "Học Sinh 00: thiếu 31 mục (mức Tiếng Việt, mức Toán, mức Ngoại ngữ 1, mức Đạo đức, …)"


def test_reach_of_each_role(school: Engine, api_for: Callable[..., Api]) -> None:
    other_gvcn = api_for(scopes=frozenset({f"class:{C5}"}), permissions=frozenset({SCORE_READ, RESULT_WRITE}))
    for call, request in (
        (other_gvcn.ComputeYearResults, results_pb2.ComputeYearResultsRequest(class_id=C4)),
        (other_gvcn.ListYearResults, results_pb2.ListYearResultsRequest(class_id=C4)),
        (other_gvcn.GetClassSummary, results_pb2.GetClassSummaryRequest(class_id=C4, period="CN")),
    ):
        code, fields = failure(call, request)
        assert code == grpc.StatusCode.PERMISSION_DENIED
        assert fields == {"class_id": "Bạn không được phân công lớp này"}
    api_for(**HT).ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    code, _ = failure(
        other_gvcn.GetYearResult, results_pb2.GetYearResultRequest(student_id="st-0001", school_year_id=YEAR)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    # A GVBM reads the summary of a class they teach but computes nothing.
    gvbm = api_for(scopes=frozenset({f"class_subject:{C4}:TOAN"}), permissions=frozenset({SCORE_READ}))
    assert gvbm.GetClassSummary(results_pb2.GetClassSummaryRequest(class_id=C4, period="CN")).summary.rows
    code, _ = failure(gvbm.ComputeYearResults, results_pb2.ComputeYearResultsRequest(class_id=C4))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, fields = failure(api_for().GetClassSummary, results_pb2.GetClassSummaryRequest(class_id="nope", period="CN"))
    assert code == grpc.StatusCode.NOT_FOUND
    code, fields = failure(api_for().GetClassSummary, results_pb2.GetClassSummaryRequest(class_id=C4, period="HK1"))
    assert fields == {"period": "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN"}


# -- Bảng tổng hợp ----------------------------------------------------------------------------------


def test_class_summary_lists_every_value_and_pupils_who_left(school: Engine, api_for: Callable[..., Api]) -> None:
    fill(school, "st-0001", C4, 4, period=Period.GK1, levels={"TOAN": "H"}, skip=("PC_YEU_NUOC",))
    summary = api_for(**GVCN_4A).GetClassSummary(results_pb2.GetClassSummaryRequest(class_id=C4, period="CN")).summary
    assert (summary.class_name, summary.period, summary.period_name, summary.grade_level) == (
        "4A",
        "CN",
        "Cuối năm học",
        4,
    )
    codes = [c.code for c in summary.subjects]
    assert codes[:2] == ["TIENG_VIET", "TOAN"]
    assert {c.code for c in summary.subjects if c.tested} == set(PROGRAMME.tested(4, Period.CN))
    assert [c.code for c in summary.items] == list(PROGRAMME.items)
    rows = {r.full_name: r for r in summary.rows}
    assert list(rows) == sorted(rows, key=str.lower)  # roster (name) order, never by results
    binh = {c.code: c for c in rows["Trần Thị Bình"].cells}
    assert (binh["AM_NHAC"].level, binh["TOAN"].level, binh["TOAN"].score) == ("H", "T", 10)
    assert rows["Trần Thị Bình"].missing == 0
    em = rows["Vũ Văn Em"]
    assert (em.left_status, em.left_on) == ("CHUYEN_DI", "2026-03-01")
    am_nhac = next(c for c in summary.subjects if c.code == "AM_NHAC")
    assert dict(am_nhac.level_counts) == {"T": 3, "H": 1}

    gk1 = api_for(**GVCN_4A).GetClassSummary(results_pb2.GetClassSummaryRequest(class_id=C4, period="GK1")).summary
    rows = {r.full_name: r for r in gk1.rows}
    assert {c.code for c in gk1.subjects if c.tested} == {"TIENG_VIET", "TOAN"}
    an = {c.code: c for c in rows["Nguyễn Văn An"].cells}
    assert (an["TOAN"].level, an["PC_YEU_NUOC"].level) == ("H", "")
    assert rows["Nguyễn Văn An"].missing == 1
    assert rows["Trần Thị Bình"].missing == len(PROGRAMME.subjects_of(4, with_electives=False)) + 15 + 2


# -- the học bạ's data source -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The shape of the records module's YearOutcomeInfo (helper D), built by keyword."""

    result: str = ""
    awards: tuple[str, ...] = ()
    completed: bool | None = None
    completion_note: str = ""


def test_year_result_source_gives_the_hoc_ba_its_lines(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn, ht = api_for(**GVCN_4A), api_for(**HT)
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    source = SqlYearResultSource(make_session_factory(school), Outcome)
    before = source.outcomes(SCHOOL, YEAR, C4)
    assert before["st-0001"] == Outcome("HTXS", ("HS_XUAT_SAC",), True, "")
    assert before["st-0003"] == Outcome("CHT", (), None, "")  # waiting for the principal: no line yet
    gvcn.RecordSupplementary(
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003",
            school_year_id=YEAR,
            assessed_on="2026-06-15",
            subjects=["TOAN"],
            outcome="CHUA_HOAN_THANH",
        )
    )
    ht.DecidePromotion(
        results_pb2.DecidePromotionRequest(
            student_id="st-0003", school_year_id=YEAR, decision="LEN_LOP", decision_ref="15/QĐ", decided_on="2026-06-19"
        )
    )
    assert source.outcomes(SCHOOL, YEAR, C4)["st-0003"] == Outcome(
        "CHT", (), False, "Quyết định của hiệu trưởng số 15/QĐ ngày 19/06/2026: Được lên lớp"
    )
    # Another CHT pupil whom a supplementary assessment finds completing the grade.
    enrol(school, "st-0007", "Ngô Văn Khang", C4)
    fill(school, "st-0007", C4, 4, scores={"TOAN": 3})
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    gvcn.RecordSupplementary(
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0007", school_year_id=YEAR, assessed_on="2026-06-20", subjects=["TOAN"], outcome="HOAN_THANH"
        )
    )
    assert source.outcomes(SCHOOL, YEAR, C4)["st-0007"] == Outcome(
        "HT", (), True, "Đã hoàn thành sau đánh giá bổ sung ngày 20/06/2026"
    )
    assert source.outcomes(SCHOOL, YEAR, C5) == {}
    # CN unlocked: the stored results no longer print on the học bạ until computed again.
    with school.begin() as conn:
        conn.execute(update(period_locks).where(period_locks.c.class_id == C4).values(locked=False, version=2))
    assert source.outcomes(SCHOOL, YEAR, C4) == {}


def test_results_follow_a_merge_and_go_with_a_deleted_record(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn = api_for(**GVCN_4A)
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    gvcn.RecordSupplementary(
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003", assessed_on="2026-06-15", subjects=["TOAN"], outcome="CHUA_HOAN_THANH"
        )
    )
    sessions = make_session_factory(school)

    def held() -> dict[str, tuple[str, int]]:
        with school.connect() as conn:
            results = {r.student_id: r.result for r in conn.execute(select(year_results))}
            extra = {r.student_id for r in conn.execute(select(supplementary_assessments))}
        return {sid: (res, int(sid in extra)) for sid, res in results.items()}

    with transaction(sessions) as session:  # a duplicate record with no result of its own: it takes Cường's
        SqlAlchemyHistoryRepository(session).repoint("st-0003", "st-0042")
    assert held()["st-0042"] == ("CHT", 1)
    assert "st-0003" not in held()
    with transaction(sessions) as session:  # the kept record has its own result: the duplicate's goes
        SqlAlchemyHistoryRepository(session).repoint("st-0042", "st-0001")
    assert "st-0042" not in held()
    assert held()["st-0001"] == ("HTXS", 0)
    with transaction(sessions) as session:
        SqlAlchemyHistoryRepository(session).drop("st-0002")
    assert "st-0002" not in held()


# -- review findings (issue 5): locks, versions, separation of duties -------------------------------


def test_a_write_without_the_version_seen_is_refused(school: Engine, api_for: Callable[..., Api]) -> None:
    api_for(**GVCN_4A).ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    raw = api_for(**GVCN_4A, raw=True)
    code, fields = failure(
        raw.Nominate,
        results_pb2.NominateRequest(
            student_id="st-0004", school_year_id=YEAR, evidence="Giải nhì Toán cấp huyện", recognised_by_class=True
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields == {"expected_version": "Thiếu phiên bản kết quả đã xem; hãy tải lại trang rồi làm lại"}
    code, _ = failure(
        api_for(**HT, raw=True).DecidePromotion,
        results_pb2.DecidePromotionRequest(
            student_id="st-0003",
            school_year_id=YEAR,
            decision="O_LAI_LOP",
            decision_ref="1",
            decided_on="2026-06-19",
            expected_version=-3,
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_the_principal_does_not_approve_a_nomination_of_their_own(school: Engine, api_for: Callable[..., Api]) -> None:
    ht = api_for(**HT)
    ht.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    ht.Nominate(
        results_pb2.NominateRequest(
            student_id="st-0004", school_year_id=YEAR, evidence="Giải nhì Toán cấp huyện", recognised_by_class=True
        )
    )
    code, fields = failure(
        ht.ApproveAward, results_pb2.ApproveAwardRequest(student_id="st-0004", school_year_id=YEAR, approve=True)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert fields == {"student_id": "Không được tự duyệt đề nghị khen Học sinh Tiêu biểu do chính mình lập"}
    pending = ht.GetYearResult(results_pb2.GetYearResultRequest(student_id="st-0004", school_year_id=YEAR)).result
    assert (pending.nomination.approval, pending.award) == ("PENDING", "")
    # Another principal (or deputy holding the decision) may approve it.
    approved = (
        api_for(**HT, subject="u-ht-2")
        .ApproveAward(results_pb2.ApproveAwardRequest(student_id="st-0004", school_year_id=YEAR, approve=True))
        .result
    )
    assert approved.award == "HS_TIEU_BIEU"


def test_the_principal_decides_only_after_a_failed_supplementary_assessment(
    school: Engine, api_for: Callable[..., Api]
) -> None:
    api_for(**GVCN_4A).ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    code, fields = failure(
        api_for(**HT).DecidePromotion,
        results_pb2.DecidePromotionRequest(
            student_id="st-0003",
            school_year_id=YEAR,
            decision="O_LAI_LOP",
            decision_ref="15/QĐ",
            decided_on="2026-06-19",
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "đã đánh giá bổ sung và học sinh vẫn chưa hoàn thành" in fields["student_id"]
    assert not [e for e in events(school) if e.student_id == "st-0003" and e.DESCRIPTOR.name == "PromotionDecided"]


def test_results_are_computed_only_from_a_locked_cn(school: Engine, api_for: Callable[..., Api]) -> None:
    with school.begin() as conn:
        conn.execute(delete(period_locks).where(period_locks.c.class_id == C4))
    code, fields = failure(api_for(**GVCN_4A).ComputeYearResults, results_pb2.ComputeYearResultsRequest(class_id=C4))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "chưa khóa sổ" in fields["class_id"]
    with school.connect() as conn:
        assert conn.execute(select(year_results)).all() == []
    assert events(school) == []


def test_results_go_stale_when_cn_is_unlocked_until_computed_again(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn, ht = api_for(**GVCN_4A), api_for(**HT, subject="u-ht")
    gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4))
    gvcn.RecordSupplementary(
        results_pb2.RecordSupplementaryRequest(
            student_id="st-0003",
            school_year_id=YEAR,
            assessed_on="2026-06-15",
            subjects=["TOAN"],
            outcome="CHUA_HOAN_THANH",
        )
    )
    published = len(events(school))
    locks = ht.locks()
    locks.UnlockPeriod(checks_pb2.UnlockPeriodRequest(class_id=C4, period="CN", reason="Sửa điểm Toán của Cường"))

    listed = gvcn.ListYearResults(results_pb2.ListYearResultsRequest(class_id=C4)).results
    assert all(r.stale for r in listed.results)
    assert all(r.status_lines[0] == "Cần tổng hợp lại sau khi mở khóa sổ kỳ Cuối năm" for r in listed.results)
    one = gvcn.GetYearResult(results_pb2.GetYearResultRequest(student_id="st-0003", school_year_id=YEAR)).result
    assert one.stale
    decide = results_pb2.DecidePromotionRequest(
        student_id="st-0003", school_year_id=YEAR, decision="O_LAI_LOP", decision_ref="15/QĐ", decided_on="2026-06-19"
    )
    code, fields = failure(ht.DecidePromotion, decide)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "khóa sổ lại rồi tổng hợp lại" in fields["student_id"]
    code, _ = failure(gvcn.ComputeYearResults, results_pb2.ComputeYearResultsRequest(class_id=C4))
    assert code == grpc.StatusCode.INVALID_ARGUMENT

    # Relocked but not computed again: still stale, nothing is published from it.
    locks.LockPeriod(checks_pb2.LockPeriodRequest(class_id=C4, period="CN"))
    assert gvcn.GetYearResult(results_pb2.GetYearResultRequest(student_id="st-0003", school_year_id=YEAR)).result.stale
    code, _ = failure(ht.DecidePromotion, decide)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(events(school)) == published

    # Computed again from the relocked CN: current, and the unchanged results announce nothing new.
    again = gvcn.ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=C4)).results
    assert not any(r.stale for r in again.results)
    assert len(events(school)) == published
    decided = ht.DecidePromotion(decide).result
    assert (decided.decision, decided.stale) == ("O_LAI_LOP", False)


def test_simultaneous_first_computes_of_a_class_all_answer(school: Engine, api_for: Callable[..., Api]) -> None:
    gvcn = api_for(**GVCN_4A)
    request = results_pb2.ComputeYearResultsRequest(class_id=C4)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: _outcome(gvcn.ComputeYearResults, request), range(4)))
    assert all(a in ("OK", grpc.StatusCode.ABORTED) for a in answers), answers
    assert "OK" in answers
    with school.connect() as conn:
        assert len(conn.execute(select(year_results)).all()) == 4
    computed = [e for e in events(school) if isinstance(e, results_events_pb2.YearResultComputed)]
    assert sorted(e.student_id for e in computed) == ["st-0001", "st-0002", "st-0003", "st-0004"]


def _outcome(call: Callable[[Any], Any], request: Any) -> Any:
    try:
        call(request)
    except grpc.RpcError as err:
        return err.code()
    return "OK"
