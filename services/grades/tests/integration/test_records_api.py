"""RecordsService over a real gRPC server on a real port, on each database kind: print, archive
(sign, store, chain, RecordArchived in the outbox), list, download, verify, and the refusals."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import records_events_pb2, records_pb2, records_pb2_grpc, results_pb2, results_pb2_grpc
from school.students.v1 import events_pb2, students_pb2
from school_grades.adapters.signing import DemoCertificate, PadesValidator, generate_demo_certificate
from school_grades.adapters.tables import outbox
from school_grades.adapters.tables_gradebook import cells, period_locks
from school_grades.api.permissions import ALL, RECORD_PRINT
from school_grades.bootstrap import Container, build
from school_grades.config import load_settings
from school_grades.domain.programme import Period, load_programme
from school_grades.events.inbound import HANDLERS
from schoolkit.context import Caller
from schoolkit.db import transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.logging import configure_logging
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key

# A whole-school scope counts in grades only with a leadership role (api/reach.py).
LEADERSHIP = ("HT",)
pytestmark = pytest.mark.integration

SCHOOL = "school-a"
CLASS = "c-3a"
PUPILS = [
    ("st-1", "HS000001", "Nguyễn Thị Ánh Tuyết"),
    ("st-2", "HS000002", "Trần Văn Bình"),
    ("st-3", "HS000003", "Lê Hoàng Yến"),
]


def apply(sessions: sessionmaker[Session], message: Any, school_id: str = SCHOOL) -> None:
    event = CloudEvent(
        id=str(uuid.uuid4()),
        source=f"/schools/{school_id}/students",
        type=message.DESCRIPTOR.full_name,
        data=message.SerializeToString(),
    )
    with transaction(sessions) as session:
        HANDLERS[event.type](session, event)


def seed(sessions: sessionmaker[Session]) -> None:
    """Year 2025-2026, class 3A, three pupils through students' events; CK1 and CN cells of the grade book."""
    apply(
        sessions,
        events_pb2.SchoolYearCreated(
            school_id=SCHOOL,
            school_year=students_pb2.SchoolYear(
                school_year_id="y1", name="2025-2026", start_date="2025-09-05", end_date="2026-05-31", version=1
            ),
        ),
    )
    apply(
        sessions,
        events_pb2.ClassCreated(
            school_id=SCHOOL,
            school_class=students_pb2.SchoolClass(
                class_id=CLASS, school_year_id="y1", name="3A", grade_level=3, max_size=35, version=1
            ),
        ),
    )
    for student_id, code, name in PUPILS:
        apply(
            sessions,
            events_pb2.StudentEnrolled(
                school_id=SCHOOL,
                student=students_pb2.Student(
                    student_id=student_id,
                    student_code=code,
                    full_name=name,
                    date_of_birth="2017-03-01",
                    gender=students_pb2.GENDER_FEMALE,
                    class_id=CLASS,
                    version=1,
                ),
                class_name="3A",
                grade_level=3,
                school_year_id="y1",
                enrolled_on="2025-09-05",
            ),
        )
    now = datetime(2026, 5, 20, tzinfo=UTC)
    rows = []
    for period in ("CK1", "CN"):
        for student_id, _, _ in PUPILS:
            for code, kind, level, score in (
                ("TIENG_VIET", "SUBJECT", "T", 9),
                ("TOAN", "SUBJECT", "H", 7),
                ("DAO_DUC", "SUBJECT", "T", None),
                ("PC_CHAM_CHI", "ITEM", "Đ", None),
                ("NL_NGON_NGU", "ITEM", "T", None),
            ):
                rows.append(
                    {
                        "school_id": SCHOOL,
                        "class_id": CLASS,
                        "student_id": student_id,
                        "school_year_id": "y1",
                        "period": period,
                        "item_code": code,
                        "kind": kind,
                        "level": level,
                        "score": score,
                        "comment": "Em tiến bộ rõ rệt trong học kì" if code == "TOAN" else "",
                        "version": 1,
                        "updated_by": "u-gv",
                        "updated_by_name": "Giáo viên",
                        "updated_at": now,
                    }
                )
    with transaction(sessions) as session:
        session.execute(cells.insert(), rows)


