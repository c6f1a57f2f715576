"""Grade-book checks and locking through the gateway against the real grades service (in-process,
SQLite): the checks page and its drill-down with links to the grid, the TTCM's view limited to the
department's grades, locking refused with the missing end-of-year score named, separation of duties,
unlocking with a reason, locking a whole grade, the lock log, and the JSON API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert

from school_grades.adapters.tables import roster
from school_grades.adapters.tables_gradebook import cells, grade_classes, grade_years
from school_grades.bootstrap import MIGRATIONS_DIR, Container, build
from school_grades.config import load_settings
from school_grades.domain.programme import Period, load_programme
from schoolkit.db import run_migrations, transaction
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenVerifier, load_public_key

SCHOOL = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"  # the fake identity's school (conftest.SCHOOL_ID)
YEAR = "y-2526"
NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)
PROGRAMME = load_programme("2025-2026")
CHECKS = frozenset({"grades:check:read", "grades:period:lock"})
CLASSES = {"c4a": ("4A", 4), "c4b": ("4B", 4), "c2a": ("2A", 2)}
PUPILS = {
    "c4a": [("s-an", "HS001", "Nguyễn Văn An"), ("s-binh", "HS002", "Trần Thị Bình")],
    "c4b": [("s-chi", "HS003", "Lê Minh Chi")],
    "c2a": [("s-dao", "HS004", "Đỗ Thị Đào")],
}
REASON = "Sửa điểm Toán của em An do nhập nhầm"


@pytest.fixture
def grades(tmp_path: Path, keys: tuple[Path, Path]) -> Iterator[Container]:
    """The real grades service (GradesService, CheckService, LockService) on a free port."""
    url = f"sqlite:///{tmp_path / 'grades.db'}"
    run_migrations(MIGRATIONS_DIR, url)
    container = build(load_settings({"DATABASE_URL": url, "GRPC_BIND": f"127.0.0.1:{free_port()}"}), clock=lambda: NOW)
    server = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keys[1]), audience="grades"),
        bind=container.settings.grpc_bind,
        readiness=container.ready,
    )
    seed(container)
    yield container
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def environ(environ: dict[str, str], grades: Container) -> dict[str, str]:
    return {**environ, "GRADES_GRPC_ADDR": grades.settings.grpc_bind}


def seed(container: Container) -> None:
    """Year 2025-2026 as grades learnt it from students' events, three classes and their rosters."""
    with transaction(container.sessions) as s:
        s.execute(
            insert(grade_years).values(
                id=YEAR,
                school_id=SCHOOL,
                name="2025-2026",
                starts_on=dt.date(2025, 9, 5),
                ends_on=dt.date(2026, 5, 31),
                hk1_ends_on=dt.date(2026, 1, 17),
                version=1,
                updated_at=NOW,
            )
        )
        for class_id, (name, grade) in CLASSES.items():
            s.execute(
                insert(grade_classes).values(
                    id=class_id,
                    school_id=SCHOOL,
                    school_year_id=YEAR,
                    name=name,
                    grade_level=grade,
                    version=1,
                    updated_at=NOW,
                )
            )
            for student_id, code, full_name in PUPILS[class_id]:
                s.execute(
                    insert(roster).values(
                        student_id=student_id,
                        school_id=SCHOOL,
                        class_id=class_id,
                        class_name=name,
                        student_code=code,
                        full_name=full_name,
                        name_sort_key=full_name.lower(),
                        date_of_birth=dt.date(2016, 1, 1),
                        updated_at=NOW,
                    )
                )


def fill(container: Container, class_id: str, period: Period, skip: frozenset[str] = frozenset()) -> None:
    """Every cell of the class in ``period``, entered by the subject teacher Lê Thị Hoa; ``skip`` leaves out
    "<student id>:score:<code>" or "<student id>:<code>"."""
    grade = CLASSES[class_id][1]
    tested = PROGRAMME.tested(grade, period)
    with transaction(container.sessions) as s:
        for student_id, _, _ in PUPILS[class_id]:
            subjects = [(x.code, "SUBJECT") for x in PROGRAMME.subjects_of(grade, with_electives=False)]
            for code, kind in [*subjects, *((c, "ITEM") for c in PROGRAMME.items)]:
                if f"{student_id}:{code}" in skip:
                    continue
                scored = kind == "SUBJECT" and code in tested and f"{student_id}:score:{code}" not in skip
                s.execute(
                    insert(cells).values(
                        school_id=SCHOOL,
                        class_id=class_id,
                        student_id=student_id,
                        school_year_id=YEAR,
                        period=period.value,
                        item_code=code,
                        kind=kind,
                        level="T" if kind == "SUBJECT" else "Đ",
                        score=9 if scored else None,
                        comment="",
                        version=1,
                        updated_by="u-gv-hoa",
                        updated_by_name="Lê Thị Hoa",
                        updated_at=NOW,
                    )
                )


