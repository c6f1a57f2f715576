"""Per-request context (request id, trace parent), security headers, request metrics and one log line per request."""

from __future__ import annotations

import re
import time

import flask
from flask import g, request
from prometheus_client import Counter, Histogram

from schoolkit.context import child_traceparent, new_request_id, request_id_var, traceparent_var
from schoolkit.logging import get_logger

log = get_logger("school_gateway.http")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")

REQUESTS = Counter(
    "gateway_http_requests_total", "HTTP requests answered, by endpoint and status", ["endpoint", "status"]
)
REQUEST_SECONDS = Histogram(
    "gateway_http_request_seconds",
    "HTTP request latency, by endpoint and status",
    ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.08, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# Pages a browser may keep: everything else (signed-in pages, API answers) must not be cached.
_CACHEABLE_ENDPOINTS = frozenset({"static"})
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def begin_request() -> None:
    """Adopt the caller's request id and trace (when well-formed) or start new ones."""
    g.started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    rid = incoming if _REQUEST_ID.match(incoming) else new_request_id()
    parent = request.headers.get("traceparent", "")
    trace = child_traceparent(parent if _TRACEPARENT.match(parent) else None)
    g.request_id = rid
    g.context_tokens = (request_id_var.set(rid), traceparent_var.set(trace))


def finish_request(response: flask.Response) -> flask.Response:
    rid = g.get("request_id") or request_id_var.get() or new_request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    trace = traceparent_var.get()
    if trace:
        response.headers["traceparent"] = trace
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", _CSP)
    if request.endpoint not in _CACHEABLE_ENDPOINTS:
        headers.setdefault("Cache-Control", "no-store")
    endpoint = request.endpoint or "unmatched"  # unmatched paths share one label (no cardinality blow-up)
    status = str(response.status_code)
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    REQUESTS.labels(endpoint, status).inc()
    REQUEST_SECONDS.labels(endpoint, status).observe(elapsed)
    principal = g.get("principal")
    log.info(
        "http.request",
        method=request.method,
        path=request.path,
        endpoint=endpoint,
        status=response.status_code,
        duration_ms=round(elapsed * 1000, 2),
        user_id=getattr(principal, "user_id", None),
    )
    return response


def end_request(_exc: BaseException | None) -> None:
    tokens = g.pop("context_tokens", None)
    if tokens is None:
        return
    for var, token in ((request_id_var, tokens[0]), (traceparent_var, tokens[1])):
        try:
            var.reset(token)
        except ValueError:
            # Reset from another context (a server that switches contexts); the next request overwrites it.
            var.set(None)
