"""The student record through the gateway against a real students service (SQLite): the JSON API,
"Hồ sơ học sinh", "Rà soát hồ sơ đầu năm", "Con của tôi"; Vietnamese field errors; who sees what."""

from __future__ import annotations

import dataclasses
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

ADMIN_PERMISSIONS = frozenset(
    {
        "students:school_year:read",
        "students:school_year:write",
        "students:class:read",
        "students:class:write",
        "students:student:read",
        "students:student:write",
        "students:student:read_sensitive",
        "students:guardian:link",
        "identity:me:read",
        "identity:account:read",
    }
)
GVCN_PERMISSIONS = frozenset(
    {
        "students:school_year:read",
        "students:class:read",
        "students:student:read",
        "students:student:write",
        "students:student:read_sensitive",
        "identity:me:read",
    }
)


@pytest.fixture
def real_students(keys: tuple[Path, Path], tmp_path: Path) -> Iterator[GrpcServer]:
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
def environ(environ: dict[str, str], real_students: GrpcServer) -> dict[str, str]:
    return {**environ, "STUDENTS_GRPC_ADDR": f"127.0.0.1:{real_students.port}"}


def _account(
    upstreams: Any, username: str, user_id: str, roles: tuple[str, ...], perms: frozenset[str], scopes: set[str]
) -> None:
    template = upstreams.identity.accounts["gvbm"]
    upstreams.identity.accounts[username] = dataclasses.replace(
        template,
        user_id=user_id,
        username=username,
        full_name=username,
        roles=roles,
        permissions=perms,
        scopes=frozenset(scopes),
        last_login_at=None,
        password_changed_at=template.password_changed_at + 390 * 86400,
    )


@pytest.fixture
def school(client: FlaskClient, upstreams: Any, browser: Any) -> dict[str, Any]:
    _account(upstreams, "quanly", "u-ql", ("VP",), ADMIN_PERMISSIONS, {"school"})
    token = browser.login(client, "quanly")
    h = {"X-CSRFToken": token}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    ).json
    ids = {}
    for name in ("1A", "1B"):
        ids[name] = client.post(
            "/api/v1/classes", json={"school_year_id": year["id"], "name": name, "grade_level": 1}, headers=h
        ).json["id"]
    pupils = {}
    for cls, name, gender in [
        ("1A", "Nguyễn Văn An", "male"),
        ("1A", "Trần Thị Bình", "female"),
        ("1B", "Lê Văn Cường", "male"),
    ]:
        answer = client.post(
            "/api/v1/students",
            json={"class_id": ids[cls], "full_name": name, "date_of_birth": "2019-02-03", "gender": gender},
            headers=h,
        )
        assert answer.status_code == 201, answer.text
        pupils[name] = answer.json
    return {"token": token, "year": year["id"], "classes": ids, "pupils": pupils}


def _record_body(pupil: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "expected_version": pupil["version"],
        "full_name": pupil["full_name"],
        "date_of_birth": pupil["date_of_birth"],
        "gender": pupil["gender"],
        "csdl_id": "0100000001",
        "citizen_id": "001219123456",
        "ethnicity": "01",
        "place_of_birth": "Hà Nội",
        "permanent_address": {"province_code": "01", "commune": "Phường Hoàn Kiếm", "detail": "5 Hàng Bài"},
        "current_address": {"province_code": "01", "commune": "Phường Hoàn Kiếm"},
        "policy_categories": ["HO_NGHEO"],
    }
    body.update(changes)
    return body


def test_api_record_update_guardians_and_completeness(client: FlaskClient, school: dict[str, Any]) -> None:
    h = {"X-CSRFToken": school["token"]}
    an = school["pupils"]["Nguyễn Văn An"]
    url = f"/api/v1/students/{an['id']}/record"
    got = client.get(url)
    assert got.status_code == 200, got.text
    assert got.json["record"]["nationality"] == "Việt Nam"
    assert got.json["enrolments"][0]["class_name"] == "1A"

    saved = client.put(url, json=_record_body(an), headers=h)
    assert saved.status_code == 200, saved.text
    assert saved.json["record"]["citizen_id"] == "001219123456"
    assert saved.json["missing_fields"] == ["guardian", "guardian_phone"]

    stale = client.put(url, json=_record_body(an, place_of_birth="Huế"), headers=h)
    assert stale.status_code == 409
    guardian = client.post(
        f"/api/v1/students/{an['id']}/guardians",
        json={"full_name": "Phạm Thị Hoa", "relation": "ME", "phone": "0912 345 678"},
        headers=h,
    )
    assert guardian.status_code == 201, guardian.text
    assert guardian.json["phone"] == "0912345678"

    report = client.get(f"/api/v1/classes/{school['classes']['1A']}/record-completeness")
    assert report.status_code == 200, report.text
    assert (report.json["total"], report.json["complete"], report.json["percent"]) == (2, 1, 50)
    whole = client.get(f"/api/v1/school-years/{school['year']}/record-completeness").json
    assert [(c["class_name"], c["complete"], c["total"]) for c in whole["classes"]] == [("1A", 1, 2), ("1B", 0, 1)]
    reference = client.get("/api/v1/student-record-reference").json
    assert len(reference["provinces"]) == 34


