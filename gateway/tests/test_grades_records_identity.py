"""The học bạ's identity page composed by the gateway, against the real students and grades services
(in-process, SQLite): the gateway reads each pupil's record from students with the user's own token
and passes the identity fields to grades. A user whom students shows the family prints it; one
without students:student:read_sensitive gets the public fields only; grades keeps none of it."""

from __future__ import annotations

import dataclasses
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from school.students.v1 import events_pb2, students_pb2
from school_grades.adapters.signing import generate_demo_certificate
from school_grades.bootstrap import MIGRATIONS_DIR as GRADES_MIGRATIONS
from school_grades.bootstrap import build as build_grades
from school_grades.config import load_settings as grades_settings
from school_grades.events.inbound import HANDLERS
from school_students.bootstrap import MIGRATIONS_DIR as STUDENTS_MIGRATIONS
from school_students.bootstrap import build as build_students
from school_students.config import load_settings as students_settings
from schoolkit.db import run_migrations, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenVerifier, load_public_key

from .grades_year_end import fill_cn, lock

SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"  # the fake identity's school (conftest)
STUDENT_READ = frozenset(
    {"identity:me:read", "students:school_year:read", "students:class:read", "students:student:read"}
)
RECORDS = frozenset({"grades:record:print", "grades:record:sign", "grades:roster:read"})
# The office clerk (VP) keeps the records: every student permission, the family included.
CLERK = STUDENT_READ | RECORDS | {"students:school_year:write", "students:class:write", "students:student:write"}
CLERK |= {"students:student:read_sensitive", "grades:result:write", "grades:score:read"}
# The vice principal (PHT) prints but is not shown family data.
VICE = STUDENT_READ | {"grades:record:print"}
# Someone who may print but not read student records at all.
PRINTER_ONLY = frozenset({"identity:me:read", "grades:record:print"})
FAMILY = ("Nguyễn Văn Đức", "Phạm Thị Hoa", "5 Hàng Bài", "Phường Hoàn Kiếm", "Thành phố Hà Nội")
PUBLIC = ("Tày", "Bệnh viện Phụ sản Hà Nội")


def _serve(container: Any, keys: tuple[Path, Path], audience: str) -> Any:
    return start_server(
        register=container.registrations,
        # grades narrows whole-school reach to its leadership roles; students has no such view.
        caller_view=getattr(container, "caller_view", None),
        verifier=TokenVerifier(load_public_key(keys[1]), audience=audience),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )


@pytest.fixture
def services(keys: tuple[Path, Path], tmp_path: Path) -> Iterator[dict[str, Any]]:
    students_url = f"sqlite:///{tmp_path / 'students.db'}"
    run_migrations(STUDENTS_MIGRATIONS, students_url)
    students = build_students(students_settings({"DATABASE_URL": students_url}))
    grades_url = f"sqlite:///{tmp_path / 'grades.db'}"
    run_migrations(GRADES_MIGRATIONS, grades_url)
    cert = generate_demo_certificate(tmp_path / "cert")
    archive = tmp_path / "archive"
    grades = build_grades(
        grades_settings(
            {
                "DATABASE_URL": grades_url,
                "RECORDS_ARCHIVE_DIR": str(archive),
                "RECORDS_SIGNING_P12_FILE": str(cert.p12_file),
                "RECORDS_SIGNING_P12_PASSWORD_FILE": str(cert.password_file),
                "RECORDS_TRUST_ROOT_FILE": str(cert.trust_root_file),
            }
        )
    )
    servers = [_serve(students, keys, "students"), _serve(grades, keys, "grades")]
    yield {
        "students": f"127.0.0.1:{servers[0].port}",
        "grades": f"127.0.0.1:{servers[1].port}",
        "grades_sessions": grades.sessions,
        "archive": archive,
        "stop_students": lambda: servers[0].stop(0),
    }
    for server in servers:
        server.stop(0)
    students.engine.dispose()
    grades.engine.dispose()


@pytest.fixture
def environ(environ: dict[str, str], services: dict[str, Any]) -> dict[str, str]:
    return {**environ, "STUDENTS_GRPC_ADDR": services["students"], "GRADES_GRPC_ADDR": services["grades"]}


def _account(upstreams: Any, username: str, permissions: frozenset[str]) -> None:
    template = upstreams.identity.accounts["gvbm"]
    upstreams.identity.accounts[username] = dataclasses.replace(
        template,
        user_id=f"u-{username}",
        username=username,
        full_name=username,
        roles=("VP",),
        permissions=permissions,
        scopes=frozenset({"school"}),
        last_login_at=None,
        password_changed_at=template.password_changed_at + 390 * 86400,
    )


