"""The one place where failures become HTTP answers: gRPC status → HTTP status, JSON errors and friendly pages.

Nothing internal leaves the gateway: upstream details are passed on only for the statuses whose
messages services write for people (invalid input, conflicts), and unexpected exceptions are logged
with the request id and answered with that id alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import flask
import grpc
import marshmallow as ma
from flask import request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from school_gateway.i18n import gettext as _
from schoolkit.context import current_request_id
from schoolkit.grpc_errors import field_violations
from schoolkit.logging import get_logger

log = get_logger(__name__)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext no-op marker
    """Mark ``message`` for extraction; it is translated later, when the current locale is known."""
    return message


@dataclass(frozen=True)
class StatusRule:
    """How one gRPC status is answered over HTTP."""

    http: int
    code: str
    message: str  # English msgid; may use %(minutes)s when the rule tells people how long to wait
    pass_detail: bool = False  # use the service's own message (written for people) when it has one
    retry_after: int | None = None  # default Retry-After seconds; the service's "retry-after" trailer wins


#: The single gRPC → HTTP mapping. Statuses not listed are upstream faults: 502 without details.
GRPC_STATUS_MAP: Mapping[grpc.StatusCode, StatusRule] = {
    grpc.StatusCode.INVALID_ARGUMENT: StatusRule(
        400, "invalid_argument", N_("Some information is not valid. Please check the marked fields.")
    ),
    grpc.StatusCode.UNAUTHENTICATED: StatusRule(401, "unauthenticated", N_("Please sign in to continue.")),
    grpc.StatusCode.PERMISSION_DENIED: StatusRule(
        403, "permission_denied", N_("You do not have permission to do this.")
    ),
    grpc.StatusCode.NOT_FOUND: StatusRule(404, "not_found", N_("The requested record was not found.")),
    grpc.StatusCode.ALREADY_EXISTS: StatusRule(409, "already_exists", N_("This record already exists."), True),
    grpc.StatusCode.ABORTED: StatusRule(
        409, "conflict", N_("Someone else changed this record meanwhile. Reload it and try again."), True
    ),
    grpc.StatusCode.FAILED_PRECONDITION: StatusRule(
        409, "failed_precondition", N_("This cannot be done in the current state of the record."), True
    ),
    # Identity throttles sign-in this way and says how long to wait in the "retry-after" trailer.
    grpc.StatusCode.RESOURCE_EXHAUSTED: StatusRule(
        429,
        "resource_exhausted",
        N_("Too many attempts. Please try again in %(minutes)s minute(s)."),
        retry_after=30,
    ),
    grpc.StatusCode.UNAVAILABLE: StatusRule(
        503, "unavailable", N_("The service is temporarily unavailable. Please try again in a moment."), retry_after=5
    ),
    grpc.StatusCode.DEADLINE_EXCEEDED: StatusRule(
        504, "deadline_exceeded", N_("The service took too long to answer. Please try again.")
    ),
}
UPSTREAM_FAULT = StatusRule(
    502, "bad_gateway", N_("A school service failed to answer properly. Please try again later.")
)
INTERNAL = StatusRule(
    500, "internal", N_("Something went wrong on our side. If it happens again, give the office this request id.")
)
_RETRY_AFTER = {429: "30", 503: "5"}
#: What a throttled sign-in (or sign-in step) says instead of the generic 429 message.
SIGNIN_THROTTLED = N_("Too many failed sign-in attempts. Please try again in %(minutes)s minute(s).")
_RETRY_AFTER_TRAILER = "retry-after"
_MAX_RETRY_AFTER_S = 24 * 3600

_HTTP_MESSAGES: Mapping[int, tuple[str, str]] = {
    400: ("bad_request", N_("The request is not valid.")),
    401: ("unauthenticated", N_("Please sign in to continue.")),
    403: ("permission_denied", N_("You do not have permission to open this page.")),
    404: ("not_found", N_("This page does not exist.")),
    405: ("method_not_allowed", N_("This action is not allowed here.")),
    413: ("payload_too_large", N_("The data sent is too large.")),
    415: ("unsupported_media_type", N_("Send the data as JSON.")),
    429: ("resource_exhausted", N_("Too many attempts. Please wait a moment and try again.")),
}
VALIDATION_FAILED = N_("Please check the following: %(fields)s.")
#: Messages written by libraries (webargs) rather than by our schemas; marked so they are translated.
LIBRARY_MESSAGES = (N_("Invalid JSON body."),)
_BODY_LABEL = N_("Request body")


class GatewayError(Exception):
    """A failure the gateway answers on purpose, with an HTTP status, a code and a message for people."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.retry_after = retry_after


