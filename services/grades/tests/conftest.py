"""Fixtures for the grades tests: key pair, migrated databases of each kind, a running server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import grades_pb2_grpc
from school.students.v1 import events_pb2, students_pb2
from school_grades.api.permissions import ALL
from school_grades.bootstrap import MIGRATIONS_DIR, Container, build
from school_grades.config import load_settings
from schoolkit.context import Caller
from schoolkit.db import make_engine, make_session_factory, run_migrations
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import database_kinds, free_port, fresh_database
from schoolkit.tokens import TokenIssuer, TokenVerifier, generate_keypair, load_private_key, load_public_key


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
    with fresh_database(request.param, tmp_path, "grades") as url:
        yield url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    run_migrations(MIGRATIONS_DIR, database_url)
    return database_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def container(migrated_url: str) -> Iterator[Container]:
    built = build(load_settings({"DATABASE_URL": migrated_url}))
    yield built
    built.engine.dispose()


@pytest.fixture
def server(container: Container, keypair: tuple[Path, Path]) -> Iterator[GrpcServer]:
    gs = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield gs
    gs.stop(0)


class Api:
    """A GradesService stub sending a fresh internal token for a chosen caller on every call."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        self._stub = grades_pb2_grpc.GradesServiceStub(channel)
        self._issuer = issuer
        self.caller = caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = getattr(self._stub, rpc)

        def call(request: Any) -> Any:
            token = self._issuer.issue(self.caller, "grades")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


@pytest.fixture
def api_for(server: GrpcServer, issuer: TokenIssuer) -> Iterator[Callable[..., Api]]:
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def make(
        school_id: str = "school-a",
        permissions: frozenset[str] | None = None,
        scopes: frozenset[str] = frozenset({"school"}),
    ) -> Api:
        perms = frozenset(ALL) if permissions is None else permissions
        # A whole-school scope counts in grades only with a leadership role (api/reach.py).
        roles = ("HT",) if "school" in scopes else ()
        return Api(
            channel, issuer, Caller(subject="u-1", school_id=school_id, roles=roles, permissions=perms, scopes=scopes)
        )

    yield make
    channel.close()


class Events:
    """Builds school.students.v1 events as the students relay would put them on the wire."""

    def __init__(self) -> None:
        self.seq = 0

    def _wrap(self, message: Any, school_id: str, student_id: str, seq: int | None) -> CloudEvent:
        self.seq += 1
        event = CloudEvent(
            id=str(uuid.uuid4()),
            source=f"/schools/{school_id}/students",
            type=message.DESCRIPTOR.full_name,
            subject=student_id,
            data=message.SerializeToString(),
            extensions={"sequence": str(self.seq if seq is None else seq), "partitionkey": student_id},
        )
        # Through Kafka headers and back, exactly as the consumer will see it.
        return CloudEvent.from_headers(event.to_headers(), event.data)

    def enrolled(
        self,
        student_id: str,
        full_name: str,
        class_id: str,
        class_name: str = "3B",
        school_id: str = "school-a",
        code: str = "HS000001",
        dob: str = "2017-03-01",
        seq: int | None = None,
    ) -> CloudEvent:
        message = events_pb2.StudentEnrolled(
            school_id=school_id,
            student=students_pb2.Student(
                student_id=student_id,
                student_code=code,
                full_name=full_name,
                date_of_birth=dob,
                gender=students_pb2.GENDER_FEMALE,
                class_id=class_id,
                version=1,
            ),
            class_name=class_name,
            grade_level=3,
            school_year_id="year-1",
            enrolled_on="2025-09-05",
        )
        return self._wrap(message, school_id, student_id, seq)

    def details_changed(
        self,
        student_id: str,
        full_name: str,
        class_id: str = "",
        school_id: str = "school-a",
        code: str = "HS000001",
        dob: str = "2017-03-01",
        version: int = 2,
        seq: int | None = None,
    ) -> CloudEvent:
        message = events_pb2.StudentDetailsChanged(
            school_id=school_id,
            student=students_pb2.Student(
                student_id=student_id,
                student_code=code,
                full_name=full_name,
                date_of_birth=dob,
                gender=students_pb2.GENDER_FEMALE,
                class_id=class_id,
                version=version,
            ),
        )
        return self._wrap(message, school_id, student_id, seq)


@pytest.fixture
def events() -> Events:
    return Events()
