"""Sign-in steps: new password, TOTP enrolment and TOTP/recovery codes, through pages and JSON.

No session id exists before identity says SIGNED_IN; the challenge lives only in the signed cookie;
nothing else can be opened while a step is pending; a new session id is issued at the end.
"""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

NEW_PASSWORD = "Cay tre xanh 2026"


def _login(client: FlaskClient, browser, username: str, password: str) -> tuple[int, dict]:
    token = browser.csrf(client)
    response = client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers={"X-CSRFToken": token}
    )
    return response.status_code, response.json


def _continue(client: FlaskClient, token: str, **answer: str):
    return client.post("/api/v1/auth/continue", json=answer, headers={"X-CSRFToken": token})


# --- JSON ----------------------------------------------------------------------------------------------------


def test_first_sign_in_through_json_password_then_enrolment_then_session(
    app: Flask, client: FlaskClient, browser, upstreams
) -> None:
    status, body = _login(client, browser, "phohieutruong", "MotLanDuyNhat1")
    assert status == 200
    assert body["outcome"] == "password_change_required"
    assert set(body) == {"outcome", "csrf_token"}
    data = browser.cookie_data(app, client)
    assert "sid" not in data  # no session before SIGNED_IN
    assert set(data) == {"csrf_token", "signin"}
    assert data["signin"]["challenge_id"] == next(iter(upstreams.identity.challenges))
    # Anything but the step answers 401 meanwhile.
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/session").json["pending_step"] == "password_change_required"

    response = _continue(client, body["csrf_token"], new_password=NEW_PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json
    assert body["outcome"] == "mfa_enrolment_required"
    secret = body["mfa_secret"]["secret"]
    assert body["mfa_secret"]["provisioning_uri"].startswith("otpauth://totp/")
    assert "sid" not in browser.cookie_data(app, client)

    response = _continue(client, body["csrf_token"], totp_code=browser.code("phohieutruong", secret))
    assert response.status_code == 200, response.text
    body = response.json
    assert body["outcome"] == "signed_in"
    assert len(body["recovery_codes"]) == 10
    assert body["principal"]["username"] == "phohieutruong"
    assert body["principal"]["mfa_verified"] is True
    sid = browser.cookie_data(app, client)["sid"]
    assert sid in upstreams.identity.sessions
    assert "signin" not in browser.cookie_data(app, client)
    assert client.get("/api/v1/me", headers={"X-CSRFToken": body["csrf_token"]}).status_code == 200

    # Next time: password, then a code (MFA is now required for this account).
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": body["csrf_token"]})
    status, body = _login(client, browser, "phohieutruong", NEW_PASSWORD)
    assert body["outcome"] == "mfa_required"
    assert "mfa_secret" not in body
    response = _continue(client, body["csrf_token"], totp_code=browser.code("phohieutruong"))
    assert response.json["outcome"] == "signed_in"
    assert "recovery_codes" not in response.json
    assert browser.cookie_data(app, client)["sid"] != sid  # a new session id each time


def test_recovery_code_signs_in_once(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.accounts["hieutruong"].recovery_codes = ["abcd-1234", "efgh-5678"]
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    response = _continue(client, body["csrf_token"], recovery_code="abcd-1234")
    assert response.json["outcome"] == "signed_in"
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": response.json["csrf_token"]})
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    again = _continue(client, body["csrf_token"], recovery_code="abcd-1234")
    assert again.status_code == 400
    assert again.json["error"]["fields"] == {"recovery_code": "Mã khôi phục không đúng hoặc đã dùng"}


def test_wrong_code_is_a_field_error_and_the_step_stays(app: Flask, client: FlaskClient, browser) -> None:
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    wrong = _continue(client, body["csrf_token"], totp_code="000000")
    assert wrong.status_code == 400
    assert wrong.json["error"]["code"] == "invalid_argument"
    assert wrong.json["error"]["fields"] == {"totp_code": "Mã xác thực không đúng hoặc đã hết hạn"}
    assert "sid" not in browser.cookie_data(app, client)
    right = _continue(client, body["csrf_token"], totp_code=browser.code())
    assert right.json["outcome"] == "signed_in"


def test_a_totp_code_works_only_once(client: FlaskClient, browser, upstreams) -> None:
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    code = browser.code()
    assert _continue(client, body["csrf_token"], totp_code=code).json["outcome"] == "signed_in"
    other = client.application.test_client()
    _, body = _login(other, browser, "hieutruong", "TrungVuong@2026")
    assert _continue(other, body["csrf_token"], totp_code=code).status_code == 400


def test_weak_new_password_is_refused_next_to_the_field(client: FlaskClient, browser) -> None:
    _, body = _login(client, browser, "phohieutruong", "MotLanDuyNhat1")
    response = _continue(client, body["csrf_token"], new_password="12345678")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"new_password": "Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác"}


@pytest.mark.parametrize(
    "answer",
    [{}, {"totp_code": "123456", "recovery_code": "abcd-1234"}, {"totp_code": "12ab56"}, {"challenge_id": "x"}],
)
def test_continue_bodies_are_validated(client: FlaskClient, browser, upstreams, answer: dict) -> None:
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    response = _continue(client, body["csrf_token"], **answer)
    assert response.status_code == 400
    assert "ContinueLogin" not in upstreams.recorder.methods()


def test_an_answer_for_another_step_is_refused(client: FlaskClient, browser, upstreams) -> None:
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    response = _continue(client, body["csrf_token"], new_password=NEW_PASSWORD)
    assert response.status_code == 400
    assert "new_password" in response.json["error"]["fields"]
    assert "ContinueLogin" not in upstreams.recorder.methods()


def test_continue_without_a_pending_sign_in_is_401(client: FlaskClient, browser, upstreams) -> None:
    token = browser.csrf(client)
    response = _continue(client, token, totp_code="123456")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "signin_expired"
    assert response.json["error"]["message"] == "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."
    assert "ContinueLogin" not in upstreams.recorder.methods()


def test_an_expired_challenge_is_forgotten(app: Flask, client: FlaskClient, browser, upstreams) -> None:
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    # Five minutes later, as the browser's cookie tells it (the gateway keeps no other state).
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(browser.session_cookie(client))
    data["signin"]["expires_at"] = time.time() - 1
    client.set_cookie("tv_session", serializer.dumps(data))
    upstreams.recorder.clear()
    response = _continue(client, body["csrf_token"], totp_code=browser.code())
    assert response.status_code == 401
    assert response.json["error"]["code"] == "signin_expired"
    assert "signin" not in browser.cookie_data(app, client)
    assert "ContinueLogin" not in upstreams.recorder.methods()
    assert client.get("/").headers["Location"].startswith("/signin")


def test_identity_forgetting_the_challenge_ends_the_sign_in(
    app: Flask, client: FlaskClient, browser, upstreams
) -> None:
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    upstreams.identity.challenges.clear()  # e.g. identity's 5 minutes ran out first
    response = _continue(client, body["csrf_token"], totp_code=browser.code())
    assert response.status_code == 401
    assert response.json["error"]["code"] == "signin_expired"
    assert "signin" not in browser.cookie_data(app, client)


def test_the_challenge_never_appears_in_a_body_or_url(client: FlaskClient, browser, upstreams) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(page.text), "username": "hieutruong", "password": "TrungVuong@2026"},
    )
    [challenge] = upstreams.identity.challenges
    assert challenge not in response.headers["Location"]
    assert challenge not in client.get(response.headers["Location"]).text
    _, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    assert all(challenge not in str(v) for v in body.values())


