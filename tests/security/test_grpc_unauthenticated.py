"""Every method of every running service refuses a call without a valid internal token, and the
handler never runs: each real service process is started as in production, every method it
serves (found through server reflection) is called with each kind of bad token, and the service's
own metrics must show the refusals and zero handled calls."""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import descriptor_pool
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from schoolkit.context import Caller
from schoolkit.testing import free_port, wait_for
from schoolkit.tokens import TokenIssuer, generate_keypair, load_private_key

pytestmark = pytest.mark.integration

SERVICES = ("identity", "students", "grades")
ROOT = Path(__file__).resolve().parents[2]


def _import_contracts() -> None:
    """Load every generated module so the default descriptor pool knows every service."""
    import school

    # The generated tree is a namespace package (no __init__ files), which pkgutil cannot walk.
    for base in school.__path__:
        for path in sorted(Path(base).rglob("*_pb2.py")):
            rel = path.relative_to(Path(base).parent).with_suffix("")
            importlib.import_module(".".join(rel.parts))


@dataclass
class Running:
    name: str
    addr: str
    metrics: str
    keys: Path
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="module", params=SERVICES)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    name = request.param
    work = tmp_path_factory.mktemp(name)
    generate_keypair(work / "internal.key", work / "internal.pub")
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite'}",
        "GRPC_BIND": f"127.0.0.1:{port}",
        "METRICS_PORT": str(metrics_port),
        "INTERNAL_TOKEN_PUBLIC_KEY_FILE": str(work / "internal.pub"),
        "MFA_KEY_FILE": str(work / "mfa.key"),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-m", f"school_{name}", "migrate"], env=env, cwd=ROOT, check=True)
    proc = subprocess.Popen([sys.executable, "-m", f"school_{name}", "serve"], env=env, cwd=ROOT)
    addr = f"127.0.0.1:{port}"

    def serving() -> bool:
        with grpc.insecure_channel(addr) as ch:
            resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
        return resp.status == health_pb2.HealthCheckResponse.SERVING

    try:
        wait_for(serving, timeout_s=60, what=f"{name} serving")
        yield Running(name, addr, f"http://127.0.0.1:{metrics_port}/metrics", work, proc)
    finally:
        proc.terminate()
        proc.wait(20)


def _methods(addr: str) -> list[tuple[str, str, type]]:
    """(full method path, short name, request class) of every application method served."""
    _import_contracts()
    with grpc.insecure_channel(addr) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        [resp] = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = [s.name for s in resp.list_services_response.service if s.name.startswith("school.")]
    pool = descriptor_pool.Default()
    out = []
    for svc in names:
        desc = pool.FindServiceByName(svc)
        for m in desc.methods:
            out.append((f"/{svc}/{m.name}", m.name, GetMessageClass(m.input_type)))
    return out


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _bad_tokens(keys: Path, audience: str) -> dict[str, str | None]:
    # A caller holding every permission: only the token's validity may stop the call.
    everything = Caller(subject="u-attacker", school_id="s-1", roles=("HT",), permissions=frozenset({"*"}))
    good = TokenIssuer(load_private_key(keys / "internal.key"))
    now = int(time.time())
    claims = {"iss": "school-gateway", "aud": audience, "sub": "u", "sch": "s-1", "iat": now, "exp": now + 30}
    return {
        "no_token": None,
        "expired": good.issue(everything, audience, now=time.time() - 61 - 30),
        "wrong_audience": good.issue(everything, "some-other-service"),
        "forged_signature": TokenIssuer(Ed25519PrivateKey.generate()).issue(everything, audience),
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
    }


def _metric_total(text: str, name: str, method: str | None = None) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        if method is not None and f'method="{method}"' not in line:
            continue
        total += float(line.rsplit(" ", 1)[1])
    return total


def test_every_method_refuses_bad_tokens_before_the_handler(service: Running) -> None:
    methods = _methods(service.addr)
    assert methods, "reflection listed no application service"
    tokens = _bad_tokens(service.keys, service.name)
    calls = 0
    with grpc.insecure_channel(service.addr) as ch:
        for path, _name, request_cls in methods:
            fn = ch.unary_unary(path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=bytes)
            for case, token in tokens.items():
                md = [("authorization", f"Bearer {token}")] if token is not None else []
                with pytest.raises(grpc.RpcError) as info:
                    fn(request_cls(), metadata=md, timeout=5)
                assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED, (path, case, info.value.details())
                calls += 1
    text = requests.get(service.metrics, timeout=5).text
    assert _metric_total(text, "grpc_server_unauthenticated_total") == calls
    handled = _metric_total(text, "grpc_server_handling_seconds_count")
    ran = re.findall(r"grpc_server_handling_seconds_count.*", text)
    assert handled == 0, f"a handler ran for a refused call: {ran}"


def test_every_method_refuses_a_valid_caller_without_the_object(service: Running) -> None:
    """A correctly signed, fresh token of someone unknown here, from another school, with no
    permission and no assignment: every method must refuse (never OK, never a server error)."""
    stranger = Caller(subject=f"u-{uuid.uuid4()}", school_id=f"s-{uuid.uuid4()}", roles=("GVBM",))
    token = TokenIssuer(load_private_key(service.keys / "internal.key")).issue(stranger, service.name)
    refusals = {grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.NOT_FOUND}
    seen: dict[str, grpc.StatusCode] = {}
    with grpc.insecure_channel(service.addr) as ch:
        for path, _name, request_cls in _methods(service.addr):
            fn = ch.unary_unary(path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=bytes)
            try:
                fn(request_cls(), metadata=[("authorization", f"Bearer {token}")], timeout=5)
            except grpc.RpcError as err:
                seen[path] = err.code()
            else:
                seen[path] = grpc.StatusCode.OK
    wrong = {p: c.name for p, c in seen.items() if c not in refusals}
    assert not wrong, f"methods that did not refuse a caller without the object: {wrong}"
