"""Student movements through the gateway, against the real students service (SQLite): the JSON API,
the pages in Vietnamese with dd/mm/yyyy dates, field errors, permissions and the printable dossier."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from school_students.bootstrap import MIGRATIONS_DIR, build
from school_students.config import load_settings
from schoolkit.db import run_migrations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenVerifier, load_public_key

MOVEMENT_PERMISSIONS = frozenset({"students:movement:read", "students:movement:write"})
TODAY = dt.date.today()
FIRST = TODAY.year if TODAY.month >= 8 else TODAY.year - 1


@pytest.fixture
def real_students(tmp_path: Path, keys: tuple[Path, Path]) -> Iterator[GrpcServer]:
    url = f"sqlite:///{tmp_path / 'students.db'}"
    run_migrations(MIGRATIONS_DIR, url)
    container = build(load_settings({"DATABASE_URL": url}))
    server = start_server(
        register=container.registrations,
        verifier=TokenVerifier(load_public_key(keys[1]), audience="students"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield server
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def environ(environ: dict[str, str], real_students: GrpcServer, upstreams: Any) -> dict[str, str]:
    """The conftest's environment with the real students service, and movement rights for the principal."""
    account = upstreams.identity.accounts["hieutruong"]
    account.permissions = account.permissions | MOVEMENT_PERMISSIONS
    return {**environ, "STUDENTS_GRPC_ADDR": f"127.0.0.1:{real_students.port}"}


def _school(client: FlaskClient, token: str, max_size: int = 35) -> dict[str, str]:
    h = {"X-CSRFToken": token}
    year = client.post(
        "/api/v1/school-years",
        json={"name": f"{FIRST}-{FIRST + 1}", "start_date": f"{FIRST}-08-01", "end_date": f"{FIRST + 1}-07-31"},
        headers=h,
    )
    assert year.status_code == 201, year.text
    ids = {"year": year.json["id"]}
    for name in ("3A", "3B"):
        made = client.post(
            "/api/v1/classes",
            json={"school_year_id": ids["year"], "name": name, "grade_level": 3, "max_size": max_size},
            headers=h,
        )
        assert made.status_code == 201, made.text
        ids[name] = made.json["id"]
    for full_name in ("Nguyễn Văn An", "Trần Thị Bình"):
        body = {"class_id": ids["3A"], "full_name": full_name, "date_of_birth": "2017-06-15", "gender": "male"}
        made = client.post("/api/v1/students", json=body, headers=h)
        assert made.status_code == 201, made.text
        ids[full_name] = made.json["id"]
    return ids


def _size(client: FlaskClient, class_id: str) -> int:
    return int(client.get(f"/api/v1/classes/{class_id}").json["size"])


