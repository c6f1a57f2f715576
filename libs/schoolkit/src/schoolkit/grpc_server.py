"""gRPC server bootstrap: auth interceptor, health, reflection, metrics and graceful SIGTERM."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import Counter, Histogram

from schoolkit.context import Caller, caller_var, new_request_id, request_id_var, traceparent_var
from schoolkit.grpc_errors import ServiceError, abort_with
from schoolkit.logging import get_logger
from schoolkit.tokens import TokenError, TokenVerifier

log = get_logger(__name__)

# Methods every orchestrator and operator must reach without a user token.
PUBLIC_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

RPC_SECONDS = Histogram("grpc_server_handling_seconds", "Time spent in gRPC handlers", ["method", "code"])
RPC_REJECTED = Counter("grpc_server_unauthenticated_total", "Calls refused before the handler", ["method"])


def _metadata(details: grpc.HandlerCallDetails) -> dict[str, str]:
    return {k: v for k, v in (details.invocation_metadata or ()) if isinstance(v, str)}


def _bearer(md: dict[str, str]) -> str:
    value = md.get("authorization", "")
    return value[7:] if value.lower().startswith("bearer ") else ""


class AuthInterceptor(grpc.ServerInterceptor):
    """Refuses any call without a valid internal token before the handler runs.

    On success the verified caller, request id and trace parent are bound to contextvars for the
    duration of the handler, so use cases and logs see them without passing them around.
    """

    def __init__(self, verifier: TokenVerifier, caller_view: Callable[[Caller], Caller] | None = None):
        self._verifier = verifier
        # A service may narrow what a verified caller reaches before any handler sees it (grades
        # keeps a whole-school reach only for its leadership roles).
        self._caller_view = caller_view

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: grpc.HandlerCallDetails) -> Any:
        method = handler_call_details.method
        if method.startswith(PUBLIC_METHOD_PREFIXES):
            return continuation(handler_call_details)
        md = _metadata(handler_call_details)
        try:
            caller = self._verifier.verify(_bearer(md))
        except TokenError as exc:
            RPC_REJECTED.labels(method).inc()
            log.warning("grpc.unauthenticated", method=method, reason=str(exc))
            return _deny(grpc.StatusCode.UNAUTHENTICATED, "invalid or missing internal token")
        if self._caller_view is not None:
            caller = self._caller_view(caller)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        rid = md.get("x-request-id") or new_request_id()
        return _bind(handler, method, caller, rid, md.get("traceparent"))


def _deny(code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    def abort(_request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(code, message)

    return grpc.unary_unary_rpc_method_handler(abort)


def _bind(handler: grpc.RpcMethodHandler, method: str, caller: Caller, rid: str, tp: str | None) -> Any:
    def wrap(behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def run(request: Any, context: grpc.ServicerContext) -> Any:
            tokens = (caller_var.set(caller), request_id_var.set(rid), traceparent_var.set(tp))
            started = time.perf_counter()
            code = "OK"
            try:
                return behaviour(request, context)
            except ServiceError as err:
                code = err.code.name
                abort_with(context, err)
            except Exception as exc:
                # abort() raises to unwind the handler; anything else is a bug: log it, answer INTERNAL
                # without the stack trace (nothing internal leaves the service).
                # ServicerContext.code() exists at run time (grpcio ≥1.38) but not in the type stubs.
                aborted = cast(Any, context).code()
                if isinstance(exc, grpc.RpcError) or aborted not in (None, grpc.StatusCode.OK):
                    code = (aborted or grpc.StatusCode.UNKNOWN).name
                    raise
                code = "INTERNAL"
                log.exception("grpc.handler_failed", method=method)
                context.abort(grpc.StatusCode.INTERNAL, f"internal error (request {rid})")
            finally:
                RPC_SECONDS.labels(method, code).observe(time.perf_counter() - started)
                caller_var.reset(tokens[0])
                request_id_var.reset(tokens[1])
                traceparent_var.reset(tokens[2])
            return None

        return run

    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            wrap(handler.unary_unary), handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            wrap(handler.unary_stream), handler.request_deserializer, handler.response_serializer
        )
    # Streaming requests are not used by the platform; refuse rather than run unchecked.
    return _deny(grpc.StatusCode.UNIMPLEMENTED, "streaming requests are not supported")


def current_caller() -> Caller:
    caller = caller_var.get()
    if caller is None:  # only reachable when a handler is called outside the interceptor
        raise ServiceError("no caller bound")
    return caller


@dataclass
class GrpcServer:
    """A running gRPC server with its health servicer; stop() drains in-flight calls."""

    server: grpc.Server
    port: int
    health: health.HealthServicer
    service_names: Sequence[str]
    readiness: Callable[[], bool] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", *self.service_names):
            self.health.set(name, status)

    def watch_readiness(self, interval_s: float = 1.0) -> None:
        """Re-check readiness (DB reachable, migrations current) and publish it through health."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                if self.readiness is not None:
                    self.set_serving(self.readiness())

        threading.Thread(target=loop, name="readiness", daemon=True).start()

    def stop(self, grace_s: float = 10.0) -> None:
        self._stop.set()
        # Tell load balancers first, then let in-flight calls finish.
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()

    def wait(self) -> None:
        self.server.wait_for_termination()


def start_server(
    *,
    register: Iterable[Callable[[grpc.Server], str]],
    verifier: TokenVerifier,
    bind: str = "127.0.0.1:0",
    max_workers: int = 16,
    readiness: Callable[[], bool] | None = None,
    caller_view: Callable[[Caller], Caller] | None = None,
) -> GrpcServer:
    """Build and start a server. Each ``register`` callable adds a servicer and returns its full name;
    ``caller_view``, when given, narrows every verified caller before the handlers see it."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[AuthInterceptor(verifier, caller_view)],
        options=[("grpc.so_reuseport", 0)],
    )
    names = [reg(server) for reg in register]
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(bind)
    if port == 0:
        raise RuntimeError(f"cannot bind gRPC server to {bind}")
    server.start()
    gs = GrpcServer(server=server, port=port, health=health_servicer, service_names=names, readiness=readiness)
    gs.set_serving(readiness() if readiness else True)
    if readiness is not None:
        gs.watch_readiness()
    log.info("grpc.started", port=port, services=names)
    return gs


def run_until_signal(gs: GrpcServer, grace_s: float = 10.0) -> None:
    """Block until SIGTERM or SIGINT, then shut down gracefully."""
    done = threading.Event()

    def handle(signum: int, _frame: Any) -> None:
        log.info("grpc.stopping", signal=signum)
        done.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    done.wait()
    gs.stop(grace_s)
    log.info("grpc.stopped")


def require(permission: str) -> None:
    """Refuse the current call unless the verified caller holds ``permission``."""
    from schoolkit.grpc_errors import ForbiddenError

    if not current_caller().has(permission):
        raise ForbiddenError(f"missing permission {permission}")
