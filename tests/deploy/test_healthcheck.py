"""The container health probe (deploy/docker/healthcheck.py) against real gRPC and HTTP servers on loopback."""

from __future__ import annotations

import http.server
import importlib.util
import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PROBE_PATH = Path(__file__).resolve().parents[2] / "deploy" / "docker" / "healthcheck.py"


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("school_healthcheck", PROBE_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def health_server() -> Iterator[tuple[int, Any]]:
    grpc = pytest.importorskip("grpc")
    health_mod = pytest.importorskip("grpc_health.v1.health")
    from grpc_health.v1 import health_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health_mod.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port, servicer
    finally:
        server.stop(0).wait()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path in ("/healthz", "/metrics") else 503
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no")

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_targets_come_from_the_environment(probe: ModuleType) -> None:
    assert probe.grpc_target({"GRPC_BIND": "0.0.0.0:50052"}) == "127.0.0.1:50052"
    assert probe.grpc_target({"GRPC_BIND": "[::]:50053"}) == "127.0.0.1:50053"
    assert probe.grpc_target({}) == "127.0.0.1:50051"
    assert probe.gateway_url({"GATEWAY_BIND": "0.0.0.0:8080"}) == "http://127.0.0.1:8080/healthz"
    assert probe.metrics_url({"METRICS_PORT": "9200"}) == "http://127.0.0.1:9200/metrics"


@pytest.mark.integration
def test_grpc_serving_and_not_serving(probe: ModuleType, health_server: tuple[int, Any]) -> None:
    from grpc_health.v1 import health_pb2

    port, servicer = health_server
    env = {"GRPC_BIND": f"0.0.0.0:{port}"}
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    assert probe.main(["grpc"], env) == 0
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    assert probe.main(["grpc"], env) == 1
    assert probe.main(["grpc", f"127.0.0.1:{port}"], {}) == 1


@pytest.mark.integration
def test_grpc_nobody_listening(probe: ModuleType) -> None:
    pytest.importorskip("grpc_health.v1.health")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The port was just released: the probe must fail within its timeout, not hang.
    assert probe.check_grpc(f"127.0.0.1:{port}", timeout_s=1) is False


@pytest.mark.integration
def test_http_modes(probe: ModuleType, http_port: int) -> None:
    assert probe.main(["gateway"], {"GATEWAY_BIND": f"0.0.0.0:{http_port}"}) == 0
    assert probe.main(["metrics"], {"METRICS_PORT": str(http_port)}) == 0
    assert probe.main(["http", f"http://127.0.0.1:{http_port}/readyz"], {}) == 1
    assert probe.main(["http", "file:///etc/passwd"], {}) == 1


def test_usage_errors(probe: ModuleType) -> None:
    assert probe.main([], {}) == 2
    assert probe.main(["bogus"], {}) == 2
    assert probe.main(["http"], {}) == 2
