"""Container health probe for the platform's images (HEALTHCHECK and compose healthchecks).

Usage, inside a container:

    school-healthcheck grpc      gRPC health of this process (port taken from GRPC_BIND)
    school-healthcheck gateway   HTTP GET /healthz of the gateway (port taken from GATEWAY_BIND)
    school-healthcheck metrics   HTTP GET /metrics of a worker (relay, consumer) on METRICS_PORT
    school-healthcheck grpc HOST:PORT | http URL   an explicit target

Exit status 0 means healthy, 1 unhealthy, 2 a usage error. Only the standard library and grpcio
(with grpcio-health-checking) are used, both of which every service image already carries.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence

TIMEOUT_S = 3.0
DEFAULT_GRPC_BIND = "0.0.0.0:50051"
DEFAULT_GATEWAY_BIND = "0.0.0.0:8000"
DEFAULT_METRICS_PORT = "9100"


def _port_of(bind: str) -> str:
    """The port part of ``host:port`` (also ``[::]:port``)."""
    return bind.rsplit(":", 1)[-1]


def grpc_target(env: Mapping[str, str]) -> str:
    # The process listens on every interface; the probe always asks over loopback.
    return f"127.0.0.1:{_port_of(env.get('GRPC_BIND') or DEFAULT_GRPC_BIND)}"


def gateway_url(env: Mapping[str, str]) -> str:
    return f"http://127.0.0.1:{_port_of(env.get('GATEWAY_BIND') or DEFAULT_GATEWAY_BIND)}/healthz"


def metrics_url(env: Mapping[str, str]) -> str:
    return f"http://127.0.0.1:{env.get('METRICS_PORT') or DEFAULT_METRICS_PORT}/metrics"


def check_grpc(target: str, service: str = "", timeout_s: float = TIMEOUT_S) -> bool:
    """True when grpc.health.v1 answers SERVING for ``service`` ("" = the whole server)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout_s
            )
        except grpc.RpcError as exc:
            print(f"unhealthy: {target}: {exc.code().name}", file=sys.stderr)
            return False
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(
            f"unhealthy: {target}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}", file=sys.stderr
        )
        return False
    return True


def check_http(url: str, timeout_s: float = TIMEOUT_S) -> bool:
    """True when ``url`` answers 2xx."""
    if not url.startswith(("http://", "https://")):
        print(f"not an http(s) URL: {url}", file=sys.stderr)
        return False
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - scheme checked above
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return False


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if env is None else env
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    mode, rest = args[0], args[1:]
    if mode == "grpc":
        return 0 if check_grpc(rest[0] if rest else grpc_target(environ)) else 1
    if mode == "gateway":
        return 0 if check_http(gateway_url(environ)) else 1
    if mode == "metrics":
        return 0 if check_http(metrics_url(environ)) else 1
    if mode == "http" and rest:
        return 0 if check_http(rest[0]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
