"""The OpenAPI document lists every API route with its request and response schemas and its permission."""

from __future__ import annotations

import re

from flask import Flask

from school_gateway.authz import route_table

#: POST routes that take no body: the action is in the path.
BODILESS = frozenset({"/api/v1/auth/logout", "/api/v1/me/mfa/start"})


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
                    [(_media, content)] = operation["responses"][code]["content"].items()
                    assert "schema" in content
            if method in ("POST", "PUT") and row.rule not in BODILESS:
                [(media, content)] = operation["requestBody"]["content"].items()
                assert media in ("application/json", "multipart/form-data")
                assert "$ref" in content["schema"]
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


def test_openapi_describes_the_sign_in_steps_and_downloads(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]
    login = schemas["LoginResponse"]
    assert login["properties"]["outcome"]["enum"] == [
        "signed_in",
        "password_change_required",
        "mfa_enrolment_required",
        "mfa_required",
    ]
    assert set(login["properties"]) == {"outcome", "csrf_token", "principal", "mfa_secret", "recovery_codes"}
    assert set(login["required"]) == {"outcome", "csrf_token"}
    assert set(schemas["Continue"]["properties"]) == {"new_password", "totp_code", "recovery_code"}
    assert spec["paths"]["/api/v1/auth/continue"]["post"]["security"] == []
    export = spec["paths"]["/api/v1/staff/export"]["post"]["responses"]["200"]["content"]
    assert list(export) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    upload = spec["paths"]["/api/v1/staff/import"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    # The citizen id is optional in a staff record: it is left out for callers without the capability.
    assert "citizen_id" not in schemas["StaffRecord"]["required"]
    assert set(schemas["Principal"]["properties"]) >= {"scopes", "mfa_verified", "stepped_up_until"}
