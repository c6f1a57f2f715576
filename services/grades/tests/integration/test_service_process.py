"""Health follows readiness (DB reachable, schema current); migrations match the table definitions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from grpc_health.v1 import health_pb2, health_pb2_grpc

from school_grades.adapters import tables
from school_grades.bootstrap import MIGRATIONS_DIR, build
from school_grades.config import load_settings
from schoolkit.db import make_engine, run_migrations
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port, wait_for
from schoolkit.tokens import TokenVerifier, load_public_key

pytestmark = pytest.mark.integration


def health(port: int) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        return int(health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status)


@pytest.fixture
def unmigrated(database_url: str, keypair: tuple[Path, Path]) -> Iterator[tuple[str, int]]:
    container = build(load_settings({"DATABASE_URL": database_url}))
    gs = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="grades"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield database_url, gs.port
    gs.stop(0)
    container.engine.dispose()


def test_not_serving_until_migrated(unmigrated: tuple[str, int]) -> None:
    url, port = unmigrated
    assert health(port) == health_pb2.HealthCheckResponse.NOT_SERVING
    run_migrations(MIGRATIONS_DIR, url)
    wait_for(lambda: health(port) == health_pb2.HealthCheckResponse.SERVING, timeout_s=10, what="SERVING")


def test_migrations_match_table_definitions(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), [tables.metadata, tables.event_metadata])
    finally:
        engine.dispose()
    assert diff == []
