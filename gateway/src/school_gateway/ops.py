"""Operator endpoints: liveness (/healthz), readiness of every upstream (/readyz) and Prometheus metrics (/metrics)."""

from __future__ import annotations

import flask
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from school_gateway.authz import public
from school_gateway.upstream import upstreams

bp = flask.Blueprint("ops", __name__)

READY_TIMEOUT_S = 1.0


@bp.get("/healthz")
@public
def healthz() -> flask.Response:
    """The process answers; says nothing about upstreams (that is /readyz)."""
    return flask.jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> tuple[flask.Response, int]:
    """200 only when every enabled plugin's upstream reports SERVING through grpc.health.v1."""
    statuses = upstreams().health(READY_TIMEOUT_S)
    ready = all(s == "SERVING" for s in statuses.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "upstreams": [{"name": name, "status": status} for name, status in statuses.items()],
    }
    return flask.jsonify(body), 200 if ready else 503


@bp.get("/metrics")
@public
def metrics() -> flask.Response:
    """Prometheus text format; aggregates every gunicorn worker when PROMETHEUS_MULTIPROC_DIR is set."""
    if flask.current_app.config.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return flask.Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