@pytest.mark.parametrize(
    ("changes", "field", "part"),
    [
        ({"citizen_id": "12345"}, "citizen_id", "12 chữ số"),
        ({"citizen_id": "001319123456"}, "citizen_id", "giới tính"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "tương lai"),
        ({"ethnicity": "77"}, "ethnicity", "dân tộc"),
    ],
)
def test_api_bad_input_named_in_vietnamese(
    client: FlaskClient, school: dict[str, Any], changes: dict[str, Any], field: str, part: str
) -> None:
    an = school["pupils"]["Nguyễn Văn An"]
    answer = client.put(
        f"/api/v1/students/{an['id']}/record",
        json=_record_body(an, **changes),
        headers={"X-CSRFToken": school["token"]},
    )
    assert answer.status_code == 400, answer.text
    assert part in answer.json["error"]["fields"][field]


def test_api_duplicate_csdl_id_and_bad_phone(client: FlaskClient, school: dict[str, Any]) -> None:
    h = {"X-CSRFToken": school["token"]}
    an, binh = school["pupils"]["Nguyễn Văn An"], school["pupils"]["Trần Thị Bình"]
    assert client.put(f"/api/v1/students/{an['id']}/record", json=_record_body(an), headers=h).status_code == 200
    dup = client.put(f"/api/v1/students/{binh['id']}/record", json=_record_body(binh, citizen_id=""), headers=h)
    assert dup.status_code == 409
    assert "0100000001" in dup.json["error"]["fields"]["csdl_id"]
    phone = client.post(
        f"/api/v1/students/{an['id']}/guardians",
        json={"full_name": "Phạm Thị Hoa", "relation": "ME", "phone": "+1 212 555 0100"},
        headers=h,
    )
    assert phone.status_code == 400
    assert "Số điện thoại" in phone.json["error"]["fields"]["guardian.phone"]


def test_gvbm_sees_no_family_and_parent_only_own_child(
    client: FlaskClient, app: Any, school: dict[str, Any], upstreams: Any, browser: Any
) -> None:
    h = {"X-CSRFToken": school["token"]}
    an, binh = school["pupils"]["Nguyễn Văn An"], school["pupils"]["Trần Thị Bình"]
    client.put(f"/api/v1/students/{an['id']}/record", json=_record_body(an), headers=h)
    mother = client.post(
        f"/api/v1/students/{an['id']}/guardians",
        json={"full_name": "Phạm Thị Hoa", "relation": "ME", "phone": "0912345678"},
        headers=h,
    ).json
    linked = client.put(
        f"/api/v1/students/{an['id']}/guardians/{mother['id']}/account", json={"parent_account_id": "u-ph"}, headers=h
    )
    assert linked.status_code == 200, linked.text

    class_1a = school["classes"]["1A"]
    upstreams.identity.accounts["gvbm"] = dataclasses.replace(
        upstreams.identity.accounts["gvbm"], scopes=frozenset({f"class_subject:{class_1a}:TOAN"})
    )
    teacher = app.test_client()
    browser.login(teacher, "gvbm")
    seen = teacher.get(f"/api/v1/students/{an['id']}/record").json
    assert seen["sensitive_visible"] is False
    assert seen["record"]["citizen_id"] == ""
    assert seen["guardians"] == []
    page = teacher.get(f"/students/{an['id']}/record")
    assert page.status_code == 200
    assert "Phạm Thị Hoa" not in page.text
    assert "001219123456" not in page.text
    assert "Nguyễn Văn An" in page.text

    _account(
        upstreams,
        "phuhuynh",
        "u-ph",
        ("CMHS",),
        frozenset({"students:student:read", "identity:me:read"}),
        {f"child:{an['id']}"},
    )
    parent = app.test_client()
    browser.login(parent, "phuhuynh")
    own = parent.get(f"/api/v1/students/{an['id']}/record").json
    assert own["sensitive_visible"] is True
    assert own["record"]["citizen_id"] == "********3456"
    assert [g["full_name"] for g in own["guardians"]] == ["Phạm Thị Hoa"]
    assert [c["id"] for c in parent.get("/api/v1/my-children").json["items"]] == [an["id"]]
    children_page = parent.get("/my-children")
    assert children_page.status_code == 200
    assert "Nguyễn Văn An" in children_page.text
    assert parent.get(f"/api/v1/students/{binh['id']}/record").status_code == 403
    assert parent.get(f"/api/v1/classes/{class_1a}/record-completeness").status_code == 403
    assert parent.get(f"/api/v1/classes/{class_1a}/students").status_code == 403


