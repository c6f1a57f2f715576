"""ValidateSession and Logout with fake repositories: expiry, refresh throttling, revocation."""

from __future__ import annotations

from typing import Any

import pytest

from school_identity.app.accounts import disable_account
from school_identity.app.commands import DisableAccount, Login, Logout, ValidateSession
from school_identity.app.deps import Deps
from school_identity.app.login import login
from school_identity.app.sessions import logout, validate_session
from school_identity.domain.errors import InvalidValueError, SessionInvalidError
from school_identity.domain.model import Account
from school_identity.domain.sessions import session_key


@pytest.fixture
def session_id(deps: Deps, account: Account, password: str) -> str:
    return login(Login(username="gvcn", password=password), deps).session_id


def validate(deps: Deps, sid: str) -> Any:
    return validate_session(ValidateSession(session_id=sid), deps)


def test_live_session_returns_the_principal(deps: Deps, session_id: str, account: Account) -> None:
    view = validate(deps, session_id)
    assert view.principal.user_id == account.id
    assert view.principal.roles == ("GVCN",)


def test_idle_timer_is_refreshed_at_most_every_30_seconds(deps: Deps, store: Any, clock: Any, session_id: str) -> None:
    key = session_key(session_id)
    clock.advance(seconds=29)
    validate(deps, session_id)
    assert store.touches == 0
    clock.advance(seconds=1)
    validate(deps, session_id)
    assert store.touches == 1
    assert store.sessions[key].last_seen_at == clock.now


def test_activity_keeps_the_session_alive_past_the_idle_limit(deps: Deps, clock: Any, session_id: str) -> None:
    for _ in range(4):
        clock.advance(minutes=25)
        validate(deps, session_id)


def test_idle_expiry(deps: Deps, clock: Any, session_id: str) -> None:
    clock.advance(minutes=30)
    validate(deps, session_id)  # exactly at the limit: still live, and refreshed
    clock.advance(minutes=30, seconds=1)
    with pytest.raises(SessionInvalidError):
        validate(deps, session_id)


def test_absolute_expiry_despite_activity(deps: Deps, clock: Any, session_id: str) -> None:
    for _ in range(24):  # 24 × 29 min = 11 h 36 min
        clock.advance(minutes=29)
        validate(deps, session_id)
    clock.advance(minutes=24)  # 12 h exactly
    with pytest.raises(SessionInvalidError):
        validate(deps, session_id)


def test_unknown_session(deps: Deps, account: Account) -> None:
    with pytest.raises(SessionInvalidError):
        validate(deps, "no-such-session")


def test_empty_session_id_is_invalid_input(deps: Deps) -> None:
    with pytest.raises(InvalidValueError) as info:
        validate(deps, "")
    assert "session_id" in info.value.fields


def test_logout_revokes_and_is_idempotent(deps: Deps, store: Any, session_id: str) -> None:
    logout(Logout(session_id=session_id, request_id="r"), deps)
    with pytest.raises(SessionInvalidError):
        validate(deps, session_id)
    logout(Logout(session_id=session_id), deps)
    logout(Logout(session_id="never-existed"), deps)
    assert [(e.action, e.outcome) for e in store.audit[-3:]] == [
        ("logout", "ok"),
        ("logout", "no_live_session"),
        ("logout", "no_live_session"),
    ]


def test_disabling_the_account_kills_every_session(deps: Deps, store: Any, account: Account, password: str) -> None:
    sids = [login(Login(username="gvcn", password=password), deps).session_id for _ in range(3)]
    assert disable_account(DisableAccount(account_id=account.id, actor="hieutruong-id"), deps) == 3
    for sid in sids:
        with pytest.raises(SessionInvalidError):
            validate(deps, sid)
    assert store.audit[-1].action == "account.disable"


def test_a_disabled_account_fails_even_if_its_session_was_not_revoked(
    deps: Deps, store: Any, account: Account, session_id: str
) -> None:
    store.accounts[account.id].is_active = False  # e.g. disabled by a process that did not revoke
    with pytest.raises(SessionInvalidError):
        validate(deps, session_id)
