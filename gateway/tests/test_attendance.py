"""Attendance through the gateway against the real students service (in-process, SQLite, fixed
clock): the JSON API, the phone-first day page as a plain form, corrections, conflicts, the
monthly sheet with its Excel export, alerts on the class page, and Vietnamese field messages."""

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

from school_students.bootstrap import MIGRATIONS_DIR, build
from school_students.config import load_settings
from schoolkit.db import run_migrations
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenVerifier, load_public_key

FRI = "2026-11-27"
ATTENDANCE = frozenset({"students:attendance:read", "students:attendance:write"})


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def students_addr(tmp_path: Path, keys: tuple[Path, Path], clock: Clock) -> Iterator[str]:
    """The real students service (StudentsService and AttendanceService) on a free port."""
    url = f"sqlite:///{tmp_path / 'students.db'}"
    run_migrations(MIGRATIONS_DIR, url)
    container = build(load_settings({"DATABASE_URL": url}), clock=clock)
    server = start_server(
        register=container.registrations,
        verifier=TokenVerifier(load_public_key(keys[1]), audience="students"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield f"127.0.0.1:{server.port}"
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def environ(environ: dict[str, str], students_addr: str) -> dict[str, str]:
    return {**environ, "STUDENTS_GRPC_ADDR": students_addr}


@pytest.fixture
def school(client: FlaskClient, upstreams: Any, browser: Any, clock: Clock) -> dict[str, Any]:
    """Year 2026-2027, classes 1A (three pupils enrolled on 2 November) and 2A; a GVCN of 1A."""
    ht = upstreams.identity.accounts["hieutruong"]
    ht.permissions = ht.permissions | ATTENDANCE
    token = browser.login(client)
    h = {"X-CSRFToken": token}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2026-2027", "start_date": "2026-09-05", "end_date": "2027-05-31"},
        headers=h,
    ).json
    ids: dict[str, Any] = {"year": year["id"], "token": token}
    for name in ("1A", "2A"):
        ids[name] = client.post(
            "/api/v1/classes", json={"school_year_id": year["id"], "name": name, "grade_level": 1}, headers=h
        ).json["id"]
    pupils = {}
    for full_name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu"):
        body = {"class_id": ids["1A"], "full_name": full_name, "date_of_birth": "2019-06-15", "gender": "female"}
        made = client.post("/api/v1/students", json=body, headers=h)
        assert made.status_code == 201, made.text
        pupils[full_name.split()[-1]] = made.json["id"]
    ids["pupils"] = pupils
    gvbm = upstreams.identity.accounts["gvbm"]
    upstreams.identity.accounts["gvcn"] = dataclasses.replace(
        gvbm,
        user_id="u-gvcn",
        username="gvcn",
        full_name="Phạm Thu Hà",
        roles=("GVCN",),
        permissions=frozenset({"students:class:read", "students:student:read", "identity:me:read"}) | ATTENDANCE,
        scopes=frozenset({f"class:{ids['1A']}"}),
    )
    clock.now = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)  # Friday, 10:00 in Vietnam
    return ids


def test_api_day_save_correct_and_conflict(client: FlaskClient, school: dict[str, Any]) -> None:
    h = {"X-CSRFToken": school["token"]}
    url = f"/api/v1/classes/{school['1A']}/attendance"
    blank = client.get(url)
    assert blank.status_code == 200, blank.text
    assert blank.json["date"] == FRI
    assert blank.json["counts"] == {"enrolled": 3, "present": 3, "excused": 0, "unexcused": 0, "late": 0}
    b, c = school["pupils"]["Bình"], school["pupils"]["Châu"]
    body = {
        "date": FRI,
        "expected_version": 0,
        "marks": [{"student_id": b, "mark": "excused", "note": "ốm"}, {"student_id": c, "mark": "unexcused"}],
    }
    saved = client.post(url, json=body, headers=h)
    assert saved.status_code == 200, saved.text
    assert saved.json["changed"] is True
    assert saved.json["day"]["counts"]["present"] == 1
    assert client.post(url, json=body, headers=h).json["changed"] is False

    stale = client.post(url, json={**body, "marks": []}, headers=h)
    assert stale.status_code == 409
    assert "tải lại" in stale.json["error"]["message"]
    no_reason = client.post(url, json={**body, "expected_version": 1, "marks": []}, headers=h)
    assert no_reason.status_code == 400
    assert "lý do" in no_reason.json["error"]["fields"]["correction_reason"]
    fixed = client.post(
        url, json={**body, "expected_version": 1, "marks": [], "correction_reason": "Nhầm lẫn"}, headers=h
    )
    assert fixed.status_code == 200, fixed.text
    assert [c["reason"] for c in fixed.json["day"]["corrections"]] == ["Nhầm lẫn", "Nhầm lẫn"]

    history = client.get(f"/api/v1/students/{b}/attendance")
    assert history.json["days"][0]["mark"] == "present"
    month = client.get(f"/api/v1/classes/{school['1A']}/attendance/monthly", query_string={"month": "2026-11"})
    assert month.status_code == 200
    assert month.json["days"][-1]["date"] == "2026-11-30"