def test_api_transfer_out_dropout_transfer_in_and_report(client: FlaskClient, signed_in: str) -> None:
    ids = _school(client, signed_in)
    h = {"X-CSRFToken": signed_in}
    out = client.post(
        f"/api/v1/students/{ids['Nguyễn Văn An']}/transfer-out",
        json={
            "effective_date": TODAY.isoformat(),
            "reason_code": "CHUYEN_NOI_O",
            "to_school_name": "Trường Tiểu học Kim Đồng",
            "application_received_on": TODAY.isoformat(),
            "receiving_school_agreed": True,
            "documents": ["HOC_BA"],
        },
        headers=h,
    )
    assert out.status_code == 201, out.text
    assert out.json["status_after"] == "CHUYEN_DI"
    assert out.json["handover_deadline"] > TODAY.isoformat()
    assert _size(client, ids["3A"]) == 1

    dropped = client.post(
        f"/api/v1/students/{ids['Trần Thị Bình']}/dropout",
        json={"effective_date": TODAY.isoformat(), "reason_code": "OM_DAU"},
        headers=h,
    )
    assert dropped.status_code == 201, dropped.text
    assert _size(client, ids["3A"]) == 0

    again = client.post(
        f"/api/v1/students/{ids['Trần Thị Bình']}/dropout",
        json={"effective_date": TODAY.isoformat(), "reason_code": "OM_DAU"},
        headers=h,
    )
    assert again.status_code == 409, again.text
    assert "đã rời trường" in again.json["error"]["fields"]["student_id"]

    came = client.post(
        "/api/v1/movements/transfer-in",
        json={
            "class_id": ids["3B"],
            "full_name": "Phạm Minh Khoa",
            "date_of_birth": "2017-05-02",
            "gender": "male",
            "effective_date": TODAY.isoformat(),
            "reason_code": "CHUYEN_NOI_O",
            "from_school_name": "Trường Tiểu học Lê Lợi",
            "earlier_results": "Toán: T",
        },
        headers=h,
    )
    assert came.status_code == 201, came.text
    assert came.json["student"]["class_id"] == ids["3B"]
    assert _size(client, ids["3B"]) == 1

    history = client.get(f"/api/v1/students/{ids['Nguyễn Văn An']}/movements")
    assert history.status_code == 200
    assert history.json["status"] == "CHUYEN_DI"
    assert [m["kind"] for m in history.json["movements"]] == ["TRANSFER_OUT"]

    report = client.get("/api/v1/movements/report", query_string={"school_year_id": ids["year"]})
    assert report.status_code == 200, report.text
    total = report.json["total"]
    assert (total["transfers_out"], total["dropouts"], total["transfers_in"], total["end"]) == (1, 1, 1, 1)
    reasons = client.get("/api/v1/movements/reasons").json["items"]
    assert {"kind": "DROPOUT", "code": "OM_DAU", "label": "Ốm đau, bệnh tật kéo dài"} in reasons


def test_api_bad_input_names_fields_in_vietnamese(client: FlaskClient, signed_in: str) -> None:
    ids = _school(client, signed_in, max_size=2)
    h = {"X-CSRFToken": signed_in, "Accept-Language": "vi"}
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    answer = client.post(
        f"/api/v1/students/{ids['Nguyễn Văn An']}/dropout",
        json={"effective_date": future, "reason_code": "KHONG_CO"},
        headers=h,
    )
    assert answer.status_code == 400, answer.text
    fields = answer.json["error"]["fields"]
    assert fields["effective_date"] == "Ngày hiệu lực không được ở tương lai"
    assert "không có trong danh mục" in fields["reason_code"]

    back = client.post(
        f"/api/v1/students/{ids['Nguyễn Văn An']}/return",
        json={"effective_date": TODAY.isoformat(), "reason_code": "TRO_LAI", "class_id": ids["3B"]},
        headers=h,
    )
    assert back.status_code == 409
    assert "chưa từng nghỉ" in back.json["error"]["fields"]["student_id"]

    full = client.post(
        "/api/v1/movements/transfer-in",
        json={
            "class_id": ids["3A"],
            "full_name": "Phạm Minh Khoa",
            "date_of_birth": "2017-05-02",
            "gender": "male",
            "effective_date": TODAY.isoformat(),
            "reason_code": "CHUYEN_NOI_O",
            "from_school_name": "Trường Tiểu học Lê Lợi",
        },
        headers=h,
    )
    assert full.status_code == 409
    assert "đủ sĩ số" in full.json["error"]["fields"]["class_id"]
    unknown = client.post(
        "/api/v1/students/00000000-0000-4000-8000-000000000000/dropout",
        json={"effective_date": TODAY.isoformat(), "reason_code": "OM_DAU"},
        headers=h,
    )
    assert unknown.status_code == 404
    missing = client.post(f"/api/v1/students/{ids['Nguyễn Văn An']}/transfer-out", json={}, headers=h)
    assert missing.status_code in (400, 422)
    assert {"effective_date", "reason_code", "to_school_name"} <= set(missing.json["error"]["fields"])


