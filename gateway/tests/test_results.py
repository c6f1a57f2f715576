"""Year results through the gateway, against the real grades service (SQLite) seeded with a grade-4
class whose CN period is filled: the JSON API, the pages in Vietnamese with dd/mm/yyyy dates, the
explanation per pupil, the principal's decision, field errors and permissions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, update

from school_grades.adapters.tables import roster
from school_grades.adapters.tables_gradebook import cells, grade_classes, grade_years, period_locks
from school_grades.bootstrap import MIGRATIONS_DIR, build
from school_grades.config import load_settings
from school_grades.domain.programme import Period, load_programme
from schoolkit.db import make_engine, run_migrations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenVerifier, load_public_key

RESULT_PERMISSIONS = frozenset({"grades:score:read", "grades:result:write", "grades:decision:write"})
SCHOOL = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"  # the fake identity's school (conftest SCHOOL_ID)
CLASS = "c-4a"
YEAR = "y-1"
PUPILS = {"st-1": ("HS0001", "Nguyễn Văn An"), "st-2": ("HS0002", "Trần Thị Bình"), "st-3": ("HS0003", "Lê Văn Cường")}


def _seed(engine: Engine) -> None:
    now = dt.datetime(2026, 5, 20, tzinfo=dt.UTC)
    programme = load_programme()
    with engine.begin() as conn:
        conn.execute(
            insert(grade_years).values(
                id=YEAR,
                school_id=SCHOOL,
                name="2025-2026",
                starts_on=dt.date(2025, 9, 5),
                ends_on=dt.date(2026, 5, 31),
                hk1_ends_on=None,
                version=1,
                updated_at=now,
            )
        )
        conn.execute(
            insert(grade_classes).values(
                id=CLASS, school_id=SCHOOL, school_year_id=YEAR, name="4A", grade_level=4, version=1, updated_at=now
            )
        )
        # CN locked, as the principal's lock leaves it: year results are computed only then.
        conn.execute(
            insert(period_locks).values(
                school_id=SCHOOL, class_id=CLASS, period="CN", locked=True, locked_at=now, locked_by="ht", version=1
            )
        )
        for sid, (code, name) in PUPILS.items():
            conn.execute(
                insert(roster).values(
                    student_id=sid,
                    school_id=SCHOOL,
                    class_id=CLASS,
                    class_name="4A",
                    student_code=code,
                    full_name=name,
                    name_sort_key=name.lower(),
                    date_of_birth=dt.date(2016, 2, 1),
                    updated_at=now,
                )
            )
            # An: everything T and 9; Bình: Âm nhạc H; Cường: Toán test 3 (CHT).
            tested = programme.tested(4, Period.CN)
            values = [(s.code, "SUBJECT") for s in programme.subjects_of(4, with_electives=False)]
            values += [(code, "ITEM") for code in programme.items]
            for item, kind in values:
                level = "H" if (sid, item) == ("st-2", "AM_NHAC") else "T"
                score = (3 if (sid, item) == ("st-3", "TOAN") else 9) if item in tested else None
                conn.execute(
                    insert(cells).values(
                        school_id=SCHOOL,
                        class_id=CLASS,
                        student_id=sid,
                        school_year_id=YEAR,
                        period="CN",
                        item_code=item,
                        kind=kind,
                        level=level,
                        score=score,
                        comment="",
                        version=1,
                        updated_by="t",
                        updated_by_name="",
                        updated_at=now,
                    )
                )


@pytest.fixture
def grades_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'grades.db'}"


@pytest.fixture
def real_grades(grades_url: str, keys: tuple[Path, Path]) -> Iterator[GrpcServer]:
    url = grades_url
    run_migrations(MIGRATIONS_DIR, url)
    engine = make_engine(url)
    _seed(engine)
    engine.dispose()
    container = build(load_settings({"DATABASE_URL": url}))
    server = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keys[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield server
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def environ(environ: dict[str, str], real_grades: GrpcServer, upstreams: Any) -> dict[str, str]:
    """The conftest's environment with the real grades service, and the results rights for the principal."""
    account = upstreams.identity.accounts["hieutruong"]
    account.permissions = account.permissions | RESULT_PERMISSIONS
    return {**environ, "GRADES_GRPC_ADDR": f"127.0.0.1:{real_grades.port}"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_api_computes_explains_and_takes_the_principal_decision(client: FlaskClient, signed_in: str) -> None:
    h = {"X-CSRFToken": signed_in}
    computed = client.post(f"/api/v1/classes/{CLASS}/year-results", json={}, headers=h)
    assert computed.status_code == 200, computed.text
    body = computed.json
    assert (body["class_name"], body["school_year_name"], body["changed"]) == ("4A", "2025-2026", 3)
    by_name = {r["full_name"]: r for r in body["results"]}
    assert [r["full_name"] for r in body["results"]] == ["Lê Văn Cường", "Nguyễn Văn An", "Trần Thị Bình"]
    assert by_name["Nguyễn Văn An"]["award_name"] == "Học sinh Xuất sắc"
    assert by_name["Trần Thị Bình"]["explanation"] == [
        "Không đạt Hoàn thành xuất sắc vì: Nghệ thuật (Âm nhạc) = H",
        "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H",
    ]
    cuong = by_name["Lê Văn Cường"]
    assert cuong["result"] == "CHT"
    assert cuong["explanation"][-1] == "Không đạt Hoàn thành vì: điểm kiểm tra cuối năm Toán = 3 (cần từ 5)"

    summary = client.get(f"/api/v1/classes/{CLASS}/summary", query_string={"period": "CN"})
    assert summary.status_code == 200, summary.text
    assert [r["full_name"] for r in summary.json["rows"]] == ["Lê Văn Cường", "Nguyễn Văn An", "Trần Thị Bình"]
    am_nhac = next(c for c in summary.json["subjects"] if c["code"] == "AM_NHAC")
    assert am_nhac["level_counts"] == {"H": 1, "T": 2}
    bad_period = client.get(f"/api/v1/classes/{CLASS}/summary", query_string={"period": "HK9"})
    assert bad_period.status_code == 400
    assert bad_period.json["error"]["fields"]["period"] == "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN."

    refused = client.post(
        "/api/v1/students/st-3/year-result/decision",
        json={"decision": "O_LAI_LOP", "decision_ref": "", "decided_on": "19/06/2026"},
        headers=h,
    )
    assert refused.status_code == 400
    assert set(refused.json["error"]["fields"]) == {"decision_ref", "decided_on", "expected_version"}
    # The principal decides only after a supplementary assessment the pupil still failed.
    assessed = client.post(
        "/api/v1/students/st-3/year-result/supplementary",
        json={
            "assessed_on": "2026-06-15",
            "subjects": ["TOAN"],
            "outcome": "CHUA_HOAN_THANH",
            "expected_version": cuong["version"],
        },
        headers=h,
    )
    assert assessed.status_code == 200, assessed.text
    decided = client.post(
        "/api/v1/students/st-3/year-result/decision",
        json={
            "decision": "O_LAI_LOP",
            "decision_ref": "15/QĐ-TH",
            "decided_on": "2026-06-19",
            "expected_version": assessed.json["version"],
        },
        headers=h,
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json["decision"], decided.json["decided_on"]) == ("O_LAI_LOP", "2026-06-19")
    assert decided.json["status_lines"][-1] == (
        "Quyết định của hiệu trưởng số 15/QĐ-TH ngày 19/06/2026: Chưa được lên lớp (ở lại lớp)"
    )
    # The service's own refusal, named on its field: a pupil who completed needs no decision.
    completed = client.post(
        "/api/v1/students/st-1/year-result/decision",
        json={
            "decision": "O_LAI_LOP",
            "decision_ref": "16/QĐ-TH",
            "decided_on": "2026-06-19",
            "expected_version": by_name["Nguyễn Văn An"]["version"],
        },
        headers=h,
    )
    assert completed.status_code in (400, 422)
    assert "đã hoàn thành chương trình lớp học" in completed.json["error"]["fields"]["student_id"]
    assert client.get("/api/v1/students/nobody/year-result").status_code == 404


def test_pages_in_vietnamese_with_the_explanation_and_forms(client: FlaskClient, signed_in: str) -> None:
    empty = client.get("/students/st-2/year-result")
    assert empty.status_code == 200
    assert "Chưa có kết quả cuối năm" in _text(empty.text)

    computed = client.post(f"/classes/{CLASS}/year-results", data={"csrf_token": signed_in})
    assert computed.status_code == 303
    page = client.get(computed.headers["Location"])
    text = _text(page.text)
    assert page.status_code == 200
    assert "Kết quả cuối năm — Lớp 4A" in text
    assert "Đã tính kết quả cuối năm." in text
    assert "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H" in text
    assert "Chờ quyết định lên lớp hay ở lại lớp của hiệu trưởng" in text

    sheet = _text(client.get(f"/classes/{CLASS}/summary?period=CN").text)
    assert "Tổng hợp kết quả — Lớp 4A" in sheet
    assert "Cuối năm học" in sheet

    pupil = client.get("/students/st-3/year-result")
    assert pupil.status_code == 200
    assert 'data-testid="decision-form"' in pupil.text
    assert 'data-testid="supplementary-form"' in pupil.text
    version = re.search(r'name="expected_version" value="(\d+)"', pupil.text)
    assert version
    missing = client.post(
        "/students/st-3/year-result/supplementary",
        data={"csrf_token": signed_in, "school_year_id": YEAR, "assessed_on": "20/06/2026", "outcome": "HOAN_THANH"},
    )
    assert missing.status_code == 400
    assert "Hãy chọn ít nhất một môn học hoặc phẩm chất, năng lực." in _text(missing.text)
    assessed = client.post(
        "/students/st-3/year-result/supplementary",
        data={
            "csrf_token": signed_in,
            "school_year_id": YEAR,
            "expected_version": version.group(1),
            "assessed_on": "15/06/2026",
            "subjects": ["TOAN"],
            "outcome": "CHUA_HOAN_THANH",
        },
    )
    assert assessed.status_code == 303, assessed.text
    version = re.search(r'name="expected_version" value="(\d+)"', client.get("/students/st-3/year-result").text)
    assert version
    # A date typed the Vietnamese way; a wrong one comes back on its field, nothing recorded.
    wrong = client.post(
        "/students/st-3/year-result/decision",
        data={
            "csrf_token": signed_in,
            "school_year_id": YEAR,
            "expected_version": version.group(1),
            "decision": "O_LAI_LOP",
            "decision_ref": "15/QĐ-TH",
            "decided_on": "2026-06-19",
        },
    )
    assert wrong.status_code == 400
    assert 'data-testid="decided_on-error"' in wrong.text
    done = client.post(
        "/students/st-3/year-result/decision",
        data={
            "csrf_token": signed_in,
            "school_year_id": YEAR,
            "expected_version": version.group(1),
            "decision": "O_LAI_LOP",
            "decision_ref": "15/QĐ-TH",
            "decided_on": "19/06/2026",
        },
    )
    assert done.status_code == 303, done.text
    after = _text(client.get(done.headers["Location"]).text)
    assert "Quyết định của hiệu trưởng số 15/QĐ-TH ngày 19/06/2026: Chưa được lên lớp (ở lại lớp)" in after

    # After the principal's decision the supplementary form is gone, and a post is refused.
    assert 'data-testid="supplementary-form"' not in client.get(done.headers["Location"]).text
    late = client.post(
        "/students/st-3/year-result/supplementary",
        data={
            "csrf_token": signed_in,
            "school_year_id": YEAR,
            "expected_version": client.get("/api/v1/students/st-3/year-result").json["version"],
            "assessed_on": "20/06/2026",
            "subjects": ["TOAN"],
            "outcome": "HOAN_THANH",
        },
    )
    assert late.status_code == 400
    kept = client.get("/api/v1/students/st-3/year-result").json
    assert (kept["decision"], len(kept["supplementary"])) == ("O_LAI_LOP", 1)


def test_versions_must_be_plain_numbers_within_range(client: FlaskClient, signed_in: str) -> None:
    h = {"X-CSRFToken": signed_in}
    assert client.post(f"/api/v1/classes/{CLASS}/year-results", json={}, headers=h).status_code == 200
    body = {"decision": "O_LAI_LOP", "decision_ref": "15/QĐ-TH", "decided_on": "2026-06-19"}
    for version in (10**22, 1e22, 0, -1, "٣", "²"):
        answer = client.post(
            "/api/v1/students/st-3/year-result/decision", json={**body, "expected_version": version}, headers=h
        )
        assert answer.status_code == 400, (version, answer.text)
        assert "expected_version" in answer.json["error"]["fields"]
    for version in ("99999999999999999999999", "٣", "²", ""):
        page = client.post(
            "/students/st-3/year-result/decision",
            data={**body, "decided_on": "19/06/2026", "csrf_token": signed_in, "expected_version": version},
        )
        assert page.status_code == 400, (version, page.text)
        assert 'data-testid="expected_version-error"' in page.text


def test_stale_results_after_an_unlock_ask_for_a_new_compute(
    client: FlaskClient, signed_in: str, grades_url: str
) -> None:
    assert client.post(f"/classes/{CLASS}/year-results", data={"csrf_token": signed_in}).status_code == 303
    engine = make_engine(grades_url)
    with engine.begin() as conn:  # the principal unlocks CN (the lock's version moves on)
        conn.execute(update(period_locks).values(locked=False, version=2))
    engine.dispose()
    page = _text(client.get(f"/classes/{CLASS}/year-results").text)
    assert "Cần tổng hợp lại sau khi mở khóa sổ kỳ Cuối năm" in page
    assert client.get("/api/v1/students/st-3/year-result").json["stale"] is True
    again = client.post(f"/classes/{CLASS}/year-results", data={"csrf_token": signed_in})
    assert again.status_code == 400
    assert "Kỳ Cuối năm của lớp chưa khóa sổ" in _text(again.text)


def test_without_the_rights_the_pages_and_api_refuse(client: FlaskClient, browser: Any, upstreams: Any) -> None:
    token = browser.login(client, "gvbm")
    assert client.get(f"/api/v1/classes/{CLASS}/year-results").status_code == 403
    assert (
        client.post(f"/api/v1/classes/{CLASS}/year-results", json={}, headers={"X-CSRFToken": token}).status_code == 403
    )
    assert client.get(f"/classes/{CLASS}/summary").status_code == 403
