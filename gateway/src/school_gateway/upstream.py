"""Upstream gRPC clients: one lazily created channel per service per process, a fresh internal token per call.

gRPC is not fork-safe, so nothing here is created when the app is built: the first call in a
gunicorn worker opens that worker's channel. Every call carries a deadline, the request id, a
child trace context and a token minted for the target service (30 s lifetime) on behalf of the
signed-in principal, or of the gateway itself for session management.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

import flask
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import Histogram

from school_gateway.config import Settings
from school_gateway.errors import GatewayError, rpc_code
from school_gateway.i18n import gettext as _
from school_gateway.plugins import PluginError, Upstream
from schoolkit.context import Caller, request_id_var
from schoolkit.grpc_client import make_channel
from schoolkit.logging import get_logger
from schoolkit.tokens import TokenIssuer

log = get_logger(__name__)

TOKEN_LIFETIME_S = 30
#: Added to the service-config timeout so that it never binds before the exact per-call deadline
#: (gRPC Python ends service-config deadlines ~1.2 s early; measured with grpcio 1.85).
SERVICE_CONFIG_SLACK_S = 2.0
EXTENSION = "school_gateway.upstreams"

#: The gateway itself, for identity's Login/ValidateSession/Logout (never a user's permissions).
GATEWAY_CALLER = Caller(
    subject="svc:gateway",
    school_id="*",
    permissions=frozenset({"identity:session:manage"}),
    username="gateway",
    full_name="Gateway",
)
#: Health probes need no permission at all; the token only satisfies the client interceptor.
PROBE_CALLER = Caller(subject="svc:gateway", school_id="*", username="gateway", full_name="Gateway")

UPSTREAM_SECONDS = Histogram(
    "gateway_upstream_call_seconds",
    "Latency of gRPC calls from the gateway, by method and status code",
    ["method", "code"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_acting_as: ContextVar[Caller | None] = ContextVar("gateway_acting_as", default=None)


@contextmanager
def as_gateway(caller: Caller = GATEWAY_CALLER) -> Iterator[None]:
    """Make upstream calls inside the block with the gateway's own identity instead of the user's."""
    token = _acting_as.set(caller)
    try:
        yield
    finally:
        _acting_as.reset(token)


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: Any
    compression: Any


class _CallPolicyInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Gives every call its exact deadline and observes its latency and final status.

    The deadline is set here, per call, because gRPC Python fires service-config timeouts about a
    second early (grpc/grpc#34547, #40633): the channel's service-config timeout is only a loose
    upper bound (see SERVICE_CONFIG_SLACK_S) and this per-call deadline is the one that binds.
    """

    def __init__(self, timeout_s: float):
        self._timeout_s = timeout_s

    def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        started = time.perf_counter()
        method = str(client_call_details.method).rsplit("/", 1)[-1]
        if client_call_details.timeout is None:
            client_call_details = _CallDetails(
                client_call_details.method,
                self._timeout_s,
                client_call_details.metadata,
                client_call_details.credentials,
                getattr(client_call_details, "wait_for_ready", None),
                getattr(client_call_details, "compression", None),
            )
        outcome = continuation(client_call_details, request)

        def observe(call: Any) -> None:
            try:
                code = call.code()
                name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
            except Exception:  # noqa: BLE001 - a cancelled future has no code; metrics must not raise
                name = "CANCELLED"
            UPSTREAM_SECONDS.labels(method, name).observe(time.perf_counter() - started)

        outcome.add_done_callback(observe)
        return outcome


class Upstreams:
    """The upstream services of the enabled plugins and their per-process channels."""

    def __init__(self, specs: Iterable[Upstream], settings: Settings, issuer: TokenIssuer):
        self._specs: dict[str, Upstream] = {}
        for spec in specs:
            known = self._specs.get(spec.name)
            if known is not None and (known.service, known.address_variable, known.token_audience) != (
                spec.service,
                spec.address_variable,
                spec.token_audience,
            ):
                raise PluginError(spec.name, "two plugins describe this upstream differently")
            self._specs[spec.name] = spec
        self._addrs = {name: settings.addr(spec.address_variable) or "" for name, spec in self._specs.items()}
        self._timeout_s = settings.grpc_timeout_s
        self._issuer = issuer
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._channels: dict[str, grpc.Channel] = {}
        self._stubs: dict[str, Any] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def address(self, name: str) -> str:
        return self._addrs[name]

    def _tokens(self, audience: str) -> str:
        caller = _acting_as.get()
        if caller is None:
            principal = flask.g.get("principal") if flask.has_app_context() else None
            if principal is None:
                # Only a programming error gets here: views that call upstream are never public.
                raise GatewayError(401, "unauthenticated", _("Please sign in to continue."))
            caller = principal.caller()
        return self._issuer.issue(caller, audience, request_id_var.get() or "")

    def _reset_after_fork(self) -> None:
        # Channels inherited from a parent process are unusable here and must not be closed from
        # the child; forget them and open fresh ones.
        self._channels = {}
        self._stubs = {}
        self._pid = os.getpid()

    def channel(self, name: str) -> grpc.Channel:
        if os.getpid() != self._pid:
            with self._lock:
                if os.getpid() != self._pid:
                    self._reset_after_fork()
        channel = self._channels.get(name)
        if channel is not None:
            return channel
        with self._lock:
            channel = self._channels.get(name)
            if channel is None:
                spec = self._specs[name]
                base = make_channel(
                    self._addrs[name],
                    audience=spec.token_audience,
                    service=spec.service,
                    tokens=self._tokens,
                    idempotent=spec.idempotent,
                    timeout_s=self._timeout_s + SERVICE_CONFIG_SLACK_S,
                )
                channel = grpc.intercept_channel(base, _CallPolicyInterceptor(self._timeout_s))
                self._channels[name] = channel
                log.info("upstream.channel_opened", upstream=name, target=self._addrs[name], pid=self._pid)
        return channel

    def stub(self, name: str) -> Any:
        """The generated stub of upstream ``name`` (e.g. "students") on this process's channel."""
        if name not in self._specs:
            raise KeyError(f"no enabled plugin declares the upstream {name!r}")
        stub = self._stubs.get(name)
        if stub is None or os.getpid() != self._pid:
            stub = self._specs[name].stub(self.channel(name))
            self._stubs[name] = stub
        return stub

    def health(self, timeout_s: float = 1.0) -> dict[str, str]:
        """grpc.health.v1 status of every upstream, checked in parallel with a short deadline."""
        pending: dict[str, Any] = {}
        results: dict[str, str] = {}
        with as_gateway(PROBE_CALLER):
            for name, spec in self._specs.items():
                stub = health_pb2_grpc.HealthStub(self.channel(name))
                request = health_pb2.HealthCheckRequest(service=spec.service)
                pending[name] = stub.Check.future(request, timeout=timeout_s)
        for name, future in pending.items():
            try:
                status = future.result().status
                results[name] = health_pb2.HealthCheckResponse.ServingStatus.Name(status)
            except grpc.RpcError as err:
                results[name] = rpc_code(err).name
        return results

    def close(self) -> None:
        with self._lock:
            if os.getpid() == self._pid:
                for channel in self._channels.values():
                    channel.close()
            self._reset_after_fork()


def upstreams(app: flask.Flask | None = None) -> Upstreams:
    target = app if app is not None else flask.current_app
    return target.extensions[EXTENSION]


def stub(name: str) -> Any:
    """Shortcut for views: ``stub("students").GetClass(...)``."""
    return upstreams().stub(name)