@pytest.fixture
def certificate(tmp_path: Path) -> DemoCertificate:
    return generate_demo_certificate(tmp_path / "keys", school_name="Trường Tiểu học Nguyễn Du")


def settings_for(url: str, tmp_path: Path, cert: DemoCertificate | None) -> dict[str, str]:
    headings = tmp_path / "schools.json"
    headings.write_text(
        json.dumps({SCHOOL: {"name": "Trường Tiểu học Nguyễn Du", "principal": "Trần Văn Hiệu", "place": "Hà Nội"}}),
        encoding="utf-8",
    )
    env = {
        "DATABASE_URL": url,
        "RECORDS_ARCHIVE_DIR": str(tmp_path / "archive"),
        "RECORDS_SCHOOLS_FILE": str(headings),
        "RECORDS_SIGNING_P12_FILE": str(tmp_path / "no-such.p12"),
    }
    if cert is not None:
        env |= {
            "RECORDS_SIGNING_P12_FILE": str(cert.p12_file),
            "RECORDS_SIGNING_P12_PASSWORD_FILE": str(cert.password_file),
            "RECORDS_TRUST_ROOT_FILE": str(cert.trust_root_file),
        }
    return env


def serve(container: Container, keypair: tuple[Path, Path]) -> GrpcServer:
    return start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )


class Records:
    """A RecordsService stub sending a fresh internal token for the chosen caller on every call."""

    def __init__(
        self,
        channel: grpc.Channel,
        issuer: TokenIssuer,
        caller: Caller,
        stub: Callable[[grpc.Channel], Any] | None = None,
    ) -> None:
        self._stub = (stub or records_pb2_grpc.RecordsServiceStub)(channel)
        self._issuer = issuer
        self.caller = caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = getattr(self._stub, rpc)

        def call(request: Any) -> Any:
            token = self._issuer.issue(self.caller, "grades")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=30)

        return call


@pytest.fixture
def world(
    migrated_url: str, tmp_path: Path, certificate: DemoCertificate, keypair: tuple[Path, Path], issuer: TokenIssuer
) -> Iterator[tuple[Container, Callable[..., Records]]]:
    container = build(load_settings(settings_for(migrated_url, tmp_path, certificate)))
    seed(container.sessions)
    server = serve(container, keypair)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def records(
        scopes: frozenset[str] = frozenset({"school"}),
        permissions: frozenset[str] = frozenset(ALL),
        school_id: str = SCHOOL,
        name: str = "Trần Văn Hiệu",
        stub: Callable[[grpc.Channel], Any] | None = None,
    ) -> Records:
        caller = Caller(
            roles=LEADERSHIP if "school" in scopes else (),
            subject="u-1",
            school_id=school_id,
            permissions=permissions,
            scopes=scopes,
            full_name=name,
        )
        return Records(channel, issuer, caller, stub)

    yield container, records
    channel.close()
    server.stop(0)
    container.engine.dispose()


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())


def code_of(call: Callable[[], Any]) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code()  # type: ignore[no-any-return]


def test_print_the_class_and_one_pupil(world: tuple[Container, Callable[..., Records]]) -> None:
    _, records = world
    ht = records()
    whole = ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS))
    assert whole.file_name == "HocBa_3A_2025-2026.pdf"
    text = text_of(whole.content)
    for _, _, name in PUPILS:
        assert name in text
    assert "Trường Tiểu học Nguyễn Du".upper() in text  # the heading from RECORDS_SCHOOLS_FILE
    assert "Em tiến bộ rõ rệt trong học kì" in text  # a CN comment from the grade book
    one = ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS, student_id="st-2"))
    one_text = text_of(one.content)
    assert "Trần Văn Bình" in one_text
    assert "Lê Hoàng Yến" not in one_text
    summary = ht.PrintClassSummary(records_pb2.PrintClassSummaryRequest(class_id=CLASS, period="CK1"))
    assert "Cuối học kì I" in text_of(summary.content)