# --- Throttling ------------------------------------------------------------------------------------------------


def test_repeated_failures_are_answered_429_with_retry_after(client: FlaskClient, browser, upstreams) -> None:
    for _ in range(5):
        status, body = _login(client, browser, "hieutruong", "sai-mat-khau")
        assert status == 401
    status, body = _login(client, browser, "hieutruong", "TrungVuong@2026")
    assert status == 429
    assert body["error"]["code"] == "resource_exhausted"
    assert body["error"]["message"] == "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 2 phút."
    token = browser.csrf(client)
    response = client.post(
        "/api/v1/auth/login",
        json={"username": "hieutruong", "password": "x"},
        headers={"X-CSRFToken": token},
    )
    assert response.headers["Retry-After"] == "120"
    english = client.post(
        "/api/v1/auth/login?lang=en",
        json={"username": "hieutruong", "password": "x"},
        headers={"X-CSRFToken": token},
    )
    assert english.json["error"]["message"] == "Too many failed sign-in attempts. Please try again in 2 minute(s)."


def test_throttled_sign_in_page_says_how_long_to_wait(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.failures["hieutruong"] = 5
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(page.text), "username": "hieutruong", "password": "TrungVuong@2026"},
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 2 phút." in response.text


# --- Pages -------------------------------------------------------------------------------------------------------


