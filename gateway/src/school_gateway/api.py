"""flask-smorest set-up: request validation answers 400 in the gateway's error format; the OpenAPI document."""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from school_gateway.schemas import ErrorSchema

OPENAPI_PREFIX = "/api"
OPENAPI_JSON = "openapi.json"
OPENAPI_ENDPOINT = "api-docs.openapi_json"


class IdConverter(BaseConverter):
    """``<id:name>`` path segments: opaque ids (UUID text); anything else is a 404 without an upstream call."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"


def _id_param_schema(_converter: BaseConverter) -> dict[str, Any]:
    return {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"}


class _Parser(FlaskParser):
    """webargs parser whose validation failures are 400 (the error handler adds per-field messages)."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(flask_smorest.Blueprint):
    """Blueprint for a plugin's JSON API; its schemas are validated and documented in OpenAPI."""

    ARGUMENTS_PARSER = _Parser()


class GatewayApi(flask_smorest.Api):
    """The API object; documents errors with the gateway's own error envelope."""

    ERROR_SCHEMA = ErrorSchema


def api_config(title: str) -> dict[str, Any]:
    return {
        "API_TITLE": title,
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": OPENAPI_PREFIX,
        "OPENAPI_JSON_PATH": OPENAPI_JSON,
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "JSON API of the school platform's gateway. Sign in with POST /api/v1/auth/login "
                    "(obtain a CSRF token first from GET /api/v1/session); the session is a cookie "
                    "(tv_session). Every POST needs the X-CSRFToken header. Errors are "
                    '{"error": {"code", "message", "request_id", "fields"}}; messages are Vietnamese '
                    "unless ?lang=en is given. Dates are ISO YYYY-MM-DD. Each operation's "
                    "x-permission names the permission it requires."
                ),
            },
            "servers": [{"url": "/"}],
        },
    }


def init_api(app: flask.Flask) -> GatewayApi:
    app.url_map.converters["id"] = IdConverter
    api = GatewayApi(app)
    api.register_converter(IdConverter, _id_param_schema)
    api.spec.components.security_scheme(
        "sessionCookie", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]}
    )
    api.spec.components.security_scheme("csrfHeader", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"})
    return api