def test_print_reaches_only_the_homeroom_class_and_own_school(world: tuple[Container, Callable[..., Records]]) -> None:
    _, records = world
    gvcn = records(scopes=frozenset({f"class:{CLASS}"}), permissions=frozenset({RECORD_PRINT}), name="Lê Thị Hoa")
    pdf = gvcn.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS)).content
    assert "Lê Thị Hoa" in text_of(pdf)  # the GVCN printing their own class signs as GVCN
    request = records_pb2.PrintHocBaRequest(class_id=CLASS)
    subject_teacher = records(scopes=frozenset({f"class_subject:{CLASS}:TOAN"}), permissions=frozenset({RECORD_PRINT}))
    assert code_of(lambda: subject_teacher.PrintHocBa(request)) == grpc.StatusCode.PERMISSION_DENIED
    other_gvcn = records(scopes=frozenset({"class:c-other"}), permissions=frozenset({RECORD_PRINT}))
    assert code_of(lambda: other_gvcn.PrintHocBa(request)) == grpc.StatusCode.PERMISSION_DENIED
    no_permission = records(permissions=frozenset({"grades:roster:read"}))
    assert code_of(lambda: no_permission.PrintHocBa(request)) == grpc.StatusCode.PERMISSION_DENIED
    other_school = records(school_id="school-b")
    assert code_of(lambda: other_school.PrintHocBa(request)) == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        records().PrintClassSummary(records_pb2.PrintClassSummaryRequest(class_id=CLASS, period="HK9"))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(info.value) == {"period": "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN"}


def test_archive_signs_stores_chains_and_emits(
    world: tuple[Container, Callable[..., Records]], certificate: DemoCertificate, tmp_path: Path
) -> None:
    container, records = world
    finish_year(container, records)
    ht = records()
    added = ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CN")).entries
    assert [(e.sequence, e.kind, e.student_id, e.version) for e in added] == [
        (1, "BANG_TONG_HOP", "", 1),
        (2, "HOC_BA", "st-2", 1),  # roster order: Bình, Tuyết, Yến (by given name)
        (3, "HOC_BA", "st-1", 1),
        (4, "HOC_BA", "st-3", 1),
    ]
    validator = PadesValidator(certificate.trust_root_file)
    for entry in added:
        stored = (tmp_path / "archive" / SCHOOL / entry.name).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == entry.file_sha256
        check = validator.check(stored)
        assert check.valid, check.problem
    assert added[1].previous_link == added[0].link
    # One RecordArchived per entry, in the same database, keyed by the school, without pupil data.
    with transaction(container.sessions) as s:
        rows = s.execute(select(outbox).order_by(outbox.c.seq)).all()
    archived = [r for r in rows if r.event_type == "school.grades.v1.RecordArchived"]
    assert len(archived) == 4
    assert {r.event_key for r in archived} == {SCHOOL}
    first = records_events_pb2.RecordArchived.FromString(archived[1].payload)
    assert (first.sequence, first.student_id, first.file_sha256) == (2, "st-2", added[1].file_sha256)
    assert all("Bình".encode() not in r.payload for r in archived)

    listed = ht.ListArchive(records_pb2.ListArchiveRequest(class_id=CLASS, page_size=3))
    assert [e.sequence for e in listed.entries] == [1, 2, 3]
    rest = ht.ListArchive(records_pb2.ListArchiveRequest(class_id=CLASS, page_token=listed.next_page_token))
    assert [e.sequence for e in rest.entries] == [4]
    assert rest.next_page_token == ""
    got = ht.GetArchivedFile(records_pb2.GetArchivedFileRequest(sequence=3))
    assert hashlib.sha256(got.content).hexdigest() == added[2].file_sha256
    verdict = ht.VerifyArchive(records_pb2.VerifyArchiveRequest())
    assert (verdict.ok, verdict.checked, verdict.total, verdict.last_link) == (True, 4, 4, added[-1].link)