def wants_json() -> bool:
    """JSON for the API (and the probes), HTML pages for everything else."""
    return request.path.startswith("/api/")


def translate(message: Any) -> str:
    text = str(message)
    return _(text) if text else text


def rpc_code(err: grpc.RpcError) -> grpc.StatusCode:
    code = err.code() if isinstance(err, grpc.Call) else None
    return code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN


def retry_after_seconds(err: grpc.RpcError) -> int | None:
    """The service's own "retry-after" trailer (whole seconds), when it sent a sensible one."""
    if not isinstance(err, grpc.Call):
        return None
    try:
        trailers = err.trailing_metadata() or ()
    except Exception:  # noqa: BLE001 - a call object without trailers must not turn a 429 into a 500
        return None
    for key, value in trailers:
        if key.lower() != _RETRY_AFTER_TRAILER:
            continue
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        try:
            seconds = math.ceil(float(text.strip()))
        except ValueError:
            return None
        return min(max(seconds, 1), _MAX_RETRY_AFTER_S)
    return None


def from_rpc_error(
    err: grpc.RpcError, fields: Mapping[str, str] | None = None, *, message: str | None = None
) -> GatewayError:
    """Map a failed upstream call to the HTTP answer the table above prescribes.

    ``message`` (an msgid) replaces the rule's message for callers that know better what happened
    (a throttled sign-in says so); it may use %(minutes)s like the rule's own.
    """
    code = rpc_code(err)
    rule = GRPC_STATUS_MAP.get(code, UPSTREAM_FAULT)
    retry_after = None
    if rule.retry_after is not None:
        retry_after = retry_after_seconds(err) or rule.retry_after
    minutes = max(1, math.ceil((retry_after or 60) / 60))
    text = _(message or rule.message, minutes=minutes)
    if rule.pass_detail and isinstance(err, grpc.Call):
        detail = err.details() or ""
        text = detail or text
    found = dict(fields or {})
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
        found = {**normalise_fields(field_violations(err)), **found}
    return GatewayError(rule.http, rule.code, text, found, retry_after)