def test_api_refuses_bad_input_naming_the_field(client: FlaskClient, school: dict[str, Any]) -> None:
    h = {"X-CSRFToken": school["token"]}
    url = f"/api/v1/classes/{school['1A']}/attendance"
    cases = [
        ({"date": "2026-11-30", "expected_version": 0}, "date", "tương lai"),
        ({"date": "2026-11-21", "expected_version": 0}, "date", "Thứ bảy"),
        ({"date": "2026-08-31", "expected_version": 0}, "date", "ngoài năm học"),
        ({"date": "27/11/2026", "expected_version": 0}, "date", ""),
        ({"date": FRI, "expected_version": 0, "marks": [{"student_id": "x1", "mark": "excused"}]}, "marks.x1", "lớp"),
        (
            {"date": FRI, "expected_version": 0, "marks": [{"student_id": school["pupils"]["An"], "mark": "sick"}]},
            "marks.0.mark",
            "",
        ),
    ]
    for body, field, words in cases:
        answer = client.post(url, json=body, headers=h)
        assert answer.status_code in (400, 422), (body, answer.text)
        fields = answer.json["error"]["fields"]
        assert field in fields, (body, fields)
        assert words in fields[field]
    month = client.get(f"/api/v1/classes/{school['1A']}/attendance/monthly", query_string={"month": "11/2026"})
    assert month.status_code in (400, 422)
    huge = client.post(url, json={"date": FRI, "expected_version": 2**40}, headers=h)
    assert huge.status_code in (400, 422)
    assert "expected_version" in huge.json["error"]["fields"]


