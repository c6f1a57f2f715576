"""gRPC client factory: every call gets a deadline, the caller's token, request id and trace.

Only the methods a service declares idempotent carry a retry policy (UNAVAILABLE, at most 4
attempts, exponential back-off): retrying a non-idempotent write could apply it twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import grpc

from schoolkit.context import child_traceparent, current_request_id, traceparent_var

TokenProvider = Callable[[str], str]
"""Given the target audience, return a bearer token for the current caller."""


class _Details(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: Any
    compression: Any


def service_config(service: str, idempotent: Iterable[str]) -> str:
    """The gRPC service config: retries for idempotent methods only.

    Deadlines are set per call by the interceptor, not here: grpcio 1.85 ends calls whose timeout
    comes from the service config about a second early (grpc/grpc#34547).
    """
    retry = {
        "maxAttempts": 4,
        "initialBackoff": "0.05s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    idem = [{"service": service, "method": m} for m in idempotent]
    configs: list[dict[str, Any]] = [{"name": idem, "retryPolicy": retry}] if idem else []
    return json.dumps({"methodConfig": configs})


class ContextClientInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds token, request id and traceparent; enforces a deadline on every call."""

    def __init__(self, audience: str, tokens: TokenProvider, default_timeout_s: float):
        self._audience = audience
        self._tokens = tokens
        self._timeout = default_timeout_s

    def _augment(self, details: grpc.ClientCallDetails) -> _Details:
        md = list(details.metadata or [])
        keys = {k for k, _ in md}
        if "authorization" not in keys:
            md.append(("authorization", "Bearer " + self._tokens(self._audience)))
        if "x-request-id" not in keys:
            md.append(("x-request-id", current_request_id()))
        if "traceparent" not in keys:
            md.append(("traceparent", child_traceparent(traceparent_var.get())))
        timeout = details.timeout if details.timeout is not None else self._timeout
        return _Details(
            details.method,
            timeout,
            md,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return continuation(self._augment(client_call_details), request)

    def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return continuation(self._augment(client_call_details), request)


def make_channel(
    target: str,
    *,
    audience: str,
    service: str,
    tokens: TokenProvider,
    idempotent: Iterable[str] = (),
    timeout_s: float = 5.0,
) -> grpc.Channel:
    """An insecure channel on loopback/cluster network with the platform's call policy.

    ``service`` is the full proto service name (e.g. ``school.students.v1.StudentsService``).
    Create channels lazily inside each worker process: gRPC is not fork-safe.
    """
    options = [
        ("grpc.service_config", service_config(service, idempotent)),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 30_000),
    ]
    channel = grpc.insecure_channel(target, options=options)
    return grpc.intercept_channel(channel, ContextClientInterceptor(audience, tokens, timeout_s))
