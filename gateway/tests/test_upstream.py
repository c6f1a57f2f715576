"""Upstream calls: a fresh, correctly addressed, short-lived token per call; request id and trace; lazy channels."""

from __future__ import annotations

import time

import grpc
import pytest
from flask import Flask
from flask.testing import FlaskClient

from school_gateway.app import create_app
from school_gateway.core import IDENTITY
from school_gateway.grades import GRADES
from school_gateway.students import STUDENTS
from schoolkit.tokens import MAX_LIFETIME_S

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _enrol(client: FlaskClient, token: str) -> dict:
    h = {"X-CSRFToken": token}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    ).json
    cls = client.post(
        "/api/v1/classes", json={"school_year_id": year["id"], "name": "2B", "grade_level": 2}, headers=h
    ).json
    return cls


def test_no_channel_exists_until_the_first_call(app: Flask, client: FlaskClient, browser) -> None:
    """gRPC is not fork-safe: building the app (gunicorn's master with preload) must open nothing."""
    ups = app.extensions["school_gateway.upstreams"]
    assert ups._channels == {}
    client.get("/healthz")
    assert ups._channels == {}
    browser.login(client)
    assert set(ups._channels) == {"identity"}


def test_tokens_name_the_target_service_and_live_at_most_60_seconds(
    client: FlaskClient, signed_in: str, upstreams
) -> None:
    cls = _enrol(client, signed_in)
    client.get(f"/api/v1/classes/{cls['id']}/roster")
    client.get("/api/v1/me")
    client.get("/api/v1/staff")
    client.get("/api/v1/roles")
    audiences = {c.method: c.claims["aud"] for c in upstreams.recorder.calls}
    assert audiences["CreateSchoolYear"] == "students"
    assert audiences["ListRoster"] == "grades"
    assert audiences["GetMe"] == "identity"
    # identity's other two services share its address and its audience.
    assert audiences["ListStaff"] == "identity"
    assert audiences["ListRoles"] == "identity"
    for call in upstreams.recorder.calls:
        claims = call.claims
        assert 0 < claims["exp"] - claims["iat"] <= MAX_LIFETIME_S
        assert claims["exp"] - claims["iat"] == 30
        assert claims["exp"] > time.time()
        assert claims["iss"] == "school-gateway"
    jtis = [c.claims["jti"] for c in upstreams.recorder.calls]
    assert len(set(jtis)) == len(jtis), "a fresh token per call"


def test_user_calls_carry_the_users_permissions(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "gvbm")
    upstreams.recorder.clear()
    client.get("/api/v1/classes")
    [call] = [c for c in upstreams.recorder.calls if c.method == "ListClasses"]
    assert call.subject == "u-gvbm"
    assert call.claims["sch"] == "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
    assert call.claims["roles"] == ["GVBM"]
    assert "students:class:write" not in call.permissions
    # The object scopes of the teacher's assignments travel too; services check objects with them.
    assert call.claims["scp"] == ["class_subject:c-3a:TOAN"]
    assert call.claims["sup"] == 0  # not stepped up


def test_request_id_and_trace_are_forwarded(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.get("/api/v1/classes", headers={"X-Request-ID": "req-7", "traceparent": TRACE})
    assert response.headers["X-Request-ID"] == "req-7"
    # The gateway is a span in the caller's trace.
    assert response.headers["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    [call] = [c for c in upstreams.recorder.calls if c.method == "ListClasses"]
    assert call.request_id == "req-7"
    assert call.claims["rid"] == "req-7"


def test_only_reads_are_marked_idempotent() -> None:
    assert IDENTITY.idempotent == ("ValidateSession", "GetMe", "ListAccounts")
    assert STUDENTS.idempotent == (
        "ListSchoolYears",
        "ListClasses",
        "GetClass",
        "GetStudent",
        "ListStudents",
        "GetSchoolYear",
    )
    assert GRADES.idempotent == ("ListRoster",)


@pytest.mark.parametrize("deadline", [0.3, 1.0])
def test_a_hung_service_is_cut_off_at_the_deadline(
    environ: dict[str, str], browser, upstreams, deadline: float
) -> None:
    app = create_app({**environ, "GRPC_TIMEOUT_S": str(deadline)})
    client = app.test_client()
    token = browser.login(client)
    upstreams.students.delay_s = deadline + 1.0
    started = time.monotonic()
    response = client.post(
        "/api/v1/classes", json={"school_year_id": "y", "name": "1A", "grade_level": 1}, headers={"X-CSRFToken": token}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json["error"]["code"] == "deadline_exceeded"
    # Cut off at the deadline, not before it, and within deadline + 100 ms (quality bar R6; a little
    # slack for a loaded test machine).
    assert deadline <= elapsed < deadline + 0.1 + 0.2
    assert upstreams.recorder.methods().count("CreateClass") == 1


def test_channels_are_reopened_after_fork(app: Flask, client: FlaskClient, browser, monkeypatch) -> None:
    ups = app.extensions["school_gateway.upstreams"]
    browser.login(client)
    before = ups.channel("identity")
    monkeypatch.setattr("os.getpid", lambda: -1)  # as seen from a freshly forked worker
    after = ups.channel("identity")
    assert after is not before
    assert isinstance(after, grpc.Channel)