def test_vietnamese_messages_on_refusals(client: FlaskClient, school: dict[str, Any]) -> None:
    h = {"X-CSRFToken": school["token"], "Accept-Language": "vi"}
    answer = client.post(
        f"/api/v1/classes/{school['1A']}/attendance",
        json={"date": FRI, "expected_version": 0, "marks": [{"student_id": school["pupils"]["An"], "mark": "sick"}]},
        headers=h,
    )
    assert answer.status_code in (400, 422)
    assert "Trạng thái" in answer.json["error"]["fields"]["marks.0.mark"]


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_page_as_a_plain_form_for_the_gvcn(client: FlaskClient, school: dict[str, Any], browser: Any) -> None:
    client.post("/signout", data={"csrf_token": school["token"]})
    browser.login(client, "gvcn")
    home = client.get("/")
    assert 'data-testid="nav-attendance"' in home.text
    index = client.get("/attendance")
    assert index.status_code == 200
    assert "attendance-class-1A" in index.text
    page = client.get(f"/classes/{school['1A']}/attendance")
    assert page.status_code == 200, page.text
    assert "27/11/2026" in page.text
    assert 'data-testid="count-enrolled">3<' in page.text
    b, c = school["pupils"]["Bình"], school["pupils"]["Châu"]
    form = {
        "csrf_token": _form_token(page.text),
        "date": FRI,
        "expected_version": "0",
        f"mark-{school['pupils']['An']}": "present",
        f"mark-{b}": "excused",
        f"note-{b}": "Sốt",
        f"mark-{c}": "unexcused",
    }
    saved = client.post(f"/classes/{school['1A']}/attendance", data=form)
    assert saved.status_code == 303
    shown = client.get(saved.headers["Location"])
    assert 'data-testid="attendance-saved"' in shown.text
    assert 'data-testid="count-present">1<' in shown.text
    assert 'data-testid="count-excused">1<' in shown.text
    assert 'data-testid="count-unexcused">1<' in shown.text

    # A correction without a reason is refused on the form; with one it is kept.
    change = {**form, "csrf_token": _form_token(shown.text), "expected_version": "1", f"mark-{c}": "excused"}
    refused = client.post(f"/classes/{school['1A']}/attendance", data=change)
    assert refused.status_code == 400
    assert 'data-testid="correction_reason-error"' in refused.text
    change["correction_reason"] = "Phụ huynh đã gọi điện xin phép"
    assert client.post(f"/classes/{school['1A']}/attendance", data=change).status_code == 303
    after = client.get(f"/classes/{school['1A']}/attendance", query_string={"date": "27/11/2026"})
    assert "Phụ huynh đã gọi điện xin phép" in after.text

    # A stale form from a second device is refused, not silently applied.
    stale = client.post(f"/classes/{school['1A']}/attendance", data={**change, f"mark-{b}": "present"})
    assert stale.status_code == 409
    assert "tải lại" in stale.text

    # Another class is not theirs; a weekend is not a school day.
    assert client.get(f"/classes/{school['2A']}/attendance").status_code == 403
    weekend = client.get(f"/classes/{school['1A']}/attendance", query_string={"date": "2026-11-21"})
    assert weekend.status_code == 400
    assert "Thứ bảy" in weekend.text
    assert client.get(f"/classes/{school['1A']}/attendance", query_string={"date": "31/02/2026"}).status_code == 400
    huge = client.post(f"/classes/{school['1A']}/attendance", data={**change, "expected_version": str(2**40)})
    assert huge.status_code == 400
    bad_mark = client.post(f"/classes/{school['1A']}/attendance", data={**change, f"mark-{b}": "sick"})
    assert bad_mark.status_code == 400
    assert "Trạng thái điểm danh không hợp lệ" in bad_mark.text


def test_monthly_sheet_export_and_alerts(client: FlaskClient, school: dict[str, Any], clock: Clock) -> None:
    h = {"X-CSRFToken": school["token"]}
    c = school["pupils"]["Châu"]
    for day in ("2026-11-25", "2026-11-26", FRI):
        body = {"date": day, "expected_version": 0, "marks": [{"student_id": c, "mark": "unexcused"}]}
        assert client.post(f"/api/v1/classes/{school['1A']}/attendance", json=body, headers=h).status_code == 200
    month = client.get(f"/classes/{school['1A']}/attendance/month", query_string={"month": "2026-11"})
    assert month.status_code == 200
    row = re.search(r'data-name="Lê Minh Châu">(.*?)</tr>', month.text, re.S).group(1)  # type: ignore[union-attr]
    assert row.count(">K<") == 3
    assert 'data-testid="total-unexcused">3<' in row
    assert "2/3" in month.text

    export = client.get(f"/classes/{school['1A']}/attendance/month/export", query_string={"month": "2026-11"})
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.data)).active
    assert "Lớp 1A" in str(sheet["A1"].value)

    alerts = client.get("/api/v1/attendance/alerts").json["items"]
    assert [(a["full_name"], a["rule"], a["count"]) for a in alerts] == [("Lê Minh Châu", "consecutive", 3)]
    class_page = client.get(f"/classes/{school['1A']}")
    assert 'data-testid="attendance-link"' in class_page.text
    assert "Lê Minh Châu" in class_page.text.split('data-testid="attendance-panel"')[1]
    school_page = client.get("/attendance")
    assert 'data-testid="attendance-alert"' in school_page.text
    outside = client.get(f"/classes/{school['1A']}/attendance/month", query_string={"month": "2026-07"})
    assert outside.status_code == 400
    assert "ngoài năm học" in outside.text


def test_routes_need_the_permission(client: FlaskClient, browser: Any, school: dict[str, Any]) -> None:
    client.post("/signout", data={"csrf_token": school["token"]})
    browser.login(client, "vanphong")
    assert client.get("/attendance").status_code == 403
    assert client.get(f"/api/v1/classes/{school['1A']}/attendance").status_code == 403