def normalise_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Field names from a service's BadRequest as the gateway's forms and JSON name them.

    Services name fields of nested messages by path ("record.full_name"); the gateway's bodies are
    flat, so the message prefix is dropped.
    """
    out: dict[str, str] = {}
    for name, description in fields.items():
        key = name.split(".", 1)[1] if name.startswith("record.") else name
        out[key] = description
    return out


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            out.update(_flatten(value, name))
    elif isinstance(messages, list | tuple):
        texts = [m for m in messages if not isinstance(m, Mapping | list | tuple)]
        nested = [m for m in messages if isinstance(m, Mapping | list | tuple)]
        if texts:
            out[prefix or "_schema"] = " ".join(translate(m) for m in texts)
        for item in nested:
            out.update(_flatten(item, prefix))
    else:
        out[prefix or "_schema"] = translate(messages)
    return out


def field_errors(messages: Any) -> dict[str, str]:
    """Marshmallow messages (possibly nested by webargs location) as ``{field: translated message}``."""
    if (
        isinstance(messages, Mapping)
        and messages
        and set(messages) <= {"json", "query", "headers", "form", "view_args"}
    ):
        merged: dict[str, str] = {}
        for part in messages.values():
            merged.update(_flatten(part))
        return merged
    return _flatten(messages)


def field_label(schema: ma.Schema | None, key: str) -> str:
    if key == "_schema":
        return translate(_BODY_LABEL)
    if schema is not None:
        for name, fld in schema.fields.items():
            if (fld.data_key or name) == key:
                label = fld.metadata.get("label")
                return translate(label) if label else key
    return key


def validation_error(messages: Any, schema: ma.Schema | None = None) -> GatewayError:
    fields = field_errors(messages)
    labels = ", ".join(field_label(schema, k) for k in fields) or "—"
    return GatewayError(400, "invalid_argument", _(VALIDATION_FAILED, fields=labels), fields)


def json_error(error: GatewayError, headers: Mapping[str, str] | None = None) -> flask.Response:
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "request_id": current_request_id(),
            "fields": error.fields,
        }
    }
    response = flask.jsonify(body)
    response.status_code = error.status
    _add_headers(response, error, headers)
    return response


def _add_headers(response: flask.Response, error: GatewayError, headers: Mapping[str, str] | None) -> None:
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if error.retry_after is not None:
        response.headers.setdefault("Retry-After", str(error.retry_after))
    elif error.status in _RETRY_AFTER:
        response.headers.setdefault("Retry-After", _RETRY_AFTER[error.status])


def page_error(error: GatewayError, headers: Mapping[str, str] | None = None) -> flask.Response:
    try:
        html = flask.render_template(
            "error.html", status=error.status, code=error.code, message=error.message, request_id=current_request_id()
        )
    except Exception:
        # The error page must never fail in turn (e.g. the layout itself is broken): bare text instead.
        log.exception("http.error_page_failed")
        html = f"<!doctype html><title>{error.status}</title><p>{escape(error.message)}</p>"
    response = flask.make_response(html, error.status)
    _add_headers(response, error, headers)
    return response


def respond(error: GatewayError, headers: Mapping[str, str] | None = None) -> flask.Response:
    return json_error(error, headers) if wants_json() else page_error(error, headers)


def handle_gateway_error(error: GatewayError) -> flask.Response:
    return respond(error)


def handle_rpc_error(error: grpc.RpcError) -> flask.Response:
    mapped = from_rpc_error(error)
    log.warning("upstream.failed", grpc_code=rpc_code(error).name, http_status=mapped.status)
    return respond(mapped)


def handle_http_exception(error: HTTPException) -> flask.Response:
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    if isinstance(error, CSRFError):
        log.info("csrf.rejected", endpoint=request.endpoint)
        mapped = GatewayError(
            400,
            "csrf_failed",
            _("This form has expired or did not come from this site. Reload the page and try again."),
        )
        return respond(mapped, headers)
    data = getattr(error, "data", None)
    if isinstance(data, Mapping) and "messages" in data:
        # flask-smorest/webargs request validation: answered as 400 with one message per field.
        return respond(validation_error(data["messages"], data.get("schema")), headers)
    known = _HTTP_MESSAGES.get(status)
    if known is not None:
        code, message = known
    elif status >= 500:
        code, message = INTERNAL.code, INTERNAL.message
    else:
        code, message = _snake(error.name), _HTTP_MESSAGES[400][1]
    return respond(GatewayError(status, code, translate(message)), headers)


def handle_exception(error: Exception) -> flask.Response:
    log.exception("http.unhandled_error", endpoint=request.endpoint, error_type=type(error).__name__)
    return respond(GatewayError(INTERNAL.http, INTERNAL.code, translate(INTERNAL.message)))


def _snake(name: str) -> str:
    return "_".join(name.lower().split())


def register(app: flask.Flask) -> None:
    """Install the handlers; HTTPException's replaces the JSON-only one flask-smorest installs."""
    app.register_error_handler(GatewayError, handle_gateway_error)
    app.register_error_handler(grpc.RpcError, handle_rpc_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_exception)
