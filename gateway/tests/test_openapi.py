"""The OpenAPI document lists every API route with its request and response schemas and its permission."""

from __future__ import annotations

import re

from flask import Flask

from school_gateway.authz import route_table


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_is_public_and_lists_every_api_route(app: Flask) -> None:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    api_routes = [r for r in route_table(app) if r.rule.startswith("/api/v1/")]
    assert api_routes
    for row in api_routes:
        path = spec["paths"].get(_openapi_path(row.rule))
        assert path is not None, f"{row.rule} missing from OpenAPI"
        for method in row.methods:
            operation = path[method.lower()]
            assert operation["x-permission"] == row.permission
            success = [c for c in operation["responses"] if c.startswith("2")]
            assert success, f"{method} {row.rule} documents no success response"
            for code in success:
                if code != "204":
                    assert "schema" in operation["responses"][code]["content"]["application/json"]
            if method == "POST" and row.rule != "/api/v1/auth/logout":
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert "$ref" in body
            assert "default" in operation["responses"]


def test_openapi_describes_the_error_envelope_and_enums(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "request_id", "fields"}
    enrol = schemas["EnrolStudent"]
    assert enrol["properties"]["gender"]["enum"] == ["male", "female"]
    assert enrol["properties"]["date_of_birth"]["format"] == "date"
    assert set(enrol["required"]) == {"class_id", "full_name", "date_of_birth", "gender"}
    assert enrol["additionalProperties"] is False
    enrol_op = spec["paths"]["/api/v1/students"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in enrol_op["parameters"])
    assert spec["components"]["securitySchemes"]["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "tv_session",
    }
    listing = spec["paths"]["/api/v1/classes"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"page_size", "page_token", "school_year_id"}
    assert spec["paths"]["/api/v1/session"]["get"]["security"] == []
