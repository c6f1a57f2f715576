"""Fixtures for the students tests: key pair, migrated databases of each kind, a running server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine, func, select

from school.students.v1 import students_pb2_grpc
from school_students.adapters import tables
from school_students.api.permissions import ALL
from school_students.bootstrap import MIGRATIONS_DIR, Container, build
from school_students.config import load_settings
from schoolkit.context import Caller
from schoolkit.db import make_engine, run_migrations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import database_kinds, free_port, fresh_database
from schoolkit.tokens import TokenIssuer, TokenVerifier, generate_keypair, load_private_key, load_public_key

SCHOOL_A = "school-a"
SCHOOL_B = "school-b"


@pytest.fixture(scope="session")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    priv, pub = d / "internal.key", d / "internal.pub"
    generate_keypair(priv, pub)
    return priv, pub


@pytest.fixture(scope="session")
def issuer(keypair: tuple[Path, Path]) -> TokenIssuer:
    return TokenIssuer(load_private_key(keypair[0]))


@pytest.fixture(params=database_kinds())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set)."""
    with fresh_database(request.param, tmp_path, "students") as url:
        yield url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    run_migrations(MIGRATIONS_DIR, database_url)
    return database_url


@pytest.fixture
def container(migrated_url: str) -> Iterator[Container]:
    settings = load_settings({"DATABASE_URL": migrated_url, "CLASS_MAX_SIZE_DEFAULT": "35"})
    built = build(settings)
    yield built
    built.engine.dispose()


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url)
    yield eng
    eng.dispose()


@pytest.fixture
def server(container: Container, keypair: tuple[Path, Path]) -> Iterator[GrpcServer]:
    verifier = TokenVerifier(load_public_key(keypair[1]), audience="students")
    gs = start_server(
        register=container.registrations,
        verifier=verifier,
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield gs
    gs.stop(0)


class Api:
    """A StudentsService stub that sends a fresh internal token for a chosen caller on every call."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        self._stub = students_pb2_grpc.StudentsServiceStub(channel)
        self._issuer = issuer
        self.caller = caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = getattr(self._stub, rpc)

        def call(request: Any) -> Any:
            token = self._issuer.issue(self.caller, "students")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


@pytest.fixture
def api_for(server: GrpcServer, issuer: TokenIssuer) -> Iterator[Callable[..., Api]]:
    """``api_for(school_id=..., permissions=...)``: a client acting as one user of one school."""
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def make(
        school_id: str = SCHOOL_A,
        permissions: frozenset[str] | None = None,
        subject: str = "u-1",
        scopes: frozenset[str] = frozenset({"school"}),
    ) -> Api:
        perms = frozenset(ALL) if permissions is None else permissions
        return Api(channel, issuer, Caller(subject=subject, school_id=school_id, permissions=perms, scopes=scopes))

    yield make
    channel.close()


@pytest.fixture
def api(api_for: Callable[..., Api]) -> Api:
    return api_for()


@pytest.fixture
def counts(engine: Engine) -> Callable[[], dict[str, int]]:
    """Row counts of every table, to prove a refused call wrote nothing."""
    names = [*tables.metadata.tables.values(), tables.outbox]

    def snapshot() -> dict[str, int]:
        with engine.connect() as conn:
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in names}

    return snapshot