def test_pages_record_a_transfer_out_and_print_the_dossier(client: FlaskClient, signed_in: str, browser: Any) -> None:
    ids = _school(client, signed_in)
    student = ids["Nguyễn Văn An"]
    class_page = client.get(f"/classes/{ids['3A']}")
    assert f'href="/students/{student}/movements"' in class_page.text
    page = client.get(f"/students/{student}/movements", headers={"Accept-Language": "vi"})
    assert page.status_code == 200
    assert "Đang học" in page.text
    form_page = client.get(f"/students/{student}/transfer-out")
    assert form_page.status_code == 200
    token = browser.form_csrf(form_page.text)

    bad = client.post(
        f"/students/{student}/transfer-out",
        data={"csrf_token": token, "effective_date": "31/02/2026", "reason_code": "CHUYEN_NOI_O"},
    )
    assert bad.status_code == 400
    assert re.search(r'data-testid="effective_date-error"', bad.text)

    day = TODAY.strftime("%d/%m/%Y")
    done = client.post(
        f"/students/{student}/transfer-out",
        data={
            "csrf_token": token,
            "effective_date": day,
            "reason_code": "CHUYEN_NOI_O",
            "to_school_name": "Trường Tiểu học Kim Đồng",
            "application_received_on": day,
            "receiving_school_agreed": "on",
            "handed_over_on": day,
            "documents": ["HOC_BA", "DON_XIN_CHUYEN_TRUONG"],
        },
    )
    assert done.status_code == 303, done.text
    history = client.get(done.headers["Location"])
    assert "Đã chuyển đi" in history.text or "Chuyển trường đi" in history.text
    link = re.search(r'href="([^"]+/transfer-dossier\?movement_id=[^"]+)"', history.text)
    assert link is not None
    dossier = client.get(link.group(1).replace("&amp;", "&"))
    assert dossier.status_code == 200
    assert "Hồ sơ chuyển trường" in dossier.text
    assert "Trường Tiểu học Kim Đồng" in dossier.text
    assert 'data-code="HOC_BA" data-done="yes"' in dossier.text
    assert 'data-code="KE_HOACH_GIAO_DUC_CA_NHAN" data-done="no"' in dossier.text
    assert day in dossier.text

    latest = client.get(f"/students/{student}/transfer-dossier")
    assert 'data-code="HOC_BA" data-done="yes"' in latest.text
    never = client.get(f"/students/{ids['Trần Thị Bình']}/transfer-dossier")
    assert never.status_code == 200
    assert 'data-testid="no-dossier"' in never.text
    report = client.get("/movements/report", query_string={"school_year_id": ids["year"]})
    assert report.status_code == 200
    assert "Biến động học sinh" in report.text
    bad_period = client.get("/movements/report", query_string={"school_year_id": ids["year"], "period_from": "xx"})
    assert bad_period.status_code == 400
    assert 'data-testid="period_from-error"' in bad_period.text


def test_transfer_in_page(client: FlaskClient, signed_in: str, browser: Any) -> None:
    ids = _school(client, signed_in)
    page = client.get("/movements/transfer-in")
    assert page.status_code == 200
    assert "Tiếp nhận học sinh chuyển đến" in page.text
    token = browser.form_csrf(page.text)
    day = TODAY.strftime("%d/%m/%Y")
    done = client.post(
        "/movements/transfer-in",
        data={
            "csrf_token": token,
            "full_name": "Phạm Minh Khoa",
            "date_of_birth": "02/05/2017",
            "gender": "male",
            "class_id": ids["3B"],
            "effective_date": day,
            "reason_code": "CHUYEN_NOI_O",
            "from_school_name": "Trường Tiểu học Lê Lợi",
            "documents": ["HOC_BA"],
            "earlier_results": "Toán: T",
        },
    )
    assert done.status_code == 303, done.text
    assert _size(client, ids["3B"]) == 1


def test_movements_need_the_permissions(client: FlaskClient, browser: Any) -> None:
    browser.login(client, "vanphong")
    assert client.get("/api/v1/movements/reasons").status_code == 403
    assert client.get("/movements/report").status_code == 403


