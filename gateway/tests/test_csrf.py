"""CSRF: every state-changing request needs the token (form field or X-CSRFToken), sign-in included."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

YEAR = {"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"}


@pytest.mark.parametrize("header", [None, "", "forged-token", "Ijk5OSI.Z1.forged"])
def test_json_post_without_a_valid_token_is_refused(client: FlaskClient, signed_in: str, upstreams, header) -> None:
    headers = {} if header is None else {"X-CSRFToken": header}
    response = client.post("/api/v1/school-years", json=YEAR, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert "Vui lòng tải lại trang" in response.json["error"]["message"]
    assert upstreams.recorder.methods() == []


def test_json_post_with_the_token_passes(client: FlaskClient, signed_in: str) -> None:
    response = client.post("/api/v1/school-years", json=YEAR, headers={"X-CSRFToken": signed_in})
    assert response.status_code == 201


def test_token_of_another_session_is_refused(app, client: FlaskClient, signed_in: str, browser) -> None:
    other = app.test_client()
    other_token = browser.login(other)
    response = client.post("/api/v1/school-years", json=YEAR, headers={"X-CSRFToken": other_token})
    assert response.json["error"]["code"] == "csrf_failed"


def test_form_post_without_token_is_refused(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.post("/school-years", data=YEAR)
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.text
    assert upstreams.recorder.methods() == []


def test_form_post_with_token_passes(client: FlaskClient, signed_in: str, browser) -> None:
    page = client.get("/school-years")
    response = client.post("/school-years", data={**YEAR, "csrf_token": browser.form_csrf(page.text)})
    assert response.status_code == 303


def test_sign_out_needs_the_token(client: FlaskClient, signed_in: str, upstreams) -> None:
    assert client.post("/signout").status_code == 400
    assert client.post("/api/v1/auth/logout").status_code == 400
    assert "Logout" not in upstreams.recorder.methods()


def test_json_sign_in_needs_a_token_first(client: FlaskClient, upstreams) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "hieutruong", "password": "TrungVuong@2026"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert "Login" not in upstreams.recorder.methods()


def test_form_sign_in_needs_the_token(client: FlaskClient, upstreams) -> None:
    response = client.post("/signin", data={"username": "hieutruong", "password": "TrungVuong@2026"})
    assert response.status_code == 400
    assert "Login" not in upstreams.recorder.methods()


def test_cross_origin_post_is_refused_even_with_a_token(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.post(
        "/api/v1/school-years", json=YEAR, headers={"X-CSRFToken": signed_in, "Origin": "https://evil.example"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    sandboxed = client.post("/api/v1/school-years", json=YEAR, headers={"X-CSRFToken": signed_in, "Origin": "null"})
    assert sandboxed.json["error"]["code"] == "csrf_failed"
    same = client.post(
        "/api/v1/school-years", json=YEAR, headers={"X-CSRFToken": signed_in, "Origin": "https://localhost"}
    )
    assert same.status_code == 201
