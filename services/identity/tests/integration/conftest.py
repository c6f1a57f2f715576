"""Integration fixtures: a migrated database of each kind, and identity's three services over real gRPC."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from school.identity.v1 import (
    access_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
    staff_pb2_grpc,
)
from school_identity.adapters.secret_box import ensure_key_file
from school_identity.adapters.tables import audit_log, outbox
from school_identity.api.access import AccessServicer
from school_identity.api.servicer import IdentityServicer
from school_identity.api.staff import StaffServicer
from school_identity.app.accounts import create_account, ensure_school
from school_identity.app.commands import CreateAccount, CreateSchool
from school_identity.bootstrap import MIGRATIONS_DIR, Container, build
from school_identity.config import load_settings
from school_identity.domain import mfa
from school_identity.domain.model import Account
from school_identity.domain.roles import permissions_for
from schoolkit.context import Caller
from schoolkit.db import run_migrations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import database_kinds, free_port, fresh_database
from schoolkit.tokens import TokenIssuer, TokenVerifier, generate_keypair, load_private_key, load_public_key

SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
OTHER_SCHOOL_ID = "0b9e1c7a-1111-4c5b-9a57-2e0b3c1d7f02"
PASSWORD = "Mật khẩu thử nghiệm 2026"
NEW_PASSWORD = "Mùa thu Hà Nội lá vàng rơi 2026"
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
    staff: staff_pb2_grpc.StaffServiceStub
    access: access_pb2_grpc.AccessServiceStub
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
        """The token the gateway would mint from a session's principal (step-up included)."""
        until = principal.stepped_up_until.seconds if principal.HasField("stepped_up_until") else 0
        caller = Caller(
            subject=principal.user_id,
            school_id=principal.school_id,
            roles=tuple(principal.roles),
            permissions=frozenset(principal.permissions),
            username=principal.username,
            full_name=principal.full_name,
            scopes=frozenset(principal.scopes),
            stepped_up_until=until,
        )
        return self.md(caller)

    def as_account(
        self,
        account: Account,
        permissions: frozenset[str] | None = None,
        stepped_up: bool = False,
        request_id: str = "",
    ) -> list[tuple[str, str]]:
        """A person's token with the default permissions of their roles (or the ones given)."""
        caller = Caller(
            subject=account.id,
            school_id=account.school_id,
            roles=account.roles,
            permissions=permissions if permissions is not None else permissions_for(account.roles),
            username=account.username,
            stepped_up_until=int(self.clock.now.timestamp()) + 300 if stepped_up else 0,
        )
        return self.md(caller, request_id)

    def create(
        self,
        username: str,
        role: str | None,
        password: str = PASSWORD,
        full_name: str = "",
        school_id: str = SCHOOL_ID,
        must_change_password: bool = False,
    ) -> Account:
        return create_account(
            CreateAccount(
                school_id=school_id,
                username=username,
                full_name=full_name or f"Người dùng {username}",
                password=password,
                roles=(role,) if role else (),
                actor="test",
                must_change_password=must_change_password,
                allow_no_roles=role is None,
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

    def go_on(self, challenge_id: str, **kw: Any) -> identity_pb2.ContinueLoginResponse:
        return self.stub.ContinueLogin(
            identity_pb2.ContinueLoginRequest(challenge_id=challenge_id, **kw), metadata=self.md(), timeout=10
        )

    def code(self, secret: str, at: datetime | None = None) -> str:
        """What the person's authenticator app shows now (at the test clock's time)."""
        return mfa.code_at(secret, mfa.time_step(at or self.clock.now))

    def next_step(self) -> None:
        """Move the clock into the next 30-second TOTP step (a used code cannot be used again)."""
        self.clock.advance(seconds=30)

    def enrol_at_sign_in(
        self, username: str, password: str = PASSWORD
    ) -> tuple[identity_pb2.LoginResponse, str, list[str]]:
        """Sign in an MFA-required account for the first time: returns (signed-in result, secret, codes)."""
        first = self.login(username, password)
        assert first.outcome == identity_pb2.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED, first
        secret = first.mfa_secret.secret
        done = self.go_on(first.challenge_id, totp_code=self.code(secret))
        assert done.result.outcome == identity_pb2.LOGIN_OUTCOME_SIGNED_IN
        return done.result, secret, list(done.recovery_codes)

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

    def event_types(self) -> list[str]:
        return [r["event_type"].rsplit(".", 1)[1] for r in self.outbox()]


@pytest.fixture
def identity(
    database_url: str, clock: Any, keys: tuple[Path, Path], issuer: TokenIssuer, tmp_path: Path
) -> Iterator[Identity]:
    key_file = tmp_path / "mfa.key"
    ensure_key_file(key_file)
    container = build(load_settings({"DATABASE_URL": database_url, "MFA_KEY_FILE": str(key_file)}), clock=clock)
    ensure_school(
        CreateSchool(school_id=SCHOOL_ID, code="TH-TRUNGVUONG", name="Trường Tiểu học Trung Vương"), container.deps
    )
    ensure_school(CreateSchool(school_id=OTHER_SCHOOL_ID, code="TH-KHAC", name="Trường Tiểu học Khác"), container.deps)
    servicers = [IdentityServicer(container.deps), StaffServicer(container.deps), AccessServicer(container.deps)]
    server = start_server(
        register=[s.register for s in servicers],
        verifier=TokenVerifier(load_public_key(keys[1]), audience="identity"),
        bind=f"127.0.0.1:{free_port()}",
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield Identity(
            identity_pb2_grpc.IdentityServiceStub(channel),
            staff_pb2_grpc.StaffServiceStub(channel),
            access_pb2_grpc.AccessServiceStub(channel),
            container,
            server,
            issuer,
            clock,
        )
    finally:
        channel.close()
        server.stop(0)
        container.engine.dispose()


def utc(value: Any) -> datetime:
    """A datetime read back from either backend, as aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