def _apply(sessions: Any, message: Any) -> None:
    """What the grades consumer does with students' events, applied directly (no broker here)."""
    event = CloudEvent(
        id=str(uuid.uuid4()),
        source=f"/schools/{SCHOOL_ID}/students",
        type=message.DESCRIPTOR.full_name,
        data=message.SerializeToString(),
    )
    with transaction(sessions) as session:
        HANDLERS[event.type](session, event)


@pytest.fixture
def school(client: FlaskClient, upstreams: Any, browser: Any, services: dict[str, Any]) -> dict[str, Any]:
    """Class 3A with two pupils in students (Tuyết's record and parents filled in), projected into grades."""
    for username, permissions in (("vanthu", CLERK), ("phohieutruong", VICE), ("inan", PRINTER_ONLY)):
        _account(upstreams, username, permissions)
    token = browser.login(client, "vanthu")
    h = {"X-CSRFToken": token}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    ).json
    klass = client.post(
        "/api/v1/classes", json={"school_year_id": year["id"], "name": "3A", "grade_level": 3}, headers=h
    ).json
    pupils = {}
    for name, gender in (("Nguyễn Thị Ánh Tuyết", "female"), ("Trần Văn Bình", "male")):
        answer = client.post(
            "/api/v1/students",
            json={"class_id": klass["id"], "full_name": name, "date_of_birth": "2017-03-01", "gender": gender},
            headers=h,
        )
        assert answer.status_code == 201, answer.text
        pupils[name] = answer.json
    tuyet = pupils["Nguyễn Thị Ánh Tuyết"]
    saved = client.put(
        f"/api/v1/students/{tuyet['id']}/record",
        json={
            "expected_version": tuyet["version"],
            "full_name": tuyet["full_name"],
            "date_of_birth": tuyet["date_of_birth"],
            "gender": "female",
            "ethnicity": "02",
            "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
            "current_address": {"province_code": "01", "commune": "Phường Hoàn Kiếm", "detail": "5 Hàng Bài"},
        },
        headers=h,
    )
    assert saved.status_code == 200, saved.text
    for full_name, relation in (("Nguyễn Văn Đức", "CHA"), ("Phạm Thị Hoa", "ME")):
        added = client.post(
            f"/api/v1/students/{tuyet['id']}/guardians",
            json={"full_name": full_name, "relation": relation, "phone": "0912345678"},
            headers=h,
        )
        assert added.status_code == 201, added.text
    sessions = services["grades_sessions"]
    _apply(
        sessions,
        events_pb2.SchoolYearCreated(
            school_id=SCHOOL_ID,
            school_year=students_pb2.SchoolYear(
                school_year_id=year["id"], name="2025-2026", start_date="2025-09-05", end_date="2026-05-31", version=1
            ),
        ),
    )
    _apply(
        sessions,
        events_pb2.ClassCreated(
            school_id=SCHOOL_ID,
            school_class=students_pb2.SchoolClass(
                class_id=klass["id"], school_year_id=year["id"], name="3A", grade_level=3, version=1
            ),
        ),
    )
    for pupil in pupils.values():
        _apply(
            sessions,
            events_pb2.StudentEnrolled(
                school_id=SCHOOL_ID,
                student=students_pb2.Student(
                    student_id=pupil["id"],
                    student_code=pupil["student_code"],
                    full_name=pupil["full_name"],
                    date_of_birth="2017-03-01",
                    class_id=klass["id"],
                    version=1,
                ),
                class_name="3A",
                grade_level=3,
                school_year_id=year["id"],
                enrolled_on="2025-09-05",
            ),
        )
    return {
        "token": token,
        "class": klass["id"],
        "year": year["id"],
        "tuyet": tuyet["id"],
        "binh": pupils["Trần Văn Bình"]["id"],
    }


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def test_the_records_keeper_prints_and_archives_the_identity_page_from_students(
    client: FlaskClient, school: dict[str, Any], services: dict[str, Any]
) -> None:
    whole = client.get(f"/classes/{school['class']}/records/hoc-ba")
    assert whole.status_code == 200, whole.text
    text = pdf_text(whole.data)
    for value in FAMILY + PUBLIC:
        assert value in text, value
    assert "Giới tính: Nữ" in text
    assert "Giới tính: Nam" in text  # Bình: the gender from students, his family fields blank
    assert "Quốc tịch: Việt Nam" in text

    one = client.get(f"/api/v1/classes/{school['class']}/records/hoc-ba?student_id={school['binh']}")
    assert one.status_code == 200
    assert all(value not in pdf_text(one.data) for value in FAMILY)  # Tuyết's family stays on her page

    # The year's end: CN filled and locked, the year results computed; then the principal signs.
    sessions = services["grades_sessions"]
    fill_cn(sessions, SCHOOL_ID, school["class"], school["year"], 3, [school["tuyet"], school["binh"]])
    lock(sessions, SCHOOL_ID, school["class"], "CN")
    h = {"X-CSRFToken": school["token"]}
    computed = client.post(f"/api/v1/classes/{school['class']}/year-results", json={}, headers=h)
    assert computed.status_code == 200, computed.text
    archived = client.post(f"/api/v1/classes/{school['class']}/records/archive", json={"period": "CN"}, headers=h)
    assert archived.status_code == 201, archived.text
    entry = next(e for e in archived.json["items"] if e["student_id"] == school["tuyet"])
    signed = (services["archive"] / SCHOOL_ID / entry["name"]).read_bytes()
    assert "Phạm Thị Hoa" in pdf_text(signed)


