""" "Tài khoản của tôi": own roles and assignments, password, two-factor on/off, own contact fields; step-up."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from school.students.v1 import students_pb2

NEW_PASSWORD = "Hoa sen trong dam 7"


@pytest.fixture
def class_3a(upstreams) -> None:
    """The class and year the subject teacher's seeded assignment points at."""
    upstreams.students.years["y-current"] = students_pb2.SchoolYear(school_year_id="y-current", name="2025-2026")
    upstreams.students.classes["c-3a"] = students_pb2.SchoolClass(
        class_id="c-3a", school_year_id="y-current", name="3A", grade_level=3, max_size=35
    )


def test_account_page_shows_my_roles_and_assignments(client: FlaskClient, browser, class_3a) -> None:
    browser.login(client, "gvbm")
    page = client.get("/account")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Tài khoản của tôi</h1>" in html
    assert 'data-testid="my-role" data-code="GVBM"' in html
    assert "Giáo viên bộ môn" in html
    row = re.search(r'data-testid="my-assignment" data-id="a-gvbm">(.*?)</tr>', html, re.S)
    assert row
    assert "Toán, lớp 3A" in row.group(1)
    assert "2025-2026" in row.group(1)
    # The own staff record, with contact fields to correct; never the citizen id.
    assert 'data-testid="contact-form"' in html
    assert "001190054321" not in html
    assert 'data-testid="mfa-status" data-state="off"' in html


def test_every_person_sees_their_own_roles(client: FlaskClient, browser) -> None:
    browser.login(client, "thietbi")
    html = client.get("/account").text
    assert 'data-testid="my-role" data-code="TB"' in html
    assert 'data-testid="no-assignments"' in html
    assert 'data-testid="contact-form"' not in html  # no staff record, no identity:me:write
    assert client.get("/").text.count('data-testid="nav-account"') == 1


def test_account_page_in_english(client: FlaskClient, browser) -> None:
    browser.login(client, "gvbm")
    html = client.get("/account?lang=en").text
    assert "<h1>My account</h1>" in html
    assert "Change password" in html
    assert "Two-factor authentication" in html


def test_change_password_keeps_this_session_and_ends_the_others(
    app: Flask, client: FlaskClient, browser, upstreams
) -> None:
    browser.login(client, "gvbm")
    other = app.test_client()
    browser.login(other, "gvbm")
    assert len(upstreams.identity.sessions) == 2
    page = client.get("/account")
    token = browser.form_csrf(page.text)
    wrong = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "sai",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400
    assert 'data-testid="current_password-error">Mật khẩu hiện tại không đúng<' in wrong.text
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "TrungVuong@2026",
            "new_password": NEW_PASSWORD,
            "confirm_password": "khac",
        },
    )
    assert mismatch.status_code == 400
    assert "Hai mật khẩu không giống nhau." in mismatch.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "TrungVuong@2026",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
        follow_redirects=True,
    )
    assert "Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất." in done.text
    assert len(upstreams.identity.sessions) == 1
    assert upstreams.identity.accounts["gvbm"].password == NEW_PASSWORD
    assert client.get("/api/v1/session").json["authenticated"] is True


def test_turn_two_factor_on_and_off_from_the_account_page(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "gvbm")
    page = client.get("/account")
    started = client.post("/account/mfa/start", data={"csrf_token": browser.form_csrf(page.text)})
    assert started.status_code == 303
    setup = client.get(started.headers["Location"])
    assert '<svg class="qr"' in setup.text
    secret = upstreams.identity.accounts["gvbm"].pending_secret
    assert re.sub(r"\s", "", re.search(r'data-testid="mfa-secret"[^>]*>([^<]+)<', setup.text).group(1)) == secret
    wrong = client.post("/account/mfa", data={"csrf_token": browser.form_csrf(setup.text), "totp_code": "000000"})
    assert wrong.status_code == 400
    assert "Mã xác thực không đúng hoặc đã hết hạn" in wrong.text
    assert '<svg class="qr"' in wrong.text  # the same QR code again, the same secret
    assert upstreams.identity.accounts["gvbm"].pending_secret == secret
    codes = client.post(
        "/account/mfa",
        data={"csrf_token": browser.form_csrf(setup.text), "totp_code": browser.code("gvbm", secret)},
    )
    assert codes.status_code == 200
    assert len(re.findall(r"<li><code>", codes.text)) == 10
    assert 'action="/account"' in codes.text
    assert 'name="notice" value="mfa_enabled"' in codes.text
    assert upstreams.identity.accounts["gvbm"].mfa_secret == secret

    account = client.get("/account?notice=mfa_enabled")
    assert "Đã bật xác thực hai lớp." in account.text
    assert 'data-testid="mfa-status" data-state="on"' in account.text
    off = client.post(
        "/account/mfa/disable", data={"csrf_token": browser.form_csrf(account.text), "totp_code": browser.code("gvbm")}
    )
    assert off.status_code == 303
    assert upstreams.identity.accounts["gvbm"].mfa_secret == ""