@pytest.fixture
def staff(upstreams: Any) -> None:
    """The principal holds the check and lock permissions; a TTCM's department covers grade 4."""
    accounts = upstreams.identity.accounts
    ht = accounts["hieutruong"]
    ht.permissions = ht.permissions | CHECKS
    accounts["totruong"] = dataclasses.replace(
        accounts["gvbm"],
        user_id="u-ttcm",
        username="totruong",
        full_name="Vũ Thị Lan",
        roles=("TTCM",),
        permissions=frozenset({"grades:check:read", "identity:me:read"}),
        scopes=frozenset({"department:d-45", f"grade:{YEAR}:4"}),
    )


def rows(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}"[^>]*data-id="([^"]+)"', html)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_checks_page_and_drill_down(client: FlaskClient, browser: Any, staff: None, grades: Container) -> None:
    fill(grades, "c4a", Period.GK1)
    fill(grades, "c4b", Period.GK1, frozenset({"s-chi:score:TOAN"}))
    browser.login(client)
    page = client.get("/grades/checks?period=GK1")
    assert page.status_code == 200, page.text
    assert "<h1" in page.text
    assert "Kiểm tra sổ điểm" in page.text
    assert "2025-2026" in page.text
    assert rows(page.text, "check-row") == ["c2a", "c4a", "c4b"]
    assert 'data-id="c4a" data-complete="yes"' in page.text
    assert 'data-id="c4b" data-complete="no"' in page.text
    assert 'data-testid="nav-grade-checks"' in page.text
    assert 'data-testid="nav-grade-locks"' in page.text
    detail = client.get("/grades/checks/c4b?period=GK1")
    assert detail.status_code == 200, detail.text
    assert "Lê Minh Chi" in detail.text
    assert "Điểm kiểm tra" in detail.text
    assert "Lê Thị Hoa" in detail.text  # who entered Toán
    assert 'href="/classes/c4b/gradebook?subject=TOAN&amp;period=GK1"' in detail.text
    bad = client.get("/grades/checks?period=HK9")
    assert bad.status_code == 400
    assert "Chọn kỳ đánh giá: GK1, CK1, GK2 hoặc CN." in bad.text


def test_a_head_of_department_sees_the_departments_grades_only(
    client: FlaskClient, browser: Any, staff: None, grades: Container
) -> None:
    browser.login(client, "totruong")
    page = client.get("/grades/checks?period=GK1")
    assert rows(page.text, "check-row") == ["c4a", "c4b"]
    assert 'data-testid="nav-grade-locks"' not in page.text  # reads the checks, does not lock
    assert client.get("/grades/checks/c2a?period=GK1").status_code == 403
    assert client.get("/grades/locks").status_code == 403
    api = client.get("/api/v1/grade-checks?period=GK1&grade_level=4")
    assert [c["class_name"] for c in api.json["items"]] == ["4A", "4B"]
    assert api.json["school_year"] == {"id": YEAR, "name": "2025-2026"}


def test_lock_refused_with_the_missing_end_of_year_score_then_locked_and_unlocked(
    client: FlaskClient, browser: Any, staff: None, grades: Container
) -> None:
    fill(grades, "c4a", Period.CN, frozenset({"s-an:score:TOAN"}))
    browser.login(client)
    page = client.get("/grades/locks?period=CN")
    assert page.status_code == 200, page.text
    token = csrf(page.text)
    refused = client.post("/grades/locks/c4a/lock", data={"csrf_token": token, "period": "CN", "school_year_id": YEAR})
    assert refused.status_code == 400
    assert "Nguyễn Văn An: Chưa có điểm kiểm tra cuối năm môn Toán" in refused.text
    assert 'data-id="c4a" data-locked="no"' in refused.text
    fill(grades, "c4b", Period.CN)
    locked = client.post(
        "/grades/locks/c4b/lock",
        data={"csrf_token": token, "period": "CN", "school_year_id": YEAR},
        follow_redirects=True,
    )
    assert "Đã khóa kỳ đánh giá của lớp." in locked.text
    assert 'data-id="c4b" data-locked="yes"' in locked.text
    short = client.post("/grades/locks/c4b/unlock", data={"csrf_token": token, "period": "CN", "reason": "nhầm"})
    assert short.status_code == 400
    assert "Hãy ghi lý do (ít nhất 10 ký tự)" in short.text
    assert 'data-id="c4b" data-locked="yes"' in short.text
    opened = client.post(
        "/grades/locks/c4b/unlock",
        data={"csrf_token": token, "period": "CN", "reason": REASON, "school_year_id": YEAR},
        follow_redirects=True,
    )
    assert "Đã mở khóa kỳ đánh giá; từ nay mỗi lần sửa cần ghi lý do." in opened.text
    assert re.findall(r'data-testid="log-row" data-action="(\w+)"', opened.text) == ["UNLOCK", "LOCK"]
    assert REASON in opened.text


def test_whoever_entered_results_may_not_lock(
    client: FlaskClient, browser: Any, staff: None, grades: Container, upstreams: Any
) -> None:
    fill(grades, "c4a", Period.GK1)
    upstreams.identity.accounts["hieutruong"].user_id = "u-gv-hoa"  # the principal entered these cells
    token = browser.login(client)
    answer = client.post("/api/v1/classes/c4a/period-lock", json={"period": "GK1"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 409
    assert "phân tách nhiệm vụ" in answer.json["error"]["fields"]["period"]


def test_lock_a_grade_and_the_json_api(client: FlaskClient, browser: Any, staff: None, grades: Container) -> None:
    fill(grades, "c4a", Period.GK1)
    token = browser.login(client)
    h = {"X-CSRFToken": token}
    page = client.get("/grades/locks?period=GK1&grade_level=4")
    many = client.post(
        "/grades/locks",
        data={"csrf_token": csrf(page.text), "school_year_id": YEAR, "period": "GK1", "grade_level": "4"},
    )
    assert many.status_code == 200, many.text
    outcomes = dict(re.findall(r'data-testid="lock-outcome" data-id="(\w+)" data-outcome="(\w+)"', many.text))
    assert outcomes == {"c4a": "LOCKED", "c4b": "REFUSED"}
    assert "Lê Minh Chi: chưa có mức đạt được" in many.text
    again = client.post("/api/v1/period-locks", json={"period": "GK1", "grade_level": 4}, headers=h)
    assert again.status_code == 200, again.text
    assert {o["class_name"]: o["outcome"] for o in again.json["items"]} == {"4A": "ALREADY_LOCKED", "4B": "REFUSED"}
    detail = client.get("/api/v1/classes/c4b/grade-checks?period=GK1")
    summary = detail.json["summary"]
    assert summary["missing_levels"] + summary["missing_scores"] == summary["expected"]  # nothing entered in 4B
    assert detail.json["missing"][0]["full_name"] == "Lê Minh Chi"
    unlock = client.post("/api/v1/classes/c4a/period-unlock", json={"period": "GK1", "reason": "ngắn"}, headers=h)
    assert unlock.status_code == 400
    assert unlock.json["error"]["fields"] == {"reason": "Hãy ghi lý do (ít nhất 10 ký tự)"}
    unlock = client.post("/api/v1/classes/c4a/period-unlock", json={"period": "GK1", "reason": REASON}, headers=h)
    assert unlock.status_code == 200, unlock.text
    assert unlock.json["locked"] is False
    log = client.get("/api/v1/period-lock-log").json["items"]
    assert [(e["class_name"], e["action"], e["reason"]) for e in log] == [("4A", "UNLOCK", REASON), ("4A", "LOCK", "")]
    bad = client.post("/api/v1/classes/c4a/period-lock", json={"period": "HK3"}, headers=h)
    assert bad.status_code == 400
    assert bad.json["error"]["fields"] == {"period": "Chọn kỳ đánh giá: GK1, CK1, GK2 hoặc CN."}


def test_a_lock_form_with_a_bad_period_changes_nothing(
    client: FlaskClient, browser: Any, staff: None, grades: Container
) -> None:
    fill(grades, "c4a", Period.GK1)
    browser.login(client)
    token = csrf(client.get("/grades/locks").text)
    bad = client.post("/grades/locks/c4a/lock", data={"csrf_token": token, "period": "GK9"})
    assert bad.status_code == 400
    assert "Chọn kỳ đánh giá: GK1, CK1, GK2 hoặc CN." in bad.text
    assert 'data-id="c4a" data-locked="no"' in bad.text  # GK1 (the default view) was not locked instead
    unknown = client.post("/grades/locks/c-other/lock", data={"csrf_token": token, "period": "GK1"})
    assert unknown.status_code == 400
    assert "Không tìm thấy" in unknown.text


# --- The grade book's pages with odd input (issue 5 review #18) ------------------------------------


def test_the_gradebook_pages_answer_odd_numbers_without_a_500(
    client: FlaskClient, browser: Any, staff: None, upstreams: Any, grades: Container
) -> None:
    ht = upstreams.identity.accounts["hieutruong"]
    ht.permissions = ht.permissions | {"grades:score:read", "grades:programme:write"}
    browser.login(client)
    for saved in ("²", "١", "99999999999999999999999"):
        page = client.get(f"/classes/c4a/gradebook?subject=TOAN&period=CK1&saved={saved}")
        assert page.status_code == 200, page.text
    settings = client.get("/gradebook/settings")
    assert settings.status_code == 200, settings.text
    body = client.get(f"/gradebook/settings/programme.json?year={YEAR}").data
    for version in ("1e22", "99999999999999999999999", "²"):
        answer = client.post(
            "/gradebook/settings/programme",
            data={
                "csrf_token": csrf(settings.text),
                "year": YEAR,
                "expected_version": version,
                "programme": (io.BytesIO(body), "chuong-trinh.json"),
            },
            content_type="multipart/form-data",
        )
        assert answer.status_code < 500, answer.text
