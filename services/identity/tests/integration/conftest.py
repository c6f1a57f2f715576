"""Integration fixtures: a migrated database of each kind, and identity served over real gRPC."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from school.identity.v1 import identity_pb2, identity_pb2_grpc
from school_identity.adapters.tables import audit_log, outbox
from school_identity.api.servicer import IdentityServicer
from school_identity.app.accounts import create_account, ensure_school
from school_identity.app.commands import CreateAccount, CreateSchool
from school_identity.bootstrap import MIGRATIONS_DIR, Container, build
from school_identity.config import load_settings
from school_identity.domain.model import Account
from schoolkit.context import Caller
from schoolkit.db import run_migrations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import database_kinds, free_port, fresh_database
from schoolkit.tokens import TokenIssuer, TokenVerifier, generate_keypair, load_private_key, load_public_key

SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
PASSWORD = "Mật khẩu thử nghiệm 2026"
GATEWAY = Caller(subject="svc:gateway", school_id="", permissions=frozenset({"identity:session:manage"}))


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("identity-keys")
    generate_keypair(d / "internal.key", d / "internal.pub")
    return d / "internal.key", d / "internal.pub"


@pytest.fixture(scope="session")
def issuer(keys: tuple[Path, Path]) -> TokenIssuer:
    return TokenIssuer(load_private_key(keys[0]))


@pytest.fixture(params=database_kinds())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path, "identity") as url:
        run_migrations(MIGRATIONS_DIR, url)
        yield url


@dataclass
class Identity:
    """A running identity server plus what tests need to drive and inspect it."""

    stub: identity_pb2_grpc.IdentityServiceStub
    container: Container
    server: GrpcServer
    issuer: TokenIssuer
    clock: Any

    def md(self, caller: Caller = GATEWAY, request_id: str = "") -> list[tuple[str, str]]:
        metadata = [("authorization", "Bearer " + self.issuer.issue(caller, "identity"))]
        if request_id:
            metadata.append(("x-request-id", request_id))
        return metadata

    def user_md(self, principal: identity_pb2.Principal) -> list[tuple[str, str]]:
        caller = Caller(
            subject=principal.user_id,
            school_id=principal.school_id,
            roles=tuple(principal.roles),
            permissions=frozenset(principal.permissions),
            username=principal.username,
            full_name=principal.full_name,
        )
        return self.md(caller)

    def create(self, username: str, role: str, password: str = PASSWORD, full_name: str = "") -> Account:
        return create_account(
            CreateAccount(
                school_id=SCHOOL_ID,
                username=username,
                full_name=full_name or f"Người dùng {username}",
                password=password,
                roles=(role,),
                actor="test",
            ),
            self.container.deps,
        )

    def login(self, username: str, password: str = PASSWORD, **kw: Any) -> identity_pb2.LoginResponse:
        request_id = kw.pop("request_id", "")
        return self.stub.Login(
            identity_pb2.LoginRequest(username=username, password=password, **kw),
            metadata=self.md(request_id=request_id),
            timeout=10,
        )

    def validate(self, session_id: str) -> identity_pb2.ValidateSessionResponse:
        return self.stub.ValidateSession(
            identity_pb2.ValidateSessionRequest(session_id=session_id), metadata=self.md(), timeout=10
        )

    def audit(self) -> list[Any]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings())

    def outbox(self) -> list[Any]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(select(outbox).order_by(outbox.c.seq)).mappings())


@pytest.fixture
def identity(database_url: str, clock: Any, keys: tuple[Path, Path], issuer: TokenIssuer) -> Iterator[Identity]:
    container = build(load_settings({"DATABASE_URL": database_url}), clock=clock)
    ensure_school(
        CreateSchool(school_id=SCHOOL_ID, code="TH-TRUNGVUONG", name="Trường Tiểu học Trung Vương"), container.deps
    )
    servicer = IdentityServicer(container.deps)
    server = start_server(
        register=[servicer.register],
        verifier=TokenVerifier(load_public_key(keys[1]), audience="identity"),
        bind=f"127.0.0.1:{free_port()}",
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield Identity(identity_pb2_grpc.IdentityServiceStub(channel), container, server, issuer, clock)
    finally:
        channel.close()
        server.stop(0)
        container.engine.dispose()