def test_repeat_roll_over_delete_and_merge(client: FlaskClient, signed_in: str, upstreams: Any, browser: Any) -> None:
    account = upstreams.identity.accounts["hieutruong"]
    account.permissions = account.permissions | {"students:student:delete"}
    token = browser.login(client)
    h = {"X-CSRFToken": token}
    ids = _school(client, token)
    next_year = client.post(
        "/api/v1/school-years",
        json={"name": f"{FIRST + 1}-{FIRST + 2}", "start_date": f"{FIRST + 1}-08-01", "end_date": f"{FIRST + 2}-07-31"},
        headers=h,
    ).json["id"]
    marked = client.post(f"/api/v1/students/{ids['Trần Thị Bình']}/repeat", json={"repeat": True}, headers=h)
    assert marked.status_code == 200, marked.text
    assert marked.json == {"school_year_id": ids["year"], "repeat": True}

    same = client.post(
        "/api/v1/roll-over", json={"from_school_year_id": ids["year"], "to_school_year_id": ids["year"]}, headers=h
    )
    assert same.status_code == 400
    assert "Năm học mới phải bắt đầu sau" in same.json["error"]["fields"]["to_school_year_id"]

    page = client.get("/roll-over")
    assert page.status_code == 200
    assert "Kết chuyển năm học" in page.text
    done = client.post(
        "/roll-over",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "from_school_year_id": ids["year"],
            "to_school_year_id": next_year,
        },
    )
    assert done.status_code == 200, done.text
    assert 'data-testid="roll-over-row"' in done.text
    classes = {
        c["name"]: c for c in client.get("/api/v1/classes", query_string={"school_year_id": next_year}).json["items"]
    }
    assert (classes["4A"]["size"], classes["3A"]["size"]) == (1, 1)
    again = client.post(
        "/api/v1/roll-over", json={"from_school_year_id": ids["year"], "to_school_year_id": next_year}, headers=h
    )
    assert again.status_code == 200
    assert again.json == {"classes": [], "created_class_names": []}

    extra = client.post(
        "/api/v1/students",
        json={
            "class_id": classes["4A"]["id"],
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "2017-06-15",
            "gender": "male",
        },
        headers=h,
    ).json
    wrong = client.post(
        f"/api/v1/students/{extra['id']}/delete", json={"reason": "Nhập nhầm", "confirm_student_code": "X"}, headers=h
    )
    assert wrong.status_code == 400
    assert "Hãy nhập đúng mã học sinh" in wrong.json["error"]["fields"]["confirm_student_code"]
    merged = client.post(
        f"/api/v1/students/{ids['Nguyễn Văn An']}/merge",
        json={"merged_student_id": extra["id"], "reason": "Trùng", "confirm_student_code": extra["student_code"]},
        headers=h,
    )
    assert merged.status_code == 200, merged.text
    assert merged.json["id"] == ids["Nguyễn Văn An"]
    assert client.get(f"/api/v1/students/{extra['id']}").status_code == 404
    form = client.get(f"/students/{ids['Nguyễn Văn An']}/delete")
    assert form.status_code == 200
    assert "Xóa hồ sơ nhập nhầm" in form.text
    refused = client.post(
        f"/students/{ids['Nguyễn Văn An']}/delete",
        data={
            "csrf_token": browser.form_csrf(form.text),
            "reason": "Nhập nhầm",
            "confirm_student_code": merged.json["student_code"],
        },
    )
    assert refused.status_code == 400
    assert "lịch sử biến động" in refused.text


