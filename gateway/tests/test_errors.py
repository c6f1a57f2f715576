"""One gRPC → HTTP mapping; JSON errors in one shape; friendly Vietnamese pages; no stack trace ever leaves."""

from __future__ import annotations

import grpc
import pytest
from flask.testing import FlaskClient

from school_gateway.app import create_app
from school_gateway.authz import public
from school_gateway.errors import GRPC_STATUS_MAP

LEAK = "/srv/db.sqlite"


@pytest.mark.parametrize(
    ("code", "status", "error_code"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, 400, "invalid_argument"),
        (grpc.StatusCode.UNAUTHENTICATED, 401, "unauthenticated"),
        (grpc.StatusCode.PERMISSION_DENIED, 403, "permission_denied"),
        (grpc.StatusCode.NOT_FOUND, 404, "not_found"),
        (grpc.StatusCode.ALREADY_EXISTS, 409, "already_exists"),
        (grpc.StatusCode.ABORTED, 409, "conflict"),
        (grpc.StatusCode.FAILED_PRECONDITION, 409, "failed_precondition"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 429, "resource_exhausted"),
        (grpc.StatusCode.UNAVAILABLE, 503, "unavailable"),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504, "deadline_exceeded"),
        (grpc.StatusCode.INTERNAL, 502, "bad_gateway"),
        (grpc.StatusCode.UNKNOWN, 502, "bad_gateway"),
        (grpc.StatusCode.UNIMPLEMENTED, 502, "bad_gateway"),
        (grpc.StatusCode.DATA_LOSS, 502, "bad_gateway"),
    ],
)
def test_status_mapping(
    client: FlaskClient, signed_in: str, upstreams, code: grpc.StatusCode, status: int, error_code: str
) -> None:
    upstreams.students.fail_with = code
    # A write: never retried, so each status arrives exactly as the service sent it.
    body = {"school_year_id": "y-1", "name": "1A", "grade_level": 1}
    response = client.post("/api/v1/classes", json=body, headers={"X-CSRFToken": signed_in})
    assert upstreams.recorder.methods() == ["CreateClass"]
    assert response.status_code == status
    error = response.json["error"]
    assert set(error) == {"code", "message", "request_id", "fields"}
    assert error["code"] == error_code
    assert error["request_id"] == response.headers["X-Request-ID"]
    rule = GRPC_STATUS_MAP.get(code)
    if rule is None or not rule.pass_detail:
        # Only statuses whose messages services write for people are passed on.
        assert LEAK not in response.text
    if status in (429, 503):
        assert response.headers["Retry-After"]


def test_only_reads_are_retried_when_a_service_is_unavailable(client: FlaskClient, signed_in: str, upstreams) -> None:
    upstreams.students.fail_with = grpc.StatusCode.UNAVAILABLE
    read = client.get("/api/v1/classes")
    assert read.status_code == 503
    assert upstreams.recorder.methods().count("ListClasses") == 4  # 1 call + 3 retries (R7: at most 4)
    upstreams.recorder.clear()
    write = client.post(
        "/api/v1/classes",
        json={"school_year_id": "y-1", "name": "1A", "grade_level": 1},
        headers={"X-CSRFToken": signed_in},
    )
    assert write.status_code == 503
    assert upstreams.recorder.methods() == ["CreateClass"]


def test_upstream_failure_on_a_page_is_a_friendly_vietnamese_page(
    client: FlaskClient, signed_in: str, upstreams
) -> None:
    upstreams.students.fail_with = grpc.StatusCode.PERMISSION_DENIED
    response = client.get("/classes")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "Bạn không có quyền thực hiện thao tác này." in response.text
    assert response.headers["X-Request-ID"] in response.text
    assert LEAK not in response.text


def test_conflicts_on_forms_are_shown_next_to_the_form(client: FlaskClient, signed_in: str, browser) -> None:
    body = {"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"}
    assert client.post("/api/v1/school-years", json=body, headers={"X-CSRFToken": signed_in}).status_code == 201
    page = client.get("/school-years")
    response = client.post("/school-years", data={**body, "csrf_token": browser.form_csrf(page.text)})
    assert response.status_code == 400
    assert 'data-testid="form-error"' in response.text
    assert "Năm học 2025-2026 đã tồn tại" in response.text


def test_full_class_is_409_with_the_service_message(client: FlaskClient, signed_in: str) -> None:
    h = {"X-CSRFToken": signed_in}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    ).json
    cls = client.post(
        "/api/v1/classes", json={"school_year_id": year["id"], "name": "1A", "grade_level": 1, "max_size": 1}, headers=h
    ).json
    pupil = {"class_id": cls["id"], "full_name": "Lê Minh An", "date_of_birth": "2019-01-02", "gender": "male"}
    assert client.post("/api/v1/students", json=pupil, headers=h).status_code == 201
    response = client.post("/api/v1/students", json={**pupil, "full_name": "Lê Minh Bình"}, headers=h)
    assert response.status_code == 409
    assert response.json["error"] == {
        "code": "failed_precondition",
        "message": "Lớp 1A đã đủ sĩ số",
        "request_id": response.headers["X-Request-ID"],
        "fields": {},
    }


def test_not_found_paths(client: FlaskClient, signed_in: str, upstreams) -> None:
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404
    assert api.json["error"]["code"] == "not_found"
    page = client.get("/nothing-here")
    assert page.status_code == 404
    assert "Trang này không tồn tại." in page.text
    # Malformed ids never reach a service.
    assert client.get("/api/v1/classes/..%2F..%2Fetc").status_code == 404
    assert upstreams.recorder.methods() == []


@pytest.fixture
def exploding_client(environ: dict[str, str]) -> FlaskClient:
    app = create_app(environ)

    @public
    def explode() -> str:
        raise RuntimeError("secret stack detail")

    app.add_url_rule("/api/v1/explode", "explode_api", explode)
    app.add_url_rule("/explode", "explode_page", explode)
    return app.test_client()


@pytest.mark.parametrize("path", ["/api/v1/explode", "/explode"])
def test_forced_500_shows_no_stack_trace(
    exploding_client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    response = exploding_client.get(path, headers={"X-Request-ID": "req-explode-1"})
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert "secret stack detail" not in response.text
    assert "RuntimeError" not in response.text
    assert "req-explode-1" in response.text
    assert response.headers["X-Request-ID"] == "req-explode-1"
    if path.startswith("/api/"):
        assert response.json["error"]["code"] == "internal"
        assert response.json["error"]["message"].startswith("Hệ thống gặp sự cố.")
    else:
        assert "Hệ thống gặp sự cố." in response.text
    # The operator gets the whole story in the log, tied to the request id.
    logged = caplog.text
    assert "http.unhandled_error" in logged
    assert "req-explode-1" in logged
    assert "secret stack detail" in logged


def test_error_pages_keep_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/nothing-here")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
