"""The server interceptor refuses unauthenticated calls before any handler runs."""

from __future__ import annotations

import time

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc

from schoolkit.context import caller_var, request_id_var
from schoolkit.grpc_client import make_channel
from schoolkit.grpc_server import start_server
from schoolkit.tokens import TokenIssuer

pytestmark = pytest.mark.integration

SERVICE = "test.EchoService"


class Echo:
    def __init__(self) -> None:
        self.calls = 0
        self.seen: list[tuple[str, str]] = []

    def register(self, server: grpc.Server) -> str:
        def echo(request: bytes, context: grpc.ServicerContext) -> bytes:
            self.calls += 1
            caller = caller_var.get()
            self.seen.append((caller.subject if caller else "", request_id_var.get() or ""))
            return request

        handler = grpc.method_handlers_generic_handler(
            SERVICE, {"Echo": grpc.unary_unary_rpc_method_handler(echo, lambda b: b, lambda b: b)}
        )
        server.add_generic_rpc_handlers((handler,))
        return SERVICE


@pytest.fixture
def echo_server(verifier_for):
    echo = Echo()
    gs = start_server(register=[echo.register], verifier=verifier_for("echo"))
    yield echo, gs
    gs.stop(0)


def _call(port: int, token: str | None, **md: str) -> bytes:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        fn = ch.unary_unary(f"/{SERVICE}/Echo", request_serializer=lambda b: b, response_deserializer=lambda b: b)
        metadata = [(k.replace("_", "-"), v) for k, v in md.items()]
        if token is not None:
            metadata.append(("authorization", f"Bearer {token}"))
        return fn(b"hi", metadata=metadata, timeout=5)


def test_valid_token_reaches_handler_with_caller(echo_server, issuer, teacher) -> None:
    echo, gs = echo_server
    assert _call(gs.port, issuer.issue(teacher, "echo"), x_request_id="req-42") == b"hi"
    assert echo.seen == [("u-1", "req-42")]


@pytest.mark.parametrize("case", ["none", "expired", "audience", "forged", "garbage"])
def test_bad_tokens_never_reach_handler(echo_server, issuer, teacher, case) -> None:
    echo, gs = echo_server
    token = {
        "none": None,
        "expired": issuer.issue(teacher, "echo", now=time.time() - 45),
        "audience": issuer.issue(teacher, "grades"),
        "forged": TokenIssuer(Ed25519PrivateKey.generate()).issue(teacher, "echo"),
        "garbage": "not.a.jwt",
    }[case]
    with pytest.raises(grpc.RpcError) as info:
        _call(gs.port, token)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert echo.calls == 0


def test_health_is_public_and_serving(echo_server) -> None:
    _, gs = echo_server
    with grpc.insecure_channel(f"127.0.0.1:{gs.port}") as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=5)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_client_factory_sends_token_request_id_and_deadline(echo_server, issuer, teacher) -> None:
    echo, gs = echo_server
    channel = make_channel(
        f"127.0.0.1:{gs.port}", audience="echo", service=SERVICE, tokens=lambda aud: issuer.issue(teacher, aud)
    )
    token = request_id_var.set("rid-7")
    try:
        fn = channel.unary_unary(f"/{SERVICE}/Echo", request_serializer=lambda b: b, response_deserializer=lambda b: b)
        assert fn(b"x") == b"x"
    finally:
        request_id_var.reset(token)
        channel.close()
    assert echo.seen == [("u-1", "rid-7")]


def test_graceful_stop_reports_not_serving(verifier_for) -> None:
    echo = Echo()
    gs = start_server(register=[echo.register], verifier=verifier_for("echo"))
    gs.stop(0)
    with grpc.insecure_channel(f"127.0.0.1:{gs.port}") as ch, pytest.raises(grpc.RpcError):
        health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