def test_a_printer_without_read_sensitive_gets_no_family_fields(
    client: FlaskClient, school: dict[str, Any], browser: Any
) -> None:
    browser.login(client, "phohieutruong")
    page = client.get(f"/classes/{school['class']}/records/hoc-ba?student_id={school['tuyet']}")
    assert page.status_code == 200, page.text
    text = pdf_text(page.data)
    assert "Nguyễn Thị Ánh Tuyết" in text
    assert all(value not in text for value in FAMILY), text
    # What students shows every reader of the record still prints.
    assert all(value in text for value in PUBLIC)
    api = client.get(f"/api/v1/classes/{school['class']}/records/hoc-ba")
    assert api.status_code == 200
    assert all(value not in pdf_text(api.data) for value in FAMILY)

    # Without any right to read student records the học bạ still prints, with the dots as before.
    browser.login(client, "inan")
    bare = client.get(f"/api/v1/classes/{school['class']}/records/hoc-ba?student_id={school['tuyet']}")
    assert bare.status_code == 200, bare.text
    bare_text = pdf_text(bare.data)
    assert "Nguyễn Thị Ánh Tuyết" in bare_text
    assert all(value not in bare_text for value in FAMILY + PUBLIC)


def test_students_down_stops_the_print_rather_than_printing_blanks(
    client: FlaskClient, school: dict[str, Any], services: dict[str, Any]
) -> None:
    """Blanks mean "students did not show this user the family", never "students did not answer":
    a học bạ, above all a signed archive, is not made with its identity page silently missing."""
    services["stop_students"]()
    page = client.get(f"/classes/{school['class']}/records/hoc-ba")
    assert page.status_code == 503, page.status_code
    archived = client.post(
        f"/api/v1/classes/{school['class']}/records/archive",
        json={"period": "CN"},
        headers={"X-CSRFToken": school["token"]},
    )
    assert archived.status_code == 503
    assert list(services["archive"].rglob("*.pdf")) == []


def test_identity_of_maps_the_record_as_students_returned_it() -> None:
    """The mapping alone: relations to the three lines, codes to names, one address line, bounds."""
    from school_gateway.grades.records_identity import identity_of

    reference = {"ethnic_groups": {"02": "Tày"}, "provinces": {"01": "Thành phố Hà Nội"}}
    record = {
        "student": {"id": "st-1", "gender": "female"},
        "record": {
            "ethnicity": "02",
            "nationality": "Việt Nam",
            "place_of_birth": "Hà Nội",
            "current_address": {"province_code": "01", "commune": "Phường Hoàn Kiếm", "detail": " 5 Hàng Bài "},
        },
        "guardians": [
            {"full_name": "Nguyễn Thị Lan", "relation": "NGUOI_GIAM_HO"},
            {"full_name": "Nguyễn Văn Ông", "relation": "ONG"},
            {"full_name": "Phạm Thị Hoa", "relation": "ME"},
            {"full_name": "Nguyễn Văn Đức", "relation": "CHA"},
        ],
    }
    page = identity_of(record, reference)
    assert (page.student_id, page.gender, page.ethnicity, page.nationality) == ("st-1", "Nữ", "Tày", "Việt Nam")
    assert page.address == "5 Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert (page.father_name, page.mother_name, page.guardian_name) == (
        "Nguyễn Văn Đức",
        "Phạm Thị Hoa",
        "Nguyễn Thị Lan",
    )
    assert page.hometown == ""  # no such field in the student record: dotted, never guessed
    # What students hid from this user (no guardians, no address) stays empty; bounds hold.
    hidden = {
        "student": {"id": "st-2", "gender": "unspecified"},
        "record": {
            "ethnicity": "99",
            "nationality": "",
            "place_of_birth": "x" * 300,
            "current_address": {"province_code": "", "commune": "", "detail": ""},
        },
        "guardians": [],
    }
    blank = identity_of(hidden, reference)
    assert (blank.gender, blank.ethnicity, blank.address, blank.father_name, blank.mother_name) == (
        "",
        "99",
        "",
        "",
        "",
    )
    assert len(blank.place_of_birth) == 200