def test_a_role_that_requires_two_factor_cannot_turn_it_off(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/account")
    assert 'data-testid="mfa-status" data-state="on"' in page.text
    refused = client.post(
        "/account/mfa/disable", data={"csrf_token": browser.form_csrf(page.text), "totp_code": "123456"}
    )
    assert refused.status_code == 400
    assert "Vai trò của bạn bắt buộc dùng xác thực hai lớp" in refused.text
    assert upstreams.identity.accounts["hieutruong"].mfa_secret


def test_own_contact_fields(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "gvbm")
    page = client.get("/account")
    token = browser.form_csrf(page.text)
    bad = client.post(
        "/account/contact", data={"csrf_token": token, "phone": "12345", "email": "", "address": "", "version": "3"}
    )
    assert bad.status_code == 400
    assert 'data-testid="phone-error">Vui lòng nhập số di động 10 chữ số bắt đầu bằng 0<' in bad.text
    ok = client.post(
        "/account/contact",
        data={"csrf_token": token, "phone": "0912000111", "email": "bich@truong.edu.vn", "address": "", "version": "3"},
    )
    assert ok.status_code == 303
    record = upstreams.staff.records["s-gvbm"]
    assert (record.phone, record.version) == ("0912000111", 4)
    stale = client.post(
        "/account/contact",
        data={"csrf_token": token, "phone": "0912000222", "email": "", "address": "", "version": "3"},
    )
    assert stale.status_code == 400
    assert "Hồ sơ vừa được người khác sửa. Hãy tải lại trang." in stale.text


def test_own_contact_needs_identity_me_write(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client, "thietbi")
    response = client.post("/account/contact", data={"csrf_token": token, "phone": "0912000111", "version": "1"})
    assert response.status_code == 403
    api = client.put("/api/v1/me/contact", json={"version": 1}, headers={"X-CSRFToken": token})
    assert api.status_code == 403
    assert "UpdateOwnContact" not in upstreams.recorder.methods()


def test_me_api(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client, "gvbm")
    assignments = client.get("/api/v1/me/assignments").json
    assert [a["id"] for a in assignments["items"]] == ["a-gvbm"]
    assert assignments["items"][0]["scope_kind"] == "class_subject"
    assert assignments["items"][0]["current"] is True
    record = client.get("/api/v1/me/staff").json
    assert record["staff_code"] == "GV012"
    assert "citizen_id" not in record
    assert record["missing_fields"] == ["phone"]
    assert record["complete"] is False
    updated = client.put(
        "/api/v1/me/contact",
        json={"phone": "0912000111", "email": "bich@truong.edu.vn", "address": "", "version": 3},
        headers={"X-CSRFToken": token},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json["phone"] == "0912000111"
    # Mass assignment: a person cannot change anything but their contact fields.
    sneaky = client.put(
        "/api/v1/me/contact", json={"version": 4, "position": "HT", "role": "HT"}, headers={"X-CSRFToken": token}
    )
    assert sneaky.status_code == 400
    assert set(sneaky.json["error"]["fields"]) == {"position", "role"}


def test_me_api_password_and_mfa(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client, "gvbm")
    h = {"X-CSRFToken": token}
    refused = client.post(
        "/api/v1/me/password", json={"current_password": "x", "new_password": NEW_PASSWORD}, headers=h
    )
    assert refused.status_code == 400
    assert refused.json["error"]["fields"] == {"current_password": "Mật khẩu hiện tại không đúng"}
    changed = client.post(
        "/api/v1/me/password", json={"current_password": "TrungVuong@2026", "new_password": NEW_PASSWORD}, headers=h
    )
    assert changed.status_code == 204
    started = client.post("/api/v1/me/mfa/start", headers=h)
    secret = started.json["mfa_secret"]["secret"]
    confirmed = client.post("/api/v1/me/mfa/confirm", json={"totp_code": browser.code("gvbm", secret)}, headers=h)
    assert confirmed.status_code == 200
    assert len(confirmed.json["recovery_codes"]) == 10
    disabled = client.post("/api/v1/me/mfa/disable", json={"totp_code": browser.code("gvbm")}, headers=h)
    assert disabled.status_code == 204


# --- Step-up -------------------------------------------------------------------------------------------------------


def test_step_up_page_returns_to_where_the_person_was(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/step-up?next=/staff/export?sensitive=1")
    assert page.status_code == 200
    assert "<h1>Xác thực lại</h1>" in page.text
    wrong = client.post(
        "/step-up",
        data={"csrf_token": browser.form_csrf(page.text), "totp_code": "000000", "next": "/staff/export?sensitive=1"},
    )
    assert wrong.status_code == 400
    assert 'data-testid="totp_code-error">Mã xác thực không đúng hoặc đã hết hạn<' in wrong.text
    right = client.post(
        "/step-up",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "totp_code": browser.code(),
            "next": "/staff/export?sensitive=1",
        },
    )
    assert right.status_code == 303
    assert right.headers["Location"] == "/staff/export?sensitive=1"
    principal = client.get("/api/v1/session").json["principal"]
    assert principal["stepped_up_until"] > time.time()


def test_step_up_never_returns_off_site(client: FlaskClient, browser) -> None:
    browser.login(client)
    page = client.get("/step-up")
    response = client.post(
        "/step-up",
        data={"csrf_token": browser.form_csrf(page.text), "totp_code": browser.code(), "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/account?notice=stepped_up"


def test_step_up_api(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    response = client.post("/api/v1/auth/step-up", json={"totp_code": browser.code()}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json["principal"]["stepped_up_until"] > time.time()
    # The next internal token carries the step-up to the services ("sup" claim).
    upstreams.recorder.clear()
    client.get("/api/v1/me")
    [call] = [c for c in upstreams.recorder.calls if c.method == "GetMe"]
    assert call.claims["sup"] > time.time()
    assert call.claims["scp"] == ["school"]


def test_step_up_without_two_factor_says_so(client: FlaskClient, browser) -> None:
    token = browser.login(client, "gvbm")
    response = client.post("/api/v1/auth/step-up", json={"totp_code": "123456"}, headers={"X-CSRFToken": token})
    assert response.status_code == 409
    assert response.json["error"]["message"] == "Bạn chưa bật xác thực hai lớp"
    page = client.get("/step-up")
    assert 'data-testid="step-up-no-mfa"' in page.text