def test_a_correction_is_a_new_version_and_a_changed_file_breaks_the_chain_at_its_entry(
    world: tuple[Container, Callable[..., Records]], tmp_path: Path
) -> None:
    container, records = world
    ht = records()
    refused = code_of(lambda: ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CK1")))
    assert refused == grpc.StatusCode.INVALID_ARGUMENT  # not signed before the lock
    lock(container, "CK1")
    first = ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CK1")).entries
    assert [(e.kind, e.version) for e in first] == [("BANG_TONG_HOP", 1)]
    with transaction(container.sessions) as s:
        s.execute(update(cells).where(cells.c.period == "CK1", cells.c.item_code == "TOAN").values(level="T"))
    second = ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CK1")).entries
    assert [(e.sequence, e.version) for e in second] == [(2, 2)]
    assert second[0].file_sha256 != first[0].file_sha256
    old = tmp_path / "archive" / SCHOOL / first[0].name
    assert old.exists()  # never overwritten
    with transaction(container.sessions) as s:
        s.execute(period_locks.delete().where(period_locks.c.period == "CK1"))
    finish_year(container, records)
    ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CN"))
    assert ht.VerifyArchive(records_pb2.VerifyArchiveRequest()).ok
    # Someone edits the second archived file on disk.
    changed = tmp_path / "archive" / SCHOOL / second[0].name
    changed.write_bytes(changed.read_bytes().replace(b"/Producer", b"/Producex", 1))
    verdict = ht.VerifyArchive(records_pb2.VerifyArchiveRequest())
    assert not verdict.ok
    assert (verdict.broken_at, verdict.checked, verdict.total) == (2, 1, 6)
    assert verdict.problem == f"Tệp {second[0].name} đã bị thay đổi sau khi lưu trữ"


def test_archive_refusals(world: tuple[Container, Callable[..., Records]]) -> None:
    container, records = world
    request = records_pb2.ArchiveClassRequest(class_id=CLASS, period="GK1")
    with pytest.raises(grpc.RpcError) as info:
        records().ArchiveClass(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(info.value)) == {"period"}
    cn = records_pb2.ArchiveClassRequest(class_id=CLASS, period="CN")
    printer = records(permissions=frozenset({RECORD_PRINT}))
    assert code_of(lambda: printer.ArchiveClass(cn)) == grpc.StatusCode.PERMISSION_DENIED
    gvcn_with_sign = records(scopes=frozenset({f"class:{CLASS}"}))
    assert code_of(lambda: gvcn_with_sign.ArchiveClass(cn)) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: records(school_id="school-b").ArchiveClass(cn)) == grpc.StatusCode.NOT_FOUND
    gvcn = records(scopes=frozenset({f"class:{CLASS}"}), permissions=frozenset({RECORD_PRINT}))
    verify = records_pb2.VerifyArchiveRequest()
    assert code_of(lambda: gvcn.VerifyArchive(verify)) == grpc.StatusCode.PERMISSION_DENIED
    whole_school = records_pb2.ListArchiveRequest()
    assert code_of(lambda: gvcn.ListArchive(whole_school)) == grpc.StatusCode.PERMISSION_DENIED
    with transaction(container.sessions) as s:
        assert s.execute(select(outbox)).all() == []


def test_without_a_certificate_printing_works_and_archiving_is_refused(
    migrated_url: str, tmp_path: Path, keypair: tuple[Path, Path], issuer: TokenIssuer
) -> None:
    container = build(load_settings(settings_for(migrated_url, tmp_path, None)))
    seed(container.sessions)
    server = serve(container, keypair)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            ht = Records(
                channel,
                issuer,
                Caller(
                    roles=("HT",),
                    subject="u-1",
                    school_id=SCHOOL,
                    permissions=frozenset(ALL),
                    scopes=frozenset({"school"}),
                ),
            )
            assert ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS)).content.startswith(b"%PDF")
            with pytest.raises(grpc.RpcError) as info:
                ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CN"))
            assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "chứng thư số" in (info.value.details() or "")
            # No token at all: refused before any handler.
            stub = records_pb2_grpc.RecordsServiceStub(channel)
            with pytest.raises(grpc.RpcError) as bare:
                stub.VerifyArchive(records_pb2.VerifyArchiveRequest(), timeout=10)
            assert bare.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        server.stop(0)
        container.engine.dispose()


