""" "Phân quyền" (roles and permissions with reasons and separation of duties), "Phân công" (grant and end),
user accounts (disable, enable, one-time code), "Rà soát tài khoản" and "Nhật ký hệ thống" (filters, export)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from flask.testing import FlaskClient

from school.students.v1 import students_pb2


@pytest.fixture
def school_year(upstreams) -> str:
    upstreams.students.years["y-2025"] = students_pb2.SchoolYear(
        school_year_id="y-2025", name="2025-2026", start_date="2025-09-05", end_date="2026-05-31"
    )
    upstreams.students.classes["c-3a"] = students_pb2.SchoolClass(
        class_id="c-3a", school_year_id="y-2025", name="3A", grade_level=3, max_size=35
    )
    return "y-2025"


# --- Roles and permissions ----------------------------------------------------------------------------------------


def test_roles_page_shows_the_grid_and_edits_one_role(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/access/roles")
    assert page.status_code == 200
    assert "<h1>Phân quyền</h1>" in page.text
    assert 'data-testid="permission-matrix"' in page.text
    assert page.text.count('data-testid="role-link"') == len(upstreams.access.roles)
    assert 'data-testid="role-editor"' not in page.text
    gvbm = client.get("/access/roles?role=GVBM")
    assert 'data-testid="role-editor" data-code="GVBM"' in gvbm.text
    checked = re.findall(r'data-testid="permission-checkbox" data-name="([^"]+)" checked', gvbm.text)
    assert sorted(checked) == ["grades:score:write", "identity:me:read", "students:class:read"]

    no_reason = client.post(
        "/access/roles/GVBM",
        data={"csrf_token": browser.form_csrf(gvbm.text), "permissions": ["identity:me:read"], "reason": ""},
    )
    assert no_reason.status_code == 400
    assert 'data-testid="reason-error">Trường này là bắt buộc<' in no_reason.text
    # What was ticked stays ticked on the re-rendered form.
    assert re.findall(r'data-name="([^"]+)" checked', no_reason.text) == ["identity:me:read"]
    assert "SetRolePermissions" not in upstreams.recorder.methods()

    saved = client.post(
        "/access/roles/GVBM",
        data={
            "csrf_token": browser.form_csrf(gvbm.text),
            "permissions": ["identity:me:read", "students:class:read", "students:student:read", "grades:score:write"],
            "reason": "GVBM cần xem danh sách học sinh",
        },
        follow_redirects=True,
    )
    assert "Đã lưu quyền của vai trò." in saved.text
    assert "students:student:read" in upstreams.access.roles["GVBM"].permissions
    assert upstreams.identity.audit[-1].action == "role.permissions_changed"
    assert upstreams.identity.audit[-1].detail == "GVBM cần xem danh sách học sinh"


def test_separation_of_duties_refusal_is_shown_clearly(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/access/roles?role=GVBM")
    refused = client.post(
        "/access/roles/GVBM",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "permissions": ["grades:score:write", "grades:score:lock"],
            "reason": "Thử cho GVBM khóa điểm",
        },
    )
    assert refused.status_code == 409
    box = re.search(r'data-testid="sod-refusal">(.*?)</div>', refused.text, re.S)
    assert box
    assert "vi phạm nguyên tắc phân tách nhiệm vụ" in box.group(1)
    assert "Một vai trò không thể vừa nhập điểm vừa khóa điểm" in box.group(1)
    assert "grades:score:lock" not in upstreams.access.roles["GVBM"].permissions


def test_roles_api(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    roles = client.get("/api/v1/roles").json["items"]
    assert {r["code"] for r in roles} >= {"HT", "GVBM", "TTCM"}
    assert next(r for r in roles if r["code"] == "GVBM")["scope_kind"] == "class_subject"
    catalogue = client.get("/api/v1/permissions").json["items"]
    assert {"name": "export:bulk", "description": "Cho phép export:bulk"} in catalogue
    h = {"X-CSRFToken": token}
    sod = client.put(
        "/api/v1/roles/GVBM/permissions",
        json={"permissions": ["grades:score:write", "grades:score:lock"], "reason": "Thử khóa điểm"},
        headers=h,
    )
    assert sod.status_code == 409
    assert sod.json["error"]["code"] == "failed_precondition"
    unknown = client.put(
        "/api/v1/roles/GVBM/permissions", json={"permissions": ["a:b:c"], "reason": "Thêm quyền lạ"}, headers=h
    )
    assert unknown.status_code == 400
    assert unknown.json["error"]["fields"] == {"permissions": "Quyền không tồn tại: a:b:c"}
    upstreams.recorder.clear()
    malformed = client.put(
        "/api/v1/roles/GVBM/permissions", json={"permissions": ["DROP TABLE"], "reason": "Thêm quyền lạ"}, headers=h
    )
    assert malformed.status_code == 400
    assert malformed.json["error"]["fields"] == {"permissions.0": "Tên quyền không hợp lệ"}
    assert "SetRolePermissions" not in upstreams.recorder.methods()


def test_a_reader_of_roles_sees_no_edit_form(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.accounts["vanphong"].permissions |= {"identity:role:read"}
    token = browser.login(client, "vanphong")
    page = client.get("/access/roles?role=GVBM")
    assert page.status_code == 200
    assert 'id="role-form"' not in page.text
    assert client.post("/access/roles/GVBM", data={"csrf_token": token}).status_code == 403


# --- Assignments ----------------------------------------------------------------------------------------------------


def test_grant_and_end_an_assignment(client: FlaskClient, browser, upstreams, school_year: str) -> None:
    browser.login(client)
    page = client.get("/access/assignments")
    assert page.status_code == 200
    assert "<h1>Phân công</h1>" in page.text
    assert '<option value="y-2025" selected>2025-2026</option>' in page.text
    assert '<option value="c-3a">3A</option>' in page.text
    assert '<option value="TOAN">Toán</option>' in page.text
    assert '<option value="u-gvbm">Trần Thị Bích (gvbm)</option>' in page.text
    token = browser.form_csrf(page.text)

    # The role needs a class and a subject: the form says so before identity is asked.
    missing = client.post(
        "/access/assignments",
        data={"csrf_token": token, "user_id": "u-gvbm", "role": "GVBM", "school_year_id": school_year},
    )
    assert missing.status_code == 400
    assert 'data-testid="class_id-error">Vai trò này cần chọn lớp<' in missing.text
    assert 'data-testid="subject_code-error">Vai trò này cần chọn môn học<' in missing.text
    assert "GrantAssignment" not in upstreams.recorder.methods()

    first, last = dt.date.today() - dt.timedelta(days=30), dt.date.today() + dt.timedelta(days=150)
    granted = client.post(
        "/access/assignments",
        data={
            "csrf_token": token,
            "user_id": "u-gvbm",
            "role": "GVBM",
            "school_year_id": school_year,
            "class_id": "c-3a",
            "subject_code": "TIENG_ANH",
            "starts_on": first.strftime("%d/%m/%Y"),
            "ends_on": last.strftime("%d/%m/%Y"),
        },
        follow_redirects=True,
    )
    assert "Đã phân công." in granted.text
    new = upstreams.access.assignments[-1]
    assert (new.class_id, new.subject_code) == ("c-3a", "TIENG_ANH")
    assert (new.starts_on, new.ends_on) == (first.isoformat(), last.isoformat())
    row = re.search(rf'data-testid="assignment-row" data-id="{new.assignment_id}"[^>]*>(.*?)</tr>', granted.text, re.S)
    assert row
    assert "Tiếng Anh, lớp 3A" in row.group(1)
    assert f"{first:%d/%m/%Y} – {last:%d/%m/%Y}" in row.group(1)

    no_reason = client.post(f"/access/assignments/{new.assignment_id}/end", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 400
    assert 'data-testid="end-reason-error">Trường này là bắt buộc<' in no_reason.text
    ended = client.post(
        f"/access/assignments/{new.assignment_id}/end",
        data={"csrf_token": token, "reason": "Đổi giáo viên dạy Tiếng Anh"},
        follow_redirects=True,
    )
    assert "Đã kết thúc phân công." in ended.text
    assert new.HasField("ended_at")
    assert upstreams.identity.audit[-1].action == "assignment.ended"


def test_assignments_filter_by_year_and_ended(client: FlaskClient, browser, upstreams, school_year: str) -> None:
    token = browser.login(client)
    h = {"X-CSRFToken": token}
    body = {"user_id": "u-vp", "role": "VP", "school_year_id": school_year}
    first = client.post("/api/v1/assignments", json=body, headers=h)
    assert first.status_code == 201, first.text
    client.post(f"/api/v1/assignments/{first.json['id']}/end", json={"reason": "Hết nhiệm vụ"}, headers=h)
    current = client.get(f"/api/v1/assignments?school_year_id={school_year}").json["items"]
    assert current == []
    everything = client.get(f"/api/v1/assignments?school_year_id={school_year}&include_ended=true").json["items"]
    assert [a["current"] for a in everything] == [False]
    page = client.get(f"/access/assignments?school_year_id={school_year}&include_ended=1")
    assert 'data-current="false"' in page.text
    assert "đã kết thúc" in page.text


def test_grant_api_reports_identity_field_errors(client: FlaskClient, browser, school_year: str) -> None:
    token = browser.login(client)
    response = client.post(
        "/api/v1/assignments",
        json={"user_id": "u-gvbm", "role": "TTCM", "school_year_id": school_year},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"department_id": "Vai trò này cần tổ chuyên môn"}
    unknown = client.post(
        "/api/v1/assignments",
        json={"user_id": "u-nobody", "role": "VP", "school_year_id": school_year},
        headers={"X-CSRFToken": token},
    )
    assert unknown.status_code == 404


def test_reader_of_assignments_cannot_grant(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.accounts["vanphong"].permissions |= {"identity:assignment:read"}
    token = browser.login(client, "vanphong")
    page = client.get("/access/assignments")
    assert page.status_code == 200
    assert 'id="grant-form"' not in page.text
    assert 'data-testid="end-form"' not in page.text
    assert client.post("/access/assignments", data={"csrf_token": token}).status_code == 403


# --- Accounts ---------------------------------------------------------------------------------------------------------


def test_accounts_list_search_and_disable_enable(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    victim = client.application.test_client()
    browser.login(victim, "gvbm")
    page = client.get("/access/accounts")
    assert page.status_code == 200
    assert page.text.count('data-testid="account-row"') == len(upstreams.identity.accounts)
    found = client.get("/access/accounts?q=bích")
    assert re.findall(r'data-testid="account-row" data-id="([^"]+)"', found.text) == ["u-gvbm"]
    token = browser.form_csrf(page.text)
    no_reason = client.post("/access/accounts/u-gvbm/active", data={"csrf_token": token, "active": "0", "reason": "x"})
    assert no_reason.status_code == 400
    assert 'data-testid="active-reason-error">Vui lòng ghi lý do từ 5 đến 500 ký tự<' in no_reason.text
    disabled = client.post(
        "/access/accounts/u-gvbm/active",
        data={"csrf_token": token, "active": "0", "reason": "Nghỉ việc từ 01/12"},
        follow_redirects=True,
    )
    assert "Đã khóa tài khoản và kết thúc mọi phiên đăng nhập của tài khoản." in disabled.text
    assert 'data-id="u-gvbm" data-active="false"' in disabled.text
    assert upstreams.identity.accounts["gvbm"].active is False
    # The person's session ends too (the gateway's cache is at most SESSION_CACHE_SECONDS old).
    deadline = time.monotonic() + 5
    while victim.get("/api/v1/me").status_code != 401:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    enabled = client.post(
        "/access/accounts/u-gvbm/active",
        data={"csrf_token": token, "active": "1", "reason": "Quay lại làm việc"},
        follow_redirects=True,
    )
    assert "Đã mở khóa tài khoản." in enabled.text
    assert upstreams.identity.accounts["gvbm"].active is True


def test_reset_password_shows_the_one_time_code_once(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/access/accounts")
    response = client.post(
        "/access/accounts/u-gvbm/reset-password",
        data={"csrf_token": browser.form_csrf(page.text), "reason": "Quên mật khẩu", "username": "gvbm"},
    )
    assert response.status_code == 200
    code = re.search(r'data-testid="one-time-code">([^<]+)<', response.text)
    assert code
    assert upstreams.identity.accounts["gvbm"].password == code.group(1)
    assert "Tài khoản: gvbm" in response.text
    assert code.group(1) not in client.get("/access/accounts").text
    # The person must now change it, and a reset never skips the second factor of roles that need one.
    other = client.application.test_client()
    token = browser.csrf(other)
    step = other.post(
        "/api/v1/auth/login", json={"username": "gvbm", "password": code.group(1)}, headers={"X-CSRFToken": token}
    )
    assert step.json["outcome"] == "password_change_required"


def test_reset_does_not_bypass_mfa(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    reset = client.post(
        "/api/v1/accounts/u-ht/reset-password", json={"reason": "Thử cấp lại"}, headers={"X-CSRFToken": token}
    )
    assert reset.status_code == 200
    code = reset.json["one_time_code"]
    assert reset.json["expires_at"]
    other = client.application.test_client()
    first = other.post(
        "/api/v1/auth/login",
        json={"username": "hieutruong", "password": code},
        headers={"X-CSRFToken": browser.csrf(other)},
    )
    assert first.json["outcome"] == "password_change_required"
    second = other.post(
        "/api/v1/auth/continue",
        json={"new_password": "Mat khau moi cua HT"},
        headers={"X-CSRFToken": first.json["csrf_token"]},
    )
    assert second.json["outcome"] == "mfa_required"
    assert "sid" not in browser.cookie_data(client.application, other)


def test_accounts_api(client: FlaskClient, browser) -> None:
    token = browser.login(client)
    items = client.get("/api/v1/accounts?q=van").json["items"]
    assert {a["username"] for a in items} == {"vanphong"}  # "Phạm Thị Văn": the fake matches exact letters
    response = client.post(
        "/api/v1/accounts/u-tb/active",
        json={"active": False, "reason": "Không còn làm việc"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.json["active"] is False
    assert set(response.json) >= {"mfa_enrolled", "mfa_required", "last_login_at", "password_changed_at"}


# --- Review -----------------------------------------------------------------------------------------------------------


def test_review_groups_findings_with_editable_thresholds(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/access/review")
    assert page.status_code == 200
    assert "<h1>Rà soát tài khoản</h1>" in page.text
    kinds = re.findall(r'data-testid="finding" data-user="([^"]+)" data-kind="([^"]+)"', page.text)
    assert ("u-tb", "never_used") in kinds
    assert ("u-gvbm", "inactive") in kinds
    assert ("u-gvbm", "password_old") in kinds
    assert ("u-pht", "mfa_missing") in kinds
    assert "Không đăng nhập 200 ngày" in page.text
    strict = client.get("/access/review?inactive_days=250&password_max_age_days=500")
    strict_kinds = re.findall(r'data-user="([^"]+)" data-kind="([^"]+)"', strict.text)
    assert ("u-gvbm", "inactive") not in strict_kinds
    assert ("u-gvbm", "password_old") not in strict_kinds
    assert 'value="250"' in strict.text
    bad = client.get("/access/review?inactive_days=-1")
    assert bad.status_code == 400
    assert 'data-testid="inactive_days-error">Phải từ 0 đến 3650<' in bad.text


def test_review_actions_remind_and_disable(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/access/review?inactive_days=30")
    token = browser.form_csrf(page.text)
    reminded = client.post(
        "/access/review/remind",
        data={"csrf_token": token, "user_id": "u-gvbm", "kind": "inactive", "inactive_days": "30"},
    )
    assert reminded.status_code == 303
    assert reminded.headers["Location"] == "/access/review?inactive_days=30&notice=reminder_sent"
    assert upstreams.access.reminders == [("u-gvbm", 2)]
    after = client.get(reminded.headers["Location"])
    assert "Đã gửi nhắc nhở." in after.text
    disabled = client.post(
        "/access/accounts/u-tb/active",
        data={
            "csrf_token": token,
            "active": "0",
            "reason": "Chưa từng dùng",
            "return_to": "/access/review?inactive_days=30",
        },
    )
    assert disabled.headers["Location"] == "/access/review?inactive_days=30&notice=account_disabled"
    assert upstreams.identity.accounts["thietbi"].active is False
    # An off-site return is ignored.
    evil = client.post(
        "/access/accounts/u-tb/active",
        data={"csrf_token": token, "active": "1", "reason": "Mở lại tài khoản", "return_to": "//evil.example/"},
    )
    assert evil.headers["Location"] == "/access/accounts?notice=account_enabled"


def test_review_api(client: FlaskClient, browser) -> None:
    token = browser.login(client)
    items = client.get("/api/v1/account-review?inactive_days=30").json["items"]
    assert {"user_id": "u-tb", "kind": "never_used"}.items() <= next(i for i in items if i["user_id"] == "u-tb").items()
    reminded = client.post(
        "/api/v1/account-review/remind", json={"user_id": "u-tb", "kind": "never_used"}, headers={"X-CSRFToken": token}
    )
    assert reminded.status_code == 200
    assert reminded.json["reminded_at"]


def test_reviewer_without_account_write_sees_no_disable(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.accounts["vanphong"].permissions |= {"identity:review:read"}
    browser.login(client, "vanphong")
    page = client.get("/access/review")
    assert page.status_code == 200
    assert 'data-testid="remind-form"' in page.text
    assert 'data-testid="disable-form"' not in page.text


# --- Audit log --------------------------------------------------------------------------------------------------------


def _seed_audit(upstreams) -> None:
    day = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp()
    upstreams.identity.add_audit("login.failure", "failure", "anonymous", "gvbm", "gvbm", at=day)
    upstreams.identity.add_audit("role.permissions_changed", "success", "u-ht", "hieutruong", "GVBM", at=day + 86400)
    upstreams.identity.add_audit("login.success", "success", "u-gvbm", "gvbm", "u-gvbm", at=day + 2 * 86400)


def test_audit_log_filters(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    _seed_audit(upstreams)
    everything = client.get("/audit-log")
    assert everything.status_code == 200
    assert "<h1>Nhật ký hệ thống</h1>" in everything.text
    logins = client.get("/audit-log?action=login.&from_date=10/03/2026&to_date=12/03/2026")
    actions = re.findall(r'data-testid="audit-row" data-id="\d+" data-action="([^"]+)"', logins.text)
    assert actions == ["login.success", "login.failure"]  # newest first
    assert "10/03/2026 09:00" in logins.text  # Vietnam time
    person = client.get("/audit-log?person=gvbm&from_date=10/03/2026&to_date=10/03/2026")
    assert re.findall(r'data-action="([^"]+)"', person.text) == ["login.failure"]
    bad = client.get("/audit-log?from_date=2026-03-10&to_date=01/01/2026")
    assert bad.status_code == 400
    assert 'data-testid="from_date-error">Ngày không hợp lệ (định dạng dd/mm/yyyy)<' in bad.text
    reversed_range = client.get("/audit-log?from_date=12/03/2026&to_date=10/03/2026")
    assert 'data-testid="to_date-error">Ngày kết thúc không được trước ngày bắt đầu<' in reversed_range.text


def test_audit_log_is_paginated(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    for n in range(60):
        upstreams.identity.add_audit("login.success", "success", "u-gvbm", "gvbm", f"t-{n}")
    first = client.get("/audit-log?action=login.success")
    assert first.text.count('data-testid="audit-row"') == 50
    link = re.search(r'href="([^"]+)" data-testid="next-page"', first.text)
    assert link
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert second.text.count('data-testid="audit-row"') == 11  # 60 seeded + this principal's own sign-in
    api = client.get("/api/v1/audit-events?action=login.success&page_size=10").json
    assert len(api["items"]) == 10
    assert api["next_page_token"]


def test_audit_export_needs_its_permission_and_a_step_up(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    _seed_audit(upstreams)
    page = client.get("/audit-log?action=login.")
    assert 'data-testid="audit-export-form"' in page.text
    response = client.post("/audit-log/export", data={"csrf_token": browser.form_csrf(page.text), "action": "login."})
    assert response.status_code == 303
    assert response.headers["Location"] == "/step-up?next=/audit-log?action%3Dlogin."
    assert "ExportAuditEvents" not in upstreams.recorder.methods()
    step = client.get(response.headers["Location"])
    client.post(
        "/step-up",
        data={
            "csrf_token": browser.form_csrf(step.text),
            "totp_code": browser.code(),
            "next": "/audit-log?action=login.",
        },
    )
    download = client.post("/audit-log/export", data={"csrf_token": browser.form_csrf(page.text), "action": "login."})
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert b"login.failure" in download.data


def test_audit_export_api(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    h = {"X-CSRFToken": token}
    refused = client.post("/api/v1/audit-events/export", json={"action": "login."}, headers=h)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "step_up_required"
    browser.step_up(client, token)
    allowed = client.post(
        "/api/v1/audit-events/export", json={"action": "login.", "from_date": "2026-01-01"}, headers=h
    )
    assert allowed.status_code == 200
    bad = client.post("/api/v1/audit-events/export", json={"from_date": "10/03/2026"}, headers=h)
    assert bad.status_code == 400


def test_audit_reader_without_export_sees_no_export(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.accounts["vanphong"].permissions |= {"identity:audit:read"}
    token = browser.login(client, "vanphong")
    page = client.get("/audit-log")
    assert page.status_code == 200
    assert 'data-testid="audit-export-form"' not in page.text
    assert client.post("/audit-log/export", data={"csrf_token": token}).status_code == 403
    assert client.post("/api/v1/audit-events/export", json={}, headers={"X-CSRFToken": token}).status_code == 403


# --- Menu and language ------------------------------------------------------------------------------------------------


def test_menu_entries_follow_permissions(client: FlaskClient, browser) -> None:
    browser.login(client)
    html = client.get("/").text
    for testid in ("nav-staff", "nav-permissions", "nav-assignments", "nav-accounts", "nav-review", "nav-audit"):
        assert f'data-testid="{testid}"' in html, testid
    other = client.application.test_client()
    browser.login(other, "gvbm")
    html = other.get("/").text
    assert 'data-testid="nav-account"' in html
    for testid in ("nav-staff", "nav-permissions", "nav-assignments", "nav-accounts", "nav-review", "nav-audit"):
        assert f'data-testid="{testid}"' not in html, testid


def test_access_pages_in_english(client: FlaskClient, browser, school_year: str) -> None:
    browser.login(client)
    assert "<h1>Permissions</h1>" in client.get("/access/roles?lang=en").text
    assert "<h1>Assignments</h1>" in client.get("/access/assignments").text
    assert "<h1>User accounts</h1>" in client.get("/access/accounts").text
    assert "<h1>Account review</h1>" in client.get("/access/review").text
    assert "<h1>Audit log</h1>" in client.get("/audit-log").text
    vi = client.get("/access/accounts?lang=vi").text
    assert "<h1>Tài khoản người dùng</h1>" in vi
    assert "Khóa tài khoản" in vi
