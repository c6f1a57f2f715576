"""The login use case with fake repositories: outcomes, audit rows, events and rehashing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from school_identity.app.commands import Login
from school_identity.app.deps import Deps
from school_identity.app.login import login
from school_identity.domain.errors import INVALID_CREDENTIALS, InvalidCredentialsError, InvalidValueError
from school_identity.domain.events import UserLoggedIn
from school_identity.domain.model import Account
from school_identity.domain.roles import permissions_for
from school_identity.domain.sessions import session_key


def attempt(deps: Deps, username: str, password: str, **kw: Any) -> Any:
    return login(Login(username=username, password=password, client_ip="203.0.113.7", user_agent="UA", **kw), deps)


def test_success_opens_a_hashed_session(deps: Deps, store: Any, account: Account, password: str, clock: Any) -> None:
    result = attempt(deps, " gvcn ", password, request_id="rid-1")
    assert result.session_id == "raw-session-1"
    assert result.principal.user_id == account.id
    assert result.principal.full_name == "Phạm Thị Lan Anh"
    assert result.principal.permissions == permissions_for(["GVCN"])
    assert result.expires_at == clock.now + timedelta(hours=12)
    # Only the hash of the session id is stored.
    assert list(store.sessions) == [session_key("raw-session-1")]
    assert store.accounts[account.id].last_login_at == clock.now
    entry = store.audit[-1]
    assert (entry.action, entry.outcome, entry.actor, entry.ip, entry.request_id) == (
        "login.success",
        "ok",
        account.id,
        "203.0.113.7",
        "rid-1",
    )
    assert store.outbox[-1] == UserLoggedIn(user_id=account.id, school_id=account.school_id)


def test_every_login_gets_a_new_session(deps: Deps, store: Any, account: Account, password: str) -> None:
    first = attempt(deps, "gvcn", password)
    second = attempt(deps, "gvcn", password)
    assert first.session_id != second.session_id
    assert len(store.sessions) == 2


@pytest.mark.parametrize(
    ("username", "pw", "outcome"),
    [("gvcn", "sai mật khẩu", "wrong_password"), ("khongco", "sai mật khẩu", "unknown_account")],
)
def test_failures_are_indistinguishable_and_audited(
    deps: Deps, store: Any, hasher: Any, account: Account, username: str, pw: str, outcome: str
) -> None:
    hasher.verified.clear()
    with pytest.raises(InvalidCredentialsError) as info:
        attempt(deps, username, pw)
    assert info.value.message == INVALID_CREDENTIALS
    # The unknown user costs one verification too (against the dummy hash).
    assert len(hasher.verified) == 1
    entry = store.audit[-1]
    assert (entry.action, entry.outcome) == ("login.failure", outcome)
    assert pw not in repr(entry)
    assert not store.sessions
    assert not any(isinstance(e, UserLoggedIn) for e in store.outbox)


def test_unknown_user_is_checked_against_the_dummy_hash(deps: Deps, hasher: Any, account: Account) -> None:
    hasher.verified.clear()
    with pytest.raises(InvalidCredentialsError):
        attempt(deps, "khongco", "whatever1")
    assert hasher.verified == [hasher.dummy_hash]


def test_disabled_account_cannot_log_in(deps: Deps, store: Any, account: Account, password: str) -> None:
    store.accounts[account.id].is_active = False
    with pytest.raises(InvalidCredentialsError) as info:
        attempt(deps, "gvcn", password)
    assert info.value.message == INVALID_CREDENTIALS
    assert store.audit[-1].outcome == "account_disabled"
    assert not store.sessions


def test_weaker_hash_is_replaced_on_success(
    deps: Deps, store: Any, hasher: Any, account: Account, password: str
) -> None:
    store.accounts[account.id].password_hash = f"fake$1${password}"
    attempt(deps, "gvcn", password)
    assert store.accounts[account.id].password_hash == f"fake$2${password}"
    assert store.audit[-1].outcome == "rehashed"


def test_current_hash_is_left_alone(deps: Deps, store: Any, account: Account, password: str) -> None:
    before = store.accounts[account.id].password_hash
    attempt(deps, "gvcn", password)
    assert store.accounts[account.id].password_hash == before


def test_invalid_input_names_the_fields_and_is_audited(deps: Deps, store: Any) -> None:
    with pytest.raises(InvalidValueError) as info:
        login(Login(username="  ", password="", client_ip="not-an-ip"), deps)
    assert set(info.value.fields) == {"username", "password", "client_ip"}
    assert info.value.fields["username"] == "Vui lòng nhập tên đăng nhập"
    assert store.audit[-1].outcome == "invalid_input"


def test_oversized_input_is_refused_before_hashing(deps: Deps, hasher: Any) -> None:
    with pytest.raises(InvalidValueError) as info:
        attempt(deps, "a" * 65, "x" * 1025)
    assert set(info.value.fields) == {"username", "password"}
    assert hasher.verified == []


def test_user_agent_is_truncated_in_the_audit(deps: Deps, store: Any, account: Account, password: str) -> None:
    login(Login(username="gvcn", password=password, user_agent="M" * 1000), deps)
    assert len(store.audit[-1].detail["user_agent"]) == 256


def test_repr_hides_the_password() -> None:
    assert "hunter2" not in repr(Login(username="a", password="hunter2"))