def test_the_programme_of_a_year_without_its_own_file(world: tuple[Container, Callable[..., Records]]) -> None:
    container, records = world
    for year_id, name, class_id in (("y0", "2024-2025", "c-old"), ("y2", "2026-2027", "c-new")):
        apply(
            container.sessions,
            events_pb2.SchoolYearCreated(
                school_id=SCHOOL,
                school_year=students_pb2.SchoolYear(
                    school_year_id=year_id, name=name, start_date="2024-09-05", end_date="2025-05-31", version=1
                ),
            ),
        )
        apply(
            container.sessions,
            events_pb2.ClassCreated(
                school_id=SCHOOL,
                school_class=students_pb2.SchoolClass(
                    class_id=class_id, school_year_id=year_id, name="4A", grade_level=4, max_size=35, version=1
                ),
            ),
        )
    # A later year without a file of its own uses the newest earlier programme.
    summary = records().PrintClassSummary(records_pb2.PrintClassSummaryRequest(class_id="c-new", period="GK1"))
    assert "Lịch sử và Địa lí" in text_of(summary.content)  # grade 4's programme
    # An earlier year takes the oldest shipped programme, as the checks and results do.
    older = records().PrintClassSummary(records_pb2.PrintClassSummaryRequest(class_id="c-old", period="GK1"))
    assert "Lịch sử và Địa lí" in text_of(older.content)


def test_another_schools_class_archive_is_not_found(world: tuple[Container, Callable[..., Records]]) -> None:
    _, records = world
    other = records(school_id="school-b")
    request = records_pb2.ListArchiveRequest(class_id=CLASS)
    assert code_of(lambda: other.ListArchive(request)) == grpc.StatusCode.NOT_FOUND


def finish_year(container: Container, records: Callable[..., Records]) -> None:
    """Every pupil fully assessed at CN (all T, 10 where tested), CK1 and CN locked by the HT, and
    the year results computed: what a class looks like when the principal signs its records."""
    programme = load_programme("2025-2026")
    tested = programme.tested(3, Period.CN)
    full = [(s.code, "SUBJECT") for s in programme.subjects_of(3, with_electives=False)]
    full += [(code, "ITEM") for code in programme.items]
    now = datetime(2026, 5, 25, tzinfo=UTC)
    with transaction(container.sessions) as s:
        s.execute(cells.delete().where(cells.c.period == "CN"))
        s.execute(
            cells.insert(),
            [
                {
                    "school_id": SCHOOL,
                    "class_id": CLASS,
                    "student_id": student_id,
                    "school_year_id": "y1",
                    "period": "CN",
                    "item_code": code,
                    "kind": kind,
                    "level": "T",
                    "score": 10 if code in tested else None,
                    "comment": "",
                    "version": 1,
                    "updated_by": "u-gv",
                    "updated_at": now,
                }
                for student_id, _, _ in PUPILS
                for code, kind in full
            ],
        )
    lock(container, "CK1", "CN")
    records(stub=results_pb2_grpc.ResultsServiceStub).ComputeYearResults(
        results_pb2.ComputeYearResultsRequest(class_id=CLASS)
    )


def lock(container: Container, *periods: str) -> None:
    """The HT locked these periods of the class (signed records come after the lock)."""
    with transaction(container.sessions) as s:
        for period in periods:
            s.execute(
                period_locks.insert().values(
                    school_id=SCHOOL,
                    class_id=CLASS,
                    period=period,
                    locked=True,
                    locked_at=datetime(2026, 5, 28, tzinfo=UTC),
                    locked_by="u-ht",
                    version=1,
                )
            )


def test_the_hoc_ba_prints_the_computed_year_result(world: tuple[Container, Callable[..., Records]]) -> None:
    """With the year results of issue 5 wired in: the result, the award and the completion line."""
    container, records = world
    finish_year(container, records)
    page = records().PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS, student_id="st-1")).content
    text = text_of(page)
    assert "4. Đánh giá kết quả giáo dục: Hoàn thành xuất sắc" in text
    assert "5. Khen thưởng: Học sinh Xuất sắc" in text
    assert "Hoàn thành chương trình lớp 3" in text


def test_bad_paging_is_refused_with_the_field_named(world: tuple[Container, Callable[..., Records]]) -> None:
    _, records = world
    for request, field in (
        (records_pb2.ListArchiveRequest(page_size=500), "page_size"),
        (records_pb2.ListArchiveRequest(page_token="abc"), "page_token"),
        (records_pb2.ListArchiveRequest(page_token="²"), "page_token"),  # a digit to isdigit(), not to int()
        (records_pb2.ListArchiveRequest(page_token="9" * 25), "page_token"),  # beyond any database integer
    ):
        with pytest.raises(grpc.RpcError) as info:
            records().ListArchive(request)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert set(field_violations(info.value)) == {field}