def test_first_sign_in_through_pages(app: Flask, client: FlaskClient, browser, upstreams) -> None:
    page = client.get("/signin?next=/account")
    response = client.post(
        "/signin",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "username": "phohieutruong",
            "password": "MotLanDuyNhat1",
            "next": "/account",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin/password"
    step = client.get("/signin/password")
    assert step.status_code == 200
    assert "<h1>Đổi mật khẩu lần đầu</h1>" in step.text
    assert "Đỗ Minh Phó" in step.text
    assert "Ít nhất 8 ký tự" in step.text  # the policy hint

    # Two different passwords: refused by the gateway before identity is asked.
    mismatch = client.post(
        "/signin/password",
        data={"csrf_token": browser.form_csrf(step.text), "new_password": NEW_PASSWORD, "confirm_password": "khac"},
    )
    assert mismatch.status_code == 400
    assert 'data-testid="confirm_password-error">Hai mật khẩu không giống nhau.<' in mismatch.text
    # A weak one: identity's message next to the field.
    weak = client.post(
        "/signin/password",
        data={"csrf_token": browser.form_csrf(step.text), "new_password": "12345678", "confirm_password": "12345678"},
    )
    assert weak.status_code == 400
    assert 'data-testid="new_password-error">Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác<' in weak.text
    assert "12345678" not in weak.text.replace('maxlength="1024"', "")

    done = client.post(
        "/signin/password",
        data={
            "csrf_token": browser.form_csrf(step.text),
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert done.headers["Location"] == "/signin/mfa-setup"
    setup = client.get("/signin/mfa-setup")
    assert "<h1>Thiết lập xác thực hai lớp</h1>" in setup.text
    assert '<svg class="qr" role="img"' in setup.text
    secret = upstreams.identity.accounts["phohieutruong"].pending_secret
    grouped = re.search(r'data-testid="mfa-secret"[^>]*>([A-Z2-7 ]+)<', setup.text)
    assert grouped
    assert grouped.group(1).replace(" ", "") == secret
    assert all(len(part) <= 4 for part in grouped.group(1).split())
    assert "sid" not in browser.cookie_data(app, client)

    codes = client.post(
        "/signin/mfa-setup",
        data={"csrf_token": browser.form_csrf(setup.text), "totp_code": browser.code("phohieutruong", secret)},
    )
    assert codes.status_code == 200
    assert 'data-testid="recovery-codes"' in codes.text
    shown = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", codes.text)
    assert shown == upstreams.identity.accounts["phohieutruong"].recovery_codes
    assert "Tôi đã lưu mã" in codes.text
    assert 'action="/account"' in codes.text  # then where the person wanted to go
    assert "sid" in browser.cookie_data(app, client)
    assert client.get("/account").status_code == 200
    # Shown once: going back to the step page does not show them again.
    assert client.get("/signin/mfa-setup").headers["Location"] == "/"


def test_pending_step_cannot_be_skipped(client: FlaskClient, browser) -> None:
    page = client.get("/signin")
    client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(page.text), "username": "hieutruong", "password": "TrungVuong@2026"},
    )
    for path in ("/", "/classes", "/account", "/staff", "/audit-log", "/step-up"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/signin/mfa", path
    for path in ("/api/v1/me", "/api/v1/classes", "/api/v1/staff"):
        assert client.get(path).status_code == 401, path
    # The other step pages lead to the pending one.
    assert client.get("/signin/password").headers["Location"] == "/signin/mfa"
    assert client.get("/signin/mfa-setup").headers["Location"] == "/signin/mfa"


def test_mfa_page_with_a_recovery_code_toggle(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.accounts["hieutruong"].recovery_codes = ["abcd-1234"]
    page = client.get("/signin")
    client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(page.text), "username": "hieutruong", "password": "TrungVuong@2026"},
    )
    totp_page = client.get("/signin/mfa")
    assert "<h1>Nhập mã xác thực</h1>" in totp_page.text
    assert 'id="totp_code"' in totp_page.text
    assert 'href="/signin/mfa?method=recovery"' in totp_page.text
    recovery_page = client.get("/signin/mfa?method=recovery")
    assert 'id="recovery_code"' in recovery_page.text
    assert 'id="totp_code"' not in recovery_page.text
    wrong = client.post(
        "/signin/mfa",
        data={"csrf_token": browser.form_csrf(recovery_page.text), "method": "recovery", "recovery_code": "zzzz-9999"},
    )
    assert wrong.status_code == 400
    assert 'data-testid="recovery_code-error">Mã khôi phục không đúng hoặc đã dùng<' in wrong.text
    right = client.post(
        "/signin/mfa",
        data={"csrf_token": browser.form_csrf(recovery_page.text), "method": "recovery", "recovery_code": "abcd-1234"},
    )
    assert right.status_code == 303
    assert right.headers["Location"] == "/"


def test_step_pages_without_a_pending_sign_in_go_back_to_sign_in(client: FlaskClient) -> None:
    for path in ("/signin/password", "/signin/mfa-setup", "/signin/mfa"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"] == "/signin?notice=signin_expired"
    assert "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại." in client.get("/signin?notice=signin_expired").text


def test_step_pages_in_english(client: FlaskClient, browser) -> None:
    page = client.get("/signin")
    client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(page.text), "username": "phohieutruong", "password": "MotLanDuyNhat1"},
    )
    english = client.get("/signin/password?lang=en")
    assert "<h1>First sign-in: change your password</h1>" in english.text
    assert "Signing in as Đỗ Minh Phó." in english.text