def test_handover_recorded_on_the_dossier_page(client: FlaskClient, signed_in: str, browser: Any) -> None:
    ids = _school(client, signed_in)
    student = ids["Nguyễn Văn An"]
    out = client.post(
        f"/api/v1/students/{student}/transfer-out",
        json={
            "effective_date": TODAY.isoformat(),
            "reason_code": "CHUYEN_NOI_O",
            "to_school_name": "Trường Tiểu học Kim Đồng",
            "application_received_on": TODAY.isoformat(),
            "receiving_school_agreed": True,
        },
        headers={"X-CSRFToken": signed_in},
    ).json
    page = client.get(f"/students/{student}/transfer-dossier")
    assert 'data-testid="handover-form"' in page.text
    assert "Chưa bàn giao" in page.text
    tomorrow = (TODAY + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    token = browser.form_csrf(page.text)
    bad = client.post(
        f"/students/{student}/transfer-dossier",
        data={"csrf_token": token, "movement_id": out["id"], "handed_over_on": tomorrow},
    )
    assert bad.status_code == 400
    assert "không được ở tương lai" in bad.text
    done = client.post(
        f"/students/{student}/transfer-dossier",
        data={
            "csrf_token": token,
            "movement_id": out["id"],
            "handed_over_on": TODAY.strftime("%d/%m/%Y"),
            "documents": ["HOC_BA"],
        },
    )
    assert done.status_code == 303, done.text
    again = client.get(done.headers["Location"])
    assert 'data-code="HOC_BA" data-done="yes"' in again.text
    api = client.post(
        f"/api/v1/students/{student}/handover",
        json={
            "movement_id": out["id"],
            "handed_over_on": TODAY.isoformat(),
            "documents": ["HOC_BA", "TIEN_DO_VA_KET_QUA"],
        },
        headers={"X-CSRFToken": signed_in},
    )
    assert api.status_code == 200, api.text
    assert api.json["documents"] == ["HOC_BA", "TIEN_DO_VA_KET_QUA"]


def test_api_transfer_in_needs_identity_unless_the_student_comes_back(client: FlaskClient, signed_in: str) -> None:
    ids = _school(client, signed_in)
    h = {"X-CSRFToken": signed_in}
    base = {
        "class_id": ids["3B"],
        "effective_date": TODAY.isoformat(),
        "reason_code": "CHUYEN_NOI_O",
        "from_school_name": "Trường Tiểu học Lê Lợi",
    }
    missing = client.post("/api/v1/movements/transfer-in", json=base, headers=h)
    assert missing.status_code in (400, 422)
    assert {"full_name", "date_of_birth", "gender"} <= set(missing.json["error"]["fields"])
    student = ids["Nguyễn Văn An"]
    out = client.post(
        f"/api/v1/students/{student}/transfer-out",
        json={
            "effective_date": TODAY.isoformat(),
            "reason_code": "CHUYEN_NOI_O",
            "to_school_name": "Trường Tiểu học Kim Đồng",
            "application_received_on": TODAY.isoformat(),
            "receiving_school_agreed": True,
        },
        headers=h,
    )
    assert out.status_code == 201
    back = client.post("/api/v1/movements/transfer-in", json={**base, "student_id": student}, headers=h)
    assert back.status_code == 201, back.text
    assert back.json["student"]["id"] == student
    assert back.json["movement"]["status_before"] == "CHUYEN_DI"


def test_pages_show_a_missing_object_as_404_and_a_refusal_on_the_form(
    client: FlaskClient, signed_in: str, upstreams: Any, browser: Any
) -> None:
    account = upstreams.identity.accounts["hieutruong"]
    account.permissions = account.permissions | {"students:student:delete", "students:school_year:write"}
    token = browser.login(client)
    ids = _school(client, token)
    missing = "00000000-0000-4000-8000-000000000000"
    day = TODAY.strftime("%d/%m/%Y")
    posts = [
        (
            f"/students/{missing}/dropout",
            {"effective_date": day, "reason_code": "HOAN_CANH"},
            "Không tìm thấy dữ liệu được yêu cầu.",
        ),
        (f"/students/{missing}/repeat", {"repeat": "on"}, "Không tìm thấy học sinh này."),
        (
            f"/students/{missing}/delete",
            {"reason": "Nhập nhầm", "confirm_student_code": "X"},
            "Không tìm thấy học sinh này.",
        ),
        ("/roll-over", {"from_school_year_id": missing, "to_school_year_id": ids["year"]}, "Năm học không tồn tại"),
    ]
    for path, data, message in posts:
        answer = client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 404, (path, answer.text)
        assert f'<p data-testid="error-message">{message}</p>' in answer.text, path
    student = ids["Nguyễn Văn An"]
    refused = client.post(
        f"/students/{student}/delete",
        data={"csrf_token": token, "reason": "Nhập nhầm", "confirm_student_code": "SAI"},
    )
    assert refused.status_code == 400
    assert 'data-testid="confirm_student_code-error"' in refused.text
    assert client.get(f"/api/v1/students/{student}").status_code == 200
