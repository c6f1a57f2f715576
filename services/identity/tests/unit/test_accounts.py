"""Account use cases with fake repositories: creation rules, AccountCreated, GetMe, denial audit."""

from __future__ import annotations

from typing import Any

import pytest

from school_identity.app.accounts import create_account, ensure_school, get_me, record_access_denied
from school_identity.app.commands import CreateAccount, CreateSchool, GetMe, RecordAccessDenied
from school_identity.app.deps import Deps
from school_identity.domain.errors import (
    AccountUnavailableError,
    InvalidValueError,
    SchoolNotFoundError,
    UsernameTakenError,
)
from school_identity.domain.events import AccountCreated
from school_identity.domain.model import Account
from school_identity.domain.roles import permissions_for


def new_account(**overrides: Any) -> CreateAccount:
    values: dict[str, Any] = {
        "school_id": "school-1",
        "username": "gvbm",
        "full_name": "Hoàng Đức Thắng",
        "password": "một mật khẩu dài",
        "roles": ("GVBM",),
        "actor": "test",
    }
    values.update(overrides)
    return CreateAccount(**values)


def test_create_account_records_the_event_and_an_audit_row(deps: Deps, store: Any, account: Account) -> None:
    created = store.accounts[account.id]
    assert created.username == "gvcn"
    assert created.full_name == "Phạm Thị Lan Anh"  # whitespace collapsed
    assert created.password_hash.startswith("fake$")
    assert store.outbox == [
        AccountCreated(
            user_id=account.id, school_id="school-1", username="gvcn", full_name="Phạm Thị Lan Anh", roles=("GVCN",)
        )
    ]
    assert store.audit[-1].action == "account.create"
    assert "mật khẩu" not in repr(store.audit[-1].detail)


def test_username_must_be_unique_case_insensitively(deps: Deps, account: Account) -> None:
    with pytest.raises(UsernameTakenError):
        create_account(new_account(username="GvCn"), deps)


def test_school_must_exist(deps: Deps) -> None:
    with pytest.raises(SchoolNotFoundError):
        create_account(new_account(school_id="nowhere"), deps)


def test_validation_names_every_field(deps: Deps) -> None:
    with pytest.raises(InvalidValueError) as info:
        create_account(new_account(username="x", full_name=" ", password="short", roles=("BOSS",)), deps)
    assert set(info.value.fields) == {"username", "full_name", "password", "roles"}
    assert "BOSS" in info.value.fields["roles"]


def test_roles_are_required(deps: Deps) -> None:
    with pytest.raises(InvalidValueError) as info:
        create_account(new_account(roles=()), deps)
    assert info.value.fields == {"roles": "Tài khoản phải có ít nhất một vai trò"}


def test_given_account_id_is_kept(deps: Deps, account: Account) -> None:
    assert create_account(new_account(account_id="fixed-id"), deps).id == "fixed-id"


def test_ensure_school_is_idempotent(deps: Deps, store: Any) -> None:
    cmd = CreateSchool(school_id="s-9", code="TH-9", name="Trường 9")
    ensure_school(cmd, deps)
    ensure_school(cmd, deps)
    assert list(store.schools) == ["s-9"]


def test_get_me(deps: Deps, account: Account) -> None:
    me = get_me(GetMe(user_id=account.id, school_id="school-1"), deps)
    assert me.username == "gvcn"
    assert me.permissions == permissions_for(["GVCN"])


@pytest.mark.parametrize("case", ["unknown", "other_school", "disabled"])
def test_get_me_refuses(deps: Deps, store: Any, account: Account, case: str) -> None:
    user_id, school_id = account.id, "school-1"
    if case == "unknown":
        user_id = "ghost"
    elif case == "other_school":
        school_id = "school-2"
    else:
        store.accounts[account.id].is_active = False
    with pytest.raises(AccountUnavailableError):
        get_me(GetMe(user_id=user_id, school_id=school_id), deps)


def test_denials_are_audited(deps: Deps, store: Any) -> None:
    record_access_denied(
        RecordAccessDenied(actor="u-1", school_id="s", method="/x/Login", permission="p:q:r", request_id="rid"), deps
    )
    entry = store.audit[-1]
    assert (entry.action, entry.outcome, entry.actor, entry.request_id) == ("authz.denied", "forbidden", "u-1", "rid")
    assert entry.detail == {"method": "/x/Login", "permission": "p:q:r"}
