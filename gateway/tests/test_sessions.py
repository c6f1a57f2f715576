"""Browser sessions: sign-in/out through pages and JSON, cookie flags, fresh ids, revocation within the cache time."""

from __future__ import annotations

import time

import flask
import pytest
from flask.testing import FlaskClient

from school_gateway.app import create_app


def _set_cookie_headers(response: flask.Response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_json_sign_in_sets_a_hardened_cookie_and_returns_principal(client: FlaskClient, browser, upstreams) -> None:
    token = browser.csrf(client)
    response = client.post(
        "/api/v1/auth/login",
        json={"username": "gvbm", "password": "TrungVuong@2026"},
        headers={"X-CSRFToken": token, "User-Agent": "Playwright/1.0"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 200
    body = response.json
    assert body["outcome"] == "signed_in"  # no second factor for this subject teacher
    assert body["csrf_token"]
    assert body["csrf_token"] != token
    assert body["principal"]["username"] == "gvbm"
    assert body["principal"]["roles"] == ["GVBM"]
    assert body["principal"]["scopes"] == ["class_subject:c-3a:TOAN"]
    [cookie] = _set_cookie_headers(response, "tv_session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # SESSION_COOKIE_SECURE defaults to false for local http
    # identity sees the client, never just the gateway.
    [login] = upstreams.identity.login_requests
    assert (login.client_ip, login.user_agent) == ("10.1.2.3", "Playwright/1.0")


def test_cookie_is_secure_when_configured(environ: dict[str, str], browser) -> None:
    app = create_app({**environ, "SESSION_COOKIE_SECURE": "true"})
    client = app.test_client()
    token = client.get("/api/v1/session", base_url="https://localhost").json["csrf_token"]
    response = client.post(
        "/api/v1/auth/login",
        json={"username": "hieutruong", "password": "TrungVuong@2026"},
        headers={"X-CSRFToken": token},
        base_url="https://localhost",
    )
    assert response.status_code == 200, response.text
    [cookie] = _set_cookie_headers(response, "tv_session")
    assert "Secure" in cookie


def test_cookie_holds_only_the_opaque_session_id_and_csrf_secret(client: FlaskClient, browser, app) -> None:
    browser.login(client)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(browser.session_cookie(client))
    assert set(data) <= {"sid", "csrf_token"}
    assert "hieutruong" not in str(data)
    assert "students:" not in str(data)


def test_every_sign_in_gets_a_new_session_id(client: FlaskClient, browser, app, upstreams) -> None:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    browser.login(client)
    first = serializer.loads(browser.session_cookie(client))["sid"]
    browser.login(client)  # signing in again on the same browser
    second = serializer.loads(browser.session_cookie(client))["sid"]
    assert first != second
    assert set(upstreams.identity.sessions) >= {first, second}


def test_wrong_password_is_401_in_vietnamese(client: FlaskClient, browser) -> None:
    token = browser.csrf(client)
    response = client.post(
        "/api/v1/auth/login", json={"username": "hieutruong", "password": "sai"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 401
    assert response.json["error"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert response.json["error"]["request_id"]
    assert not _set_cookie_headers(response, "tv_session") or "sid" not in response.text


def test_throttled_sign_in_is_429(client: FlaskClient, browser, upstreams) -> None:
    upstreams.identity.throttled = True
    token = browser.csrf(client)
    response = client.post(
        "/api/v1/auth/login", json={"username": "hieutruong", "password": "x"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert response.json["error"]["code"] == "resource_exhausted"


def test_session_endpoint_reports_state(client: FlaskClient, browser) -> None:
    anonymous = client.get("/api/v1/session").json
    assert anonymous["authenticated"] is False
    assert anonymous["principal"] is None
    browser.login(client)
    signed_in = client.get("/api/v1/session").json
    assert signed_in["authenticated"] is True
    assert signed_in["principal"]["full_name"] == "Nguyễn Văn Hiệu"


def test_me_comes_from_identity(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json["principal"]["user_id"] == "u-ht"
    assert "GetMe" in upstreams.recorder.methods()


def test_sign_out_revokes_in_identity_and_replay_gets_401(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    old_cookie = browser.session_cookie(client)
    response = client.post("/api/v1/auth/logout", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert upstreams.identity.sessions == {}
    assert "Logout" in upstreams.recorder.methods()
    [cleared] = _set_cookie_headers(response, "tv_session")
    assert "Expires=Thu, 01 Jan 1970" in cleared
    # Replaying the old cookie: the local cache entry was dropped too, so identity is asked and refuses.
    client.set_cookie("tv_session", old_cookie)
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_session_is_signed_out_within_the_cache_time(environ: dict[str, str], browser, upstreams) -> None:
    app = create_app({**environ, "SESSION_CACHE_SECONDS": "0.5"})
    client = app.test_client()
    browser.login(client)
    assert client.get("/api/v1/session").json["authenticated"] is True
    upstreams.identity.revoke_all()  # e.g. the account was disabled in identity
    deadline = time.monotonic() + 5
    while client.get("/api/v1/classes").status_code != 401:
        assert time.monotonic() < deadline, "revoked session still accepted after 5 s"
        time.sleep(0.1)
    # The stale cookie was dropped; pages now go to the sign-in form.
    assert client.get("/classes").status_code == 302


def test_validation_is_cached_briefly_per_process(client: FlaskClient, signed_in: str, upstreams) -> None:
    for _ in range(5):
        assert client.get("/api/v1/session").status_code == 200
    assert upstreams.recorder.methods().count("ValidateSession") <= 1


def test_session_calls_use_the_gateway_identity(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    client.get("/api/v1/classes")
    by_method = {c.method: c for c in upstreams.recorder.calls}
    assert by_method["Login"].subject == "svc:gateway"
    assert by_method["Login"].permissions == frozenset({"identity:session:manage"})
    assert by_method["ListClasses"].subject == "u-ht"


# --- Pages --------------------------------------------------------------------------------------


def test_page_sign_in_and_out(client: FlaskClient, browser, upstreams) -> None:
    page = client.get("/signin?next=/classes")
    assert page.status_code == 200
    response = client.post(
        "/signin",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "username": "hieutruong",
            "password": "TrungVuong@2026",
            "next": "/classes",
        },
    )
    # The principal's role requires a second factor: the code page comes next, then the page asked for.
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin/mfa"
    step = client.get("/signin/mfa")
    response = client.post(
        "/signin/mfa", data={"csrf_token": browser.form_csrf(step.text), "totp_code": browser.code()}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/classes"
    home = client.get("/")
    assert "Nguyễn Văn Hiệu" in home.text
    out = client.post("/signout", data={"csrf_token": browser.form_csrf(home.text)})
    assert out.status_code == 303
    assert out.headers["Location"] == "/signin?notice=signed_out"
    assert "Bạn đã đăng xuất." in client.get(out.headers["Location"]).text
    assert client.get("/").status_code == 302
    assert upstreams.identity.sessions == {}


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(client: FlaskClient, browser, target: str) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "username": "gvbm",
            "password": "TrungVuong@2026",
            "next": target,
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_page_sign_in_failure_keeps_username_but_never_the_password(client: FlaskClient, browser) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(page.text), "username": "hieutruong", "password": "sai-mat-khau"},
    )
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert 'value="hieutruong"' in response.text
    assert "sai-mat-khau" not in response.text


def test_page_sign_in_with_empty_fields_names_them(client: FlaskClient, browser, upstreams) -> None:
    page = client.get("/signin")
    response = client.post("/signin", data={"csrf_token": browser.form_csrf(page.text), "username": "", "password": ""})
    assert response.status_code == 400
    assert response.text.count("Trường này là bắt buộc") == 2
    assert "Login" not in upstreams.recorder.methods()


def test_logs_never_hold_passwords_session_ids_or_tokens(
    client: FlaskClient, browser, app, upstreams, caplog: pytest.LogCaptureFixture
) -> None:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    with caplog.at_level("DEBUG"):
        token = browser.login(client)
        session_id = serializer.loads(browser.session_cookie(client))["sid"]
        client.get("/api/v1/classes")
        client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
        page = client.get("/signin")
        client.post("/signin", data={"csrf_token": browser.form_csrf(page.text), "username": "x", "password": "P@ss-1"})
    logged = caplog.text
    assert "session.signed_in" in logged
    assert "session.signed_out" in logged
    for secret in ("TrungVuong@2026", "P@ss-1", token, session_id, *(c.token for c in upstreams.recorder.calls)):
        assert secret not in logged
