"""Operator endpoints: /healthz, /readyz (grpc.health.v1 of every enabled upstream) and /metrics."""

from __future__ import annotations

from flask.testing import FlaskClient

from school_gateway.app import create_app
from schoolkit.testing import free_port


def test_healthz_is_public_and_does_not_touch_upstreams(client: FlaskClient, upstreams) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert upstreams.recorder.methods() == []


def test_readyz_is_200_when_every_upstream_serves(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "upstreams": [
            {"name": "identity", "status": "SERVING"},
            {"name": "identity.staff", "status": "SERVING"},
            {"name": "identity.access", "status": "SERVING"},
            {"name": "students", "status": "SERVING"},
            {"name": "students.records", "status": "SERVING"},
            {"name": "students.movements", "status": "SERVING"},
            {"name": "students.lists", "status": "SERVING"},
            {"name": "students.attendance", "status": "SERVING"},
            {"name": "grades", "status": "SERVING"},
            {"name": "grades.checks", "status": "SERVING"},
            {"name": "grades.locks", "status": "SERVING"},
            {"name": "grades.results", "status": "SERVING"},
            {"name": "grades.records", "status": "SERVING"},
            {"name": "grades.gradebook", "status": "SERVING"},
        ],
    }


def test_readyz_is_503_when_an_upstream_is_not_serving(client: FlaskClient, upstreams) -> None:
    upstreams.servers["grades"].set_serving(False)
    response = client.get("/readyz")
    assert response.status_code == 503
    statuses = {u["name"]: u["status"] for u in response.json["upstreams"]}
    assert statuses == {
        "identity": "SERVING",
        "identity.staff": "SERVING",
        "identity.access": "SERVING",
        "students": "SERVING",
        "students.records": "SERVING",
        "students.movements": "SERVING",
        "students.lists": "SERVING",
        "students.attendance": "SERVING",
        "grades": "NOT_SERVING",
        "grades.checks": "NOT_SERVING",
        "grades.locks": "NOT_SERVING",
        "grades.results": "NOT_SERVING",
        "grades.records": "NOT_SERVING",
        "grades.gradebook": "NOT_SERVING",
    }


def test_readyz_is_503_quickly_when_an_upstream_is_down(environ: dict[str, str]) -> None:
    app = create_app({**environ, "STUDENTS_GRPC_ADDR": f"127.0.0.1:{free_port()}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    statuses = {u["name"]: u["status"] for u in response.json["upstreams"]}
    assert statuses["students"] in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
    assert statuses["identity"] == "SERVING"


def test_readyz_only_checks_enabled_plugins(environ: dict[str, str]) -> None:
    app = create_app({**environ, "GATEWAY_PLUGINS": "core", "STUDENTS_GRPC_ADDR": f"127.0.0.1:{free_port()}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert [u["name"] for u in response.json["upstreams"]] == ["identity", "identity.staff", "identity.access"]


def test_metrics_count_requests_and_upstream_calls(client: FlaskClient, signed_in: str) -> None:
    client.get("/api/v1/classes")
    client.get("/nothing-here")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.text
    assert 'gateway_http_requests_total{endpoint="students_api.list_classes",status="200"}' in text
    assert 'gateway_http_request_seconds_bucket{endpoint="students_api.list_classes",le="0.08",status="200"}' in text
    assert 'endpoint="unmatched",status="404"' in text
    assert 'gateway_upstream_call_seconds_count{code="OK",method="ListClasses"}' in text
    assert 'gateway_upstream_call_seconds_count{code="OK",method="Login"}' in text


def test_every_response_carries_a_request_id(client: FlaskClient, upstreams, signed_in: str) -> None:
    mine = client.get("/api/v1/classes", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["X-Request-ID"] == "abc-123"
    assert upstreams.recorder.calls[-1].request_id == "abc-123"
    fresh = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces and \u00e9"})
    assert fresh.headers["X-Request-ID"] != "bad id with spaces and \u00e9"
    assert len(fresh.headers["X-Request-ID"]) == 32