def identity(student_id: str, **fields: str) -> records_pb2.PupilIdentity:
    return records_pb2.PupilIdentity(student_id=student_id, **fields)


FAMILY = {
    "gender": "Nữ",
    "ethnicity": "Tày",
    "nationality": "Việt Nam",
    "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
    "hometown": "Xã Hoằng Hóa, Thanh Hóa",
    "address": "5 Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội",
    "father_name": "Nguyễn Văn Đức",
    "mother_name": "Phạm Thị Hoa",
    "guardian_name": "Nguyễn Thị Lan",
}


def test_identities_sent_with_the_request_fill_the_identity_page(
    world: tuple[Container, Callable[..., Records]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The gateway composes the identity page from students with the user's token; grades prints
    what it is given for the pupils given, for that request only, and logs none of it."""
    # The service's own logging, writing to this test's captured output at INFO (another test in
    # the same run may have configured it for a stream that is gone, or at another level).
    configure_logging("grades", "INFO")
    container, records = world
    finish_year(container, records)
    ht = records()
    given = [identity("st-1", **FAMILY), identity("st-2", gender="Nam", ethnicity="Kinh"), identity("st-9", **FAMILY)]
    text = text_of(ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS, identities=given)).content)
    for value in FAMILY.values():
        assert value in text, value
    one = text_of(
        ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS, student_id="st-2", identities=given)).content
    )
    assert "Giới tính: Nam" in one
    assert "Dân tộc: Kinh" in one
    assert "Nguyễn Văn Đức" not in one  # another pupil's family never lands on this page
    # Without identities the page keeps the null behaviour: the roster's name, the rest dotted.
    plain = text_of(ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS, student_id="st-1")).content)
    assert "Nguyễn Thị Ánh Tuyết" in plain
    assert all(value not in plain for value in ("Tày", "Nguyễn Văn Đức", "Phạm Thị Hoa", "5 Hàng Bài"))
    # Archived at year end: the signed học bạ carries them too.
    added = ht.ArchiveClass(records_pb2.ArchiveClassRequest(class_id=CLASS, period="CN", identities=given)).entries
    tuyet = next(e for e in added if e.student_id == "st-1")
    archived = text_of((tmp_path / "archive" / SCHOOL / tuyet.name).read_bytes())
    assert "Phạm Thị Hoa" in archived
    assert "Bệnh viện Phụ sản Hà Nội" in archived
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert "records.archived" in logged  # the logs were captured: the check below means something
    assert all(value not in logged for value in ("Nguyễn Văn Đức", "Phạm Thị Hoa", "5 Hàng Bài", "Hoằng Hóa"))


def test_identities_too_long_or_malformed_are_refused_naming_the_field(
    world: tuple[Container, Callable[..., Records]],
) -> None:
    container, records = world
    ht = records()
    bad = [
        identity("st-1", father_name="Đ" * 101),
        identity("st-2", address="a" * 201, gender="Khác"),
        identity("st-2"),
        identity("", mother_name="Phạm Thị Hoa"),
    ]
    for request in (
        records_pb2.PrintHocBaRequest(class_id=CLASS, identities=bad),
        records_pb2.ArchiveClassRequest(class_id=CLASS, period="CN", identities=bad),
    ):
        with pytest.raises(grpc.RpcError) as info:
            getattr(ht, type(request).__name__.removesuffix("Request"))(request)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(info.value) == {
            "identities[0].father_name": "Họ tên dài quá 100 kí tự",
            "identities[1].address": "Nội dung dài quá 200 kí tự",
            "identities[1].gender": "Giới tính phải là Nam hoặc Nữ",
            "identities[2].student_id": "Học sinh này có hai thông tin lí lịch",
            "identities[3].student_id": "Thiếu hoặc sai mã học sinh",
        }
        assert "Phạm Thị Hoa" not in (info.value.details() or "")
    too_many = [identity(f"st-{n}") for n in range(201)]
    with pytest.raises(grpc.RpcError) as many:
        ht.PrintHocBa(records_pb2.PrintHocBaRequest(class_id=CLASS, identities=too_many))
    assert field_violations(many.value) == {"identities": "Tối đa 200 học sinh mỗi lần"}
    with transaction(container.sessions) as s:
        assert s.execute(select(outbox)).all() == []  # nothing archived