def test_pages_record_form_review_and_errors(client: FlaskClient, school: dict[str, Any], browser: Any) -> None:
    an = school["pupils"]["Nguyễn Văn An"]
    page = client.get(f"/students/{an['id']}/record")
    assert page.status_code == 200, page.text
    assert "Hồ sơ học sinh" in page.text
    assert "03/02/2019" in page.text
    csrf = browser.form_csrf(page.text)
    bad = client.post(
        f"/students/{an['id']}/record",
        data={
            "csrf_token": csrf,
            "expected_version": str(an["version"]),
            "full_name": an["full_name"],
            "date_of_birth": "03/02/2019",
            "gender": "male",
            "citizen_id": "001318123456",
            "permanent_province": "02",
            "permanent_commune": "Xã A",
        },
    )
    assert bad.status_code == 400
    assert "Số định danh" in bad.text or "số định danh" in bad.text
    # What was typed stays on the form.
    assert 'value="001318123456"' in bad.text
    assert "34 tỉnh" in bad.text
    good = client.post(
        f"/students/{an['id']}/record",
        data={
            "csrf_token": csrf,
            "expected_version": str(an["version"]),
            "full_name": an["full_name"],
            "date_of_birth": "03/02/2019",
            "gender": "male",
            "citizen_id": "001219123456",
            "ethnicity": "01",
            "policy_categories": ["HO_NGHEO", "MO_COI"],
            "has_iep": "true",
        },
    )
    assert good.status_code == 303, good.text
    shown = client.get(f"/students/{an['id']}/record").text
    assert "001219123456" in shown
    assert "Con hộ nghèo" in shown
    added = client.post(
        f"/students/{an['id']}/guardians",
        data={"csrf_token": csrf, "full_name": "Phạm Thị Hoa", "relation": "ME", "phone": "12"},
    )
    assert added.status_code == 400
    assert "Số điện thoại" in added.text

    class_page = client.get(f"/classes/{school['classes']['1A']}")
    assert f"/classes/{school['classes']['1A']}/record-review" in class_page.text
    review = client.get(f"/classes/{school['classes']['1A']}/record-review")
    assert review.status_code == 200
    assert "Rà soát hồ sơ đầu năm" in review.text
    assert f"/students/{an['id']}/record" in review.text
    whole = client.get("/record-review")
    assert whole.status_code == 200
    assert "1B" in whole.text


def test_page_links_a_guardian_to_a_parent_account_by_username(
    client: FlaskClient, school: dict[str, Any], upstreams: Any, browser: Any
) -> None:
    _account(upstreams, "me.an", "u-me-an", ("CMHS",), frozenset({"students:student:read"}), set())
    an = school["pupils"]["Nguyễn Văn An"]
    h = {"X-CSRFToken": school["token"]}
    mother = client.post(
        f"/api/v1/students/{an['id']}/guardians", json={"full_name": "Phạm Thị Hoa", "relation": "ME"}, headers=h
    ).json
    page = client.get(f"/students/{an['id']}/record")
    assert 'data-testid="account-link-form"' in page.text
    csrf = browser.form_csrf(page.text)
    wrong = client.post(
        f"/students/{an['id']}/guardians/{mother['id']}/account", data={"csrf_token": csrf, "username": "gvbm"}
    )
    assert wrong.status_code == 400
    assert "Không có tài khoản phụ huynh" in wrong.text
    done = client.post(
        f"/students/{an['id']}/guardians/{mother['id']}/account", data={"csrf_token": csrf, "username": "me.an"}
    )
    assert done.status_code == 303, done.text
    record = client.get(f"/api/v1/students/{an['id']}/record").json
    assert record["guardians"][0]["parent_account_id"] == "u-me-an"
    assert 'data-testid="account-unlink-form"' in client.get(f"/students/{an['id']}/record").text
    undone = client.post(f"/students/{an['id']}/guardians/{mother['id']}/account/remove", data={"csrf_token": csrf})
    assert undone.status_code == 303
    assert client.get(f"/api/v1/students/{an['id']}/record").json["guardians"][0]["parent_account_id"] == ""
