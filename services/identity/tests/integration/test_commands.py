"""The command line as operators run it: migrate, seed-demo and serve (health follows migrations)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import select

from school.identity.v1 import identity_pb2, identity_pb2_grpc
from school_identity.adapters.tables import accounts, departments, mfa_factors, schools, staff
from school_identity.bootstrap import MIGRATIONS_DIR
from school_identity.domain import mfa
from school_identity.domain.staff import citizen_id_problem
from school_identity.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SCHOOL_ID, demo_account_id
from schoolkit.context import Caller
from schoolkit.db import make_engine, migrations_current
from schoolkit.testing import database_kinds, free_port, fresh_database, wait_for
from schoolkit.tokens import TokenIssuer, load_private_key

pytestmark = pytest.mark.integration


@pytest.fixture(params=database_kinds())
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path, "identity_cli") as url:
        yield url


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "school_identity", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def health(port: int) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status


def test_migrate_seed_and_serve(empty_database: str, tmp_path: Path, keys: tuple[Path, Path]) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": empty_database,
        "GRPC_BIND": f"127.0.0.1:{port}",
        "INTERNAL_TOKEN_PUBLIC_KEY_FILE": str(keys[1]),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "school_identity", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # An unmigrated database: the server is up but tells load balancers to stay away.
        wait_for(lambda: health(port) == health_pb2.HealthCheckResponse.NOT_SERVING, 30, what="NOT_SERVING")

        migrated = run(["migrate"], env, tmp_path)
        assert migrated.returncode == 0, migrated.stderr
        wait_for(lambda: health(port) == health_pb2.HealthCheckResponse.SERVING, 30, what="SERVING")

        seeded = run(["seed-demo"], env, tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        assert "Trường Tiểu học Trung Vương" in seeded.stdout
        for username, _, full_name in DEMO_ACCOUNTS:
            assert username in seeded.stdout
            assert full_name in seeded.stdout
        again = run(["seed-demo"], env, tmp_path)
        assert again.returncode == 0, again.stderr
        assert "mới tạo" not in again.stdout

        as_json = run(["seed-demo", "--json"], env, tmp_path)
        assert as_json.returncode == 0, as_json.stderr
        credentials = {c["username"]: c for c in json.loads(as_json.stdout)}
        assert set(credentials) == {u for u, _, _ in DEMO_ACCOUNTS}
        assert {u for u, c in credentials.items() if c["totp_secret"]} == {
            "hieutruong", "phohieutruong", "vanphong", "ketoan", "thietbi", "yte", "quantri",
        }  # fmt: skip
        assert credentials["hieutruong"]["totp_secret"] == mfa.demo_secret("hieutruong")
        assert credentials["gvcn"] == {
            "username": "gvcn",
            "role": "GVCN",
            "password": DEMO_PASSWORD,
            "totp_secret": None,
        }

        issuer = TokenIssuer(load_private_key(keys[0]))
        gateway = Caller(subject="svc:gateway", school_id="", permissions=frozenset({"identity:session:manage"}))
        md = [("authorization", "Bearer " + issuer.issue(gateway, "identity"))]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = identity_pb2_grpc.IdentityServiceStub(ch)
            teacher = stub.Login(identity_pb2.LoginRequest(username="gvcn", password=DEMO_PASSWORD), metadata=md)
            assert teacher.outcome == identity_pb2.LOGIN_OUTCOME_SIGNED_IN
            assert "students:student:write" in teacher.principal.permissions
            first = stub.Login(identity_pb2.LoginRequest(username="hieutruong", password=DEMO_PASSWORD), metadata=md)
            assert first.outcome == identity_pb2.LOGIN_OUTCOME_MFA_REQUIRED
            if time.time() % 30 > 27:  # keep the code and the server in one 30-second step
                time.sleep(3.5)
            code = mfa.code_at(credentials["hieutruong"]["totp_secret"], int(time.time()) // 30)
            reply = stub.ContinueLogin(
                identity_pb2.ContinueLoginRequest(challenge_id=first.challenge_id, totp_code=code), metadata=md
            ).result
        assert reply.outcome == identity_pb2.LOGIN_OUTCOME_SIGNED_IN
        assert reply.principal.user_id == demo_account_id("hieutruong")
        assert reply.principal.school_id == DEMO_SCHOOL_ID
        assert "students:student:write" in reply.principal.permissions
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
    assert code == 0, server.stderr.read().decode() if server.stderr else ""

    engine = make_engine(empty_database)
    try:
        assert migrations_current(MIGRATIONS_DIR, engine)
        with engine.connect() as conn:
            assert list(conn.execute(select(schools.c.id)).scalars()) == [DEMO_SCHOOL_ID]
            assert conn.execute(select(accounts.c.id)).all().__len__() == len(DEMO_ACCOUNTS) == 12
            records = list(conn.execute(select(staff)).mappings())
            assert len(records) == 11
            assert len(list(conn.execute(select(departments.c.name)).scalars())) == 5
            assert (
                len(list(conn.execute(select(mfa_factors.c.account_id)).scalars())) == 7
            )  # HT, PHT, VP, KT, TB, YT, QTHT
        for r in records:
            if r["citizen_id"]:
                assert citizen_id_problem(r["citizen_id"], r["date_of_birth"], r["gender"]) is None
        incomplete = {
            r["email"].split("@")[0] for r in records if not (r["citizen_id"] and r["phone"] and r["start_date"])
        }
        assert incomplete == {"thuvien", "yte"}  # deliberately incomplete, for the completeness view
    finally:
        engine.dispose()


def test_serve_refuses_to_start_without_the_public_key(tmp_path: Path) -> None:
    env = {**os.environ, "INTERNAL_TOKEN_PUBLIC_KEY_FILE": str(tmp_path / "missing.pub")}
    result = run(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert "INTERNAL_TOKEN_PUBLIC_KEY_FILE" in result.stderr


def test_bad_configuration_lists_every_problem(tmp_path: Path) -> None:
    env = {**os.environ, "SESSION_IDLE_MINUTES": "60", "ARGON2_TIME_COST": "1"}
    result = run(["migrate"], env, tmp_path)
    assert result.returncode == 2
    assert "SESSION_IDLE_MINUTES" in result.stderr
    assert "ARGON2_TIME_COST" in result.stderr


def test_every_command_is_listed(tmp_path: Path) -> None:
    result = run(["--help"], dict(os.environ), tmp_path)
    assert result.returncode == 0
    for command in ("serve", "relay", "consume", "migrate", "seed-demo"):
        assert command in result.stdout
    assert "--json" in run(["seed-demo", "--help"], dict(os.environ), tmp_path).stdout
