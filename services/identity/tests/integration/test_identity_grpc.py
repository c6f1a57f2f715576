"""IdentityService over real gRPC, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from datetime import timedelta
from typing import Any

import grpc
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from school.identity.v1 import events_pb2, identity_pb2
from school_identity.adapters import unit_of_work
from school_identity.adapters.tables import accounts, audit_log, outbox, sessions
from school_identity.app.accounts import set_account_active
from school_identity.app.commands import Actor
from school_identity.domain.errors import INVALID_CREDENTIALS
from school_identity.domain.roles import permissions_for
from school_identity.domain.sessions import session_key
from schoolkit.context import Caller
from schoolkit.grpc_errors import field_violations

pytestmark = pytest.mark.integration

PASSWORD = "Mật khẩu thử nghiệm 2026"
HASH_FORMAT = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def disable(identity: Any, account: Any) -> None:
    admin = Actor(user_id="00000000-0000-0000-0000-0000000000ad", school_id=account.school_id)
    set_account_active(admin, account.id, False, "Thử nghiệm khóa tài khoản", identity.container.deps)


def rpc_error(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def stored_hash(identity: Any, account_id: str) -> str:
    with identity.container.engine.connect() as conn:
        return str(conn.execute(select(accounts.c.password_hash).where(accounts.c.id == account_id)).scalar_one())


def test_login_returns_the_principal_with_its_role_permissions(identity: Any) -> None:
    account = identity.create("gvcn", "GVCN", full_name="Phạm Thị Lan Anh")
    reply = identity.login("  GVCN ", client_ip="203.0.113.5", user_agent="Firefox")
    assert len(reply.session_id) >= 43  # 256 bits, URL-safe base64
    p = reply.principal
    assert (p.user_id, p.username, p.full_name, p.school_id) == (
        account.id,
        "gvcn",
        "Phạm Thị Lan Anh",
        account.school_id,
    )
    assert list(p.roles) == ["GVCN"]
    assert set(p.permissions) == permissions_for(["GVCN"])
    assert list(p.permissions) == sorted(p.permissions)
    assert reply.expires_at.ToDatetime().replace(tzinfo=identity.clock.now.tzinfo) == identity.clock.now + timedelta(
        hours=12
    )


def test_wrong_password_unknown_user_and_disabled_account_look_identical(identity: Any) -> None:
    identity.create("gvbm", "GVBM")
    disabled = identity.create("yte", "YT")
    disable(identity, disabled)
    errors = [
        rpc_error(lambda: identity.login("gvbm", "sai mật khẩu")),
        rpc_error(lambda: identity.login("khongtontai", "sai mật khẩu")),
        rpc_error(lambda: identity.login("yte", PASSWORD)),
    ]
    assert {(e.code(), e.details()) for e in errors} == {(grpc.StatusCode.UNAUTHENTICATED, INVALID_CREDENTIALS)}
    assert all(field_violations(e) == {} for e in errors)


def test_every_stored_hash_is_argon2id_with_at_least_the_minimum_parameters(identity: Any) -> None:
    for name, role in [("hieutruong", "HT"), ("ketoan", "KT")]:
        identity.create(name, role)
    with identity.container.engine.connect() as conn:
        hashes = list(conn.execute(select(accounts.c.password_hash)).scalars())
    assert len(hashes) == 2
    for value in hashes:
        match = HASH_FORMAT.match(value)
        assert match, value
        m, t, p = map(int, match.groups())
        assert m >= 19456
        assert t >= 2
        assert p >= 1


def test_a_weaker_hash_is_upgraded_on_login(identity: Any) -> None:
    account = identity.create("thuvien", "TV")
    weak = PasswordHasher(memory_cost=8192, time_cost=1, parallelism=1).hash(PASSWORD)
    with identity.container.engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == account.id).values(password_hash=weak))
    identity.login("thuvien")
    upgraded = stored_hash(identity, account.id)
    assert upgraded != weak
    match = HASH_FORMAT.match(upgraded)
    assert match
    assert tuple(map(int, match.groups())) == (19456, 2, 1)
    assert "password.rehashed" in [r["action"] for r in identity.audit()]
    identity.login("thuvien")  # and the new hash still opens the account


def test_validate_session_then_logout(identity: Any) -> None:
    account = identity.create("gvcn", "GVCN")
    sid = identity.login("gvcn").session_id
    reply = identity.validate(sid)
    assert reply.principal.user_id == account.id
    assert set(reply.principal.permissions) == permissions_for(["GVCN"])
    identity.stub.Logout(identity_pb2.LogoutRequest(session_id=sid), metadata=identity.md(), timeout=10)
    err = rpc_error(lambda: identity.validate(sid))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    # Logging out twice, or an unknown session, is fine.
    identity.stub.Logout(identity_pb2.LogoutRequest(session_id=sid), metadata=identity.md(), timeout=10)
    identity.stub.Logout(identity_pb2.LogoutRequest(session_id="khong-co"), metadata=identity.md(), timeout=10)


def test_session_ids_are_new_each_time_and_stored_only_hashed(identity: Any) -> None:
    identity.create("totruong", "TTCM")
    ids = {identity.login("totruong").session_id for _ in range(3)}
    assert len(ids) == 3
    with identity.container.engine.connect() as conn:
        keys = set(conn.execute(select(sessions.c.id)).scalars())
    assert keys == {session_key(s) for s in ids}
    assert not keys & ids


def test_disabling_an_account_ends_its_sessions(identity: Any) -> None:
    account = identity.create("gvbm", "GVBM")
    sids = [identity.login("gvbm").session_id for _ in range(2)]
    identity.validate(sids[0])
    disable(identity, account)
    for sid in sids:
        assert rpc_error(lambda sid=sid: identity.validate(sid)).code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_disabled_account_is_refused_even_with_an_unrevoked_session(identity: Any) -> None:
    account = identity.create("thuvien", "TV")
    sid = identity.login("thuvien").session_id
    with identity.container.engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == account.id).values(is_active=False))
    assert rpc_error(lambda: identity.validate(sid)).code() == grpc.StatusCode.UNAUTHENTICATED


def test_idle_and_absolute_expiry(identity: Any) -> None:
    identity.create("gvcn", "GVCN")
    idle = identity.login("gvcn").session_id
    identity.clock.advance(minutes=30)
    identity.validate(idle)  # exactly 30 minutes idle: still live, and refreshed
    identity.clock.advance(minutes=30, seconds=1)
    assert rpc_error(lambda: identity.validate(idle)).code() == grpc.StatusCode.UNAUTHENTICATED

    busy = identity.login("gvcn").session_id
    for _ in range(24):  # active every 29 minutes, up to 11 h 36 min
        identity.clock.advance(minutes=29)
        identity.validate(busy)
    identity.clock.advance(minutes=24)
    assert rpc_error(lambda: identity.validate(busy)).code() == grpc.StatusCode.UNAUTHENTICATED


def test_last_seen_is_written_at_most_every_30_seconds(identity: Any) -> None:
    identity.create("gvcn", "GVCN")
    sid = identity.login("gvcn").session_id
    start = identity.clock.now

    def last_seen() -> Any:
        with identity.container.engine.connect() as conn:
            value = conn.execute(select(sessions.c.last_seen_at).where(sessions.c.id == session_key(sid))).scalar_one()
        return value.replace(tzinfo=None)

    identity.clock.advance(seconds=20)
    identity.validate(sid)
    assert last_seen() == start.replace(tzinfo=None)
    identity.clock.advance(seconds=10)
    identity.validate(sid)
    assert last_seen() == identity.clock.now.replace(tzinfo=None)


@pytest.mark.parametrize("method", ["Login", "ValidateSession", "Logout", "ContinueLogin", "StepUp"])
def test_session_methods_need_the_gateway_permission(identity: Any, method: str) -> None:
    account = identity.create("hieutruong", "HT")
    user = Caller(subject=account.id, school_id=account.school_id, roles=("HT",), permissions=permissions_for(["HT"]))
    request = {
        "Login": identity_pb2.LoginRequest(username="hieutruong", password=PASSWORD),
        "ValidateSession": identity_pb2.ValidateSessionRequest(session_id="x"),
        "Logout": identity_pb2.LogoutRequest(session_id="x"),
        "ContinueLogin": identity_pb2.ContinueLoginRequest(challenge_id="x", new_password="y"),
        "StepUp": identity_pb2.StepUpRequest(session_id="x", totp_code="123456"),
    }[method]
    err = rpc_error(lambda: getattr(identity.stub, method)(request, metadata=identity.md(user, "rid-deny"), timeout=10))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert err.details() == "Bạn không có quyền thực hiện thao tác này"
    denial = identity.audit()[-1]
    assert (denial["action"], denial["actor"], denial["request_id"]) == ("authz.denied", account.id, "rid-deny")
    assert denial["detail"]["permission"] == "identity:session:manage"
    # Nothing was logged in on the way.
    assert not [r for r in identity.audit() if r["action"].startswith("login.")]


def test_calls_without_a_token_never_reach_the_handler(identity: Any) -> None:
    err = rpc_error(lambda: identity.stub.Login(identity_pb2.LoginRequest(username="a", password="b"), timeout=10))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert identity.audit() == []


def test_events_are_written_to_the_outbox_with_the_change(identity: Any) -> None:
    account = identity.create("gvcn", "GVCN", full_name="Phạm Thị Lan Anh")
    identity.login("gvcn")
    rows = identity.outbox()
    assert [r["event_type"] for r in rows] == ["school.identity.v1.AccountCreated", "school.identity.v1.UserLoggedIn"]
    assert {(r["topic"], r["event_key"]) for r in rows} == {("school.identity.v1", account.id)}
    assert rows[0]["source"] == f"/schools/{account.school_id}/identity"
    created = events_pb2.AccountCreated.FromString(rows[0]["payload"])
    assert (created.user_id, created.username, created.full_name, list(created.roles)) == (
        account.id,
        "gvcn",
        "Phạm Thị Lan Anh",
        ["GVCN"],
    )
    assert events_pb2.UserLoggedIn.FromString(rows[1]["payload"]) == events_pb2.UserLoggedIn(
        user_id=account.id, school_id=account.school_id
    )
    assert PASSWORD.encode() not in rows[0]["payload"]


def test_a_failed_outbox_write_leaves_no_business_rows(identity: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    identity.create("gvcn", "GVCN")

    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(unit_of_work, "record_event", broken)
    with pytest.raises(RuntimeError):
        identity.create("gvbm", "GVBM")
    err = rpc_error(lambda: identity.login("gvcn"))
    assert err.code() == grpc.StatusCode.INTERNAL
    with identity.container.engine.connect() as conn:
        assert list(conn.execute(select(accounts.c.username)).scalars()) == ["gvcn"]
        assert conn.execute(select(sessions.c.id)).first() is None
    assert len(identity.outbox()) == 1  # only the first AccountCreated


def test_every_login_attempt_leaves_an_audit_row_without_secrets(identity: Any) -> None:
    account = identity.create("thuvien", "TV")
    attempts: list[tuple[str, str]] = [("thuvien", PASSWORD), ("thuvien", "sai-1"), ("nobody", "sai-2"), ("", "")]
    session_ids = []
    for n, (user, pw) in enumerate(attempts):
        with contextlib.suppress(grpc.RpcError):
            session_ids.append(identity.login(user, pw, client_ip="198.51.100.9", request_id=f"rid-{n}").session_id)
    logins = [r for r in identity.audit() if r["action"].startswith("login.")]
    assert [(r["action"], r["outcome"]) for r in logins] == [
        ("login.success", "ok"),
        ("login.failure", "wrong_password"),
        ("login.failure", "unknown_account"),
        ("login.failure", "invalid_input"),
    ]
    assert [r["request_id"] for r in logins] == ["rid-0", "rid-1", "rid-2", "rid-3"]
    assert all(r["ip"] == "198.51.100.9" for r in logins)
    assert logins[0]["actor"] == account.id
    assert logins[0]["school_id"] == account.school_id
    assert logins[2]["actor"] == "anonymous"
    assert all(r["at"] is not None for r in logins)
    text = repr(identity.audit())
    for secret in [PASSWORD, "sai-1", "sai-2", *session_ids, stored_hash(identity, account.id)]:
        assert secret not in text


def test_invalid_input_names_the_field(identity: Any) -> None:
    err = rpc_error(lambda: identity.login("", "x"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == {"username": "Vui lòng nhập tên đăng nhập"}
    err = rpc_error(lambda: identity.validate(""))
    assert field_violations(err) == {"session_id": "Thiếu mã phiên đăng nhập (session_id)"}


def test_get_me_returns_the_caller(identity: Any) -> None:
    identity.create("gvcn", "GVCN", full_name="Phạm Thị Lan Anh")
    principal = identity.login("gvcn").principal
    reply = identity.stub.GetMe(identity_pb2.GetMeRequest(), metadata=identity.user_md(principal), timeout=10)
    assert reply.principal == principal


def test_get_me_refuses_service_tokens_and_disabled_accounts(identity: Any) -> None:
    account = identity.create("gvcn", "GVCN")
    principal = identity.login("gvcn").principal
    err = rpc_error(lambda: identity.stub.GetMe(identity_pb2.GetMeRequest(), metadata=identity.md(), timeout=10))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    disable(identity, account)
    err = rpc_error(
        lambda: identity.stub.GetMe(identity_pb2.GetMeRequest(), metadata=identity.user_md(principal), timeout=10)
    )
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED


def test_audit_rows_cannot_be_changed_or_deleted(identity: Any) -> None:
    identity.create("gvcn", "GVCN")
    with pytest.raises(DBAPIError, match="append-only"), identity.container.engine.begin() as conn:
        conn.execute(update(audit_log).values(actor="someone-else"))
    with pytest.raises(DBAPIError, match="append-only"), identity.container.engine.begin() as conn:
        conn.execute(audit_log.delete())
    assert len(identity.audit()) == 1


def test_outbox_rows_are_left_for_the_relay(identity: Any) -> None:
    identity.create("gvcn", "GVCN")
    with identity.container.engine.connect() as conn:
        assert conn.execute(select(outbox.c.published_at)).scalar_one() is None


def test_a_username_race_is_decided_by_the_unique_index(identity: Any) -> None:
    from school_identity.domain.errors import UsernameTakenError

    account = identity.create("gvcn", "GVCN")
    twin = dataclasses.replace(account, id="00000000-0000-0000-0000-000000000001")
    with pytest.raises(UsernameTakenError), identity.container.deps.uow() as uow:
        # Bypasses the use case's own check, as a concurrent creation would.
        uow.accounts.add(twin)
    with identity.container.engine.connect() as conn:
        assert list(conn.execute(select(accounts.c.id)).scalars()) == [account.id]
