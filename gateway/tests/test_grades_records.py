"""Học bạ & lưu trữ through the gateway against the real grades service (in-process, SQLite): the
class page, PDF downloads, archiving as the principal, the archive list, the chain check (also after a
file is changed on disk), and the refusals a GVCN of another class or a bad period meet."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from school.students.v1 import events_pb2, students_pb2
from school_grades.adapters.signing import generate_demo_certificate
from school_grades.adapters.tables_gradebook import cells
from school_grades.bootstrap import MIGRATIONS_DIR, build
from school_grades.config import load_settings
from school_grades.events.inbound import HANDLERS
from schoolkit.db import run_migrations, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenVerifier, load_public_key

from .grades_year_end import fill_cn
from .grades_year_end import lock as lock_periods

SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"  # the fake identity's school (conftest)
CLASS = "c0000000-0000-4000-8000-0000000003a1"
PUPIL = "50000000-0000-4000-8000-000000000001"
PRINT_AND_SIGN = frozenset(
    {"grades:record:print", "grades:record:sign", "grades:roster:read", "grades:result:write", "grades:score:read"}
)


def apply(sessions: Any, message: Any) -> None:
    event = CloudEvent(
        id=str(uuid.uuid4()),
        source=f"/schools/{SCHOOL_ID}/students",
        type=message.DESCRIPTOR.full_name,
        data=message.SerializeToString(),
    )
    with transaction(sessions) as session:
        HANDLERS[event.type](session, event)


def seed(sessions: Any) -> None:
    year = students_pb2.SchoolYear(
        school_year_id="y1", name="2025-2026", start_date="2025-09-05", end_date="2026-05-31", version=1
    )
    apply(sessions, events_pb2.SchoolYearCreated(school_id=SCHOOL_ID, school_year=year))
    klass = students_pb2.SchoolClass(class_id=CLASS, school_year_id="y1", name="3A", grade_level=3, version=1)
    apply(sessions, events_pb2.ClassCreated(school_id=SCHOOL_ID, school_class=klass))
    student = students_pb2.Student(
        student_id=PUPIL,
        student_code="HS000001",
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth="2017-03-01",
        class_id=CLASS,
        version=1,
    )
    apply(
        sessions,
        events_pb2.StudentEnrolled(
            school_id=SCHOOL_ID,
            student=student,
            class_name="3A",
            grade_level=3,
            school_year_id="y1",
            enrolled_on="2025-09-05",
        ),
    )
    with transaction(sessions) as session:
        session.execute(
            cells.insert().values(
                school_id=SCHOOL_ID,
                class_id=CLASS,
                student_id=PUPIL,
                school_year_id="y1",
                period="CK1",
                item_code="TOAN",
                kind="SUBJECT",
                level="T",
                score=10,
                comment="Làm tính nhanh, chính xác",
                version=1,
                updated_by="u-gv",
                updated_at=datetime(2026, 5, 20, tzinfo=UTC),
            )
        )
    fill_cn(sessions, SCHOOL_ID, CLASS, "y1", 3, [PUPIL])


def lock(sessions: Any, *periods: str) -> None:
    lock_periods(sessions, SCHOOL_ID, CLASS, *periods)


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def grades_service(tmp_path: Path, keys: tuple[Path, Path], archive_dir: Path) -> Iterator[tuple[str, Any]]:
    """The real grades service: its address and its database (a test locks periods as the HT did)."""
    url = f"sqlite:///{tmp_path / 'grades.db'}"
    run_migrations(MIGRATIONS_DIR, url)
    cert = generate_demo_certificate(tmp_path / "cert")
    container = build(
        load_settings(
            {
                "DATABASE_URL": url,
                "RECORDS_ARCHIVE_DIR": str(archive_dir),
                "RECORDS_SIGNING_P12_FILE": str(cert.p12_file),
                "RECORDS_SIGNING_P12_PASSWORD_FILE": str(cert.password_file),
                "RECORDS_TRUST_ROOT_FILE": str(cert.trust_root_file),
            }
        )
    )
    seed(container.sessions)
    server = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keys[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield f"127.0.0.1:{server.port}", container.sessions
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def grades_addr(grades_service: tuple[str, Any]) -> str:
    return grades_service[0]


@pytest.fixture
def environ(environ: dict[str, str], grades_addr: str) -> dict[str, str]:
    return {**environ, "GRADES_GRPC_ADDR": grades_addr}


@pytest.fixture
def principal(client: FlaskClient, upstreams: Any, browser: Any) -> str:
    ht = upstreams.identity.accounts["hieutruong"]
    ht.permissions = ht.permissions | PRINT_AND_SIGN
    return str(browser.login(client))


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def test_class_page_downloads_archive_and_check(
    client: FlaskClient, principal: str, archive_dir: Path, grades_service: tuple[str, Any]
) -> None:
    page = client.get(f"/classes/{CLASS}/records")
    assert page.status_code == 200, page.text
    assert "Học bạ & lưu trữ — Lớp 3A</h1>" in page.text
    assert "Nguyễn Thị Ánh Tuyết" in page.text
    assert 'data-testid="archive-form"' in page.text
    assert 'data-testid="archive-empty"' in page.text

    whole = client.get(f"/classes/{CLASS}/records/hoc-ba")
    assert whole.status_code == 200
    assert whole.mimetype == "application/pdf"
    assert "HocBa_3A_2025-2026.pdf" in whole.headers["Content-Disposition"]
    assert "Nguyễn Thị Ánh Tuyết" in pdf_text(whole.data)
    summary = client.get(f"/classes/{CLASS}/records/summary?period=CK1")
    assert summary.status_code == 200
    assert "Cuối học kì I" in pdf_text(summary.data)

    early = client.post(f"/classes/{CLASS}/records/archive", data={"period": "CN", "csrf_token": principal})
    assert early.status_code == 400
    assert "Cần khóa kỳ CN của lớp" in early.text  # nothing is signed before the lock
    lock(grades_service[1], "CK1", "CN")
    waiting = client.post(f"/classes/{CLASS}/records/archive", data={"period": "CN", "csrf_token": principal})
    assert "Chưa có kết quả cuối năm của: Nguyễn Thị Ánh Tuyết" in waiting.text
    computed = client.post(f"/api/v1/classes/{CLASS}/year-results", json={}, headers={"X-CSRFToken": principal})
    assert computed.status_code == 200, computed.text
    done = client.post(f"/classes/{CLASS}/records/archive", data={"period": "CN", "csrf_token": principal})
    assert done.status_code == 303
    after = client.get(done.headers["Location"])
    assert "Đã ký số và lưu trữ 2 tệp." in after.text
    assert after.text.count('data-testid="archive-row"') == 2

    listed = client.get(f"/api/v1/records/archive?class_id={CLASS}").json["items"]
    assert [(e["sequence"], e["kind"], e["version"]) for e in listed] == [(1, "BANG_TONG_HOP", 1), (2, "HOC_BA", 1)]
    stored = client.get("/api/v1/records/archive/file?sequence=2")
    assert stored.status_code == 200
    assert hashlib.sha256(stored.data).hexdigest() == listed[1]["file_sha256"]

    ok = client.post("/records/archive/verify", data={"csrf_token": principal})
    assert ok.status_code == 200
    assert "Chuỗi lưu trữ toàn vẹn: đã kiểm tra 2 mục" in ok.text
    # Someone changes the pupil's archived học bạ on disk: the check names that entry.
    target = archive_dir / SCHOOL_ID / listed[1]["name"]
    target.write_bytes(target.read_bytes() + b"\n% changed\n")
    verdict = client.get("/api/v1/records/archive/verification").json
    assert verdict["ok"] is False
    assert verdict["broken_at"] == 2
    broken = client.post("/records/archive/verify", data={"csrf_token": principal})
    assert "Chuỗi lưu trữ bị phá vỡ tại mục 2" in broken.text


def test_api_archive_refuses_a_period_that_is_not_archived(
    client: FlaskClient, principal: str, grades_service: tuple[str, Any]
) -> None:
    h = {"X-CSRFToken": principal}
    wrong = client.post(f"/api/v1/classes/{CLASS}/records/archive", json={"period": "GK1"}, headers=h)
    assert wrong.status_code == 400
    assert wrong.json["error"]["fields"] == {"period": "Chỉ lưu trữ sau học kì I (CK1) và cuối năm (CN)"}
    unknown = client.post(f"/api/v1/classes/{CLASS}/records/archive", json={"period": "HK3"}, headers=h)
    assert unknown.status_code in (400, 422)
    assert unknown.json["error"]["fields"]["period"] == "Chọn kỳ đánh giá: GK1, CK1, GK2 hoặc CN."
    form = client.post(f"/classes/{CLASS}/records/archive", data={"period": "GK2", "csrf_token": principal})
    assert form.status_code == 400
    assert "Chỉ lưu trữ sau học kì I (CK1) và cuối năm (CN)" in form.text
    lock(grades_service[1], "CK1")
    made = client.post(f"/api/v1/classes/{CLASS}/records/archive", json={"period": "CK1"}, headers=h)
    assert made.status_code == 201, made.text
    assert [e["kind"] for e in made.json["items"]] == ["BANG_TONG_HOP"]


def test_a_homeroom_teacher_of_another_class_is_refused(client: FlaskClient, upstreams: Any, browser: Any) -> None:
    gvbm = upstreams.identity.accounts["gvbm"]
    upstreams.identity.accounts["gvcn"] = dataclasses.replace(
        gvbm,
        user_id="u-gvcn",
        username="gvcn",
        full_name="Phạm Thu Hà",
        roles=("GVCN",),
        permissions=frozenset({"grades:record:print", "grades:roster:read", "identity:me:read"}),
        scopes=frozenset({"class:c-other"}),
    )
    browser.login(client, "gvcn")
    assert client.get(f"/classes/{CLASS}/records").status_code == 403
    assert client.get(f"/api/v1/classes/{CLASS}/records/hoc-ba").status_code == 403
    assert client.get("/api/v1/records/archive").status_code == 403  # the whole school's archive


def test_odd_numbers_in_the_address_are_not_errors(client: FlaskClient, principal: str) -> None:
    assert client.get(f"/classes/{CLASS}/records?added=²").status_code == 200
    assert client.get("/records/archive/file?sequence=²").status_code == 400
    assert client.get("/api/v1/records/archive/file?sequence=99999999999999999999999").status_code in (400, 422)
