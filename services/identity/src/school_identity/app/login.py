"""Use case: sign in with username and password, opening a new session."""

from __future__ import annotations

import ipaddress

from school_identity.app.commands import Login, LoginResult
from school_identity.app.deps import Deps
from school_identity.domain.errors import InvalidCredentialsError, InvalidValueError
from school_identity.domain.events import UserLoggedIn
from school_identity.domain.model import Account, AuditEntry, Session
from school_identity.domain.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from school_identity.domain.sessions import session_key
from school_identity.domain.usernames import MAX_LENGTH as USERNAME_MAX_LENGTH
from school_identity.domain.usernames import normalise_username

USER_AGENT_MAX = 256


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _input_problems(username: str, cmd: Login) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not username:
        problems["username"] = "Vui lòng nhập tên đăng nhập"
    elif len(username) > USERNAME_MAX_LENGTH:
        problems["username"] = f"Tên đăng nhập không được dài quá {USERNAME_MAX_LENGTH} ký tự"
    if not cmd.password:
        problems["password"] = "Vui lòng nhập mật khẩu"  # noqa: S105 - a message about the field, not a password
    elif len(cmd.password) > PASSWORD_MAX_LENGTH:
        problems["password"] = f"Mật khẩu không được dài quá {PASSWORD_MAX_LENGTH} ký tự"
    if cmd.client_ip and not _is_ip(cmd.client_ip):
        problems["client_ip"] = "Địa chỉ IP của người dùng không hợp lệ"
    return problems


def login(cmd: Login, deps: Deps) -> LoginResult:
    """Check the credentials and open a session; every attempt leaves an audit row.

    Unknown usernames, wrong passwords and disabled accounts all end in the same
    InvalidCredentialsError, after the same amount of hashing work, so the answer reveals nothing.
    Password hashing runs outside any transaction so that slow hashes never hold the write lock.
    """
    username = normalise_username(cmd.username)
    # Only a well-formed address reaches the audit log; anything else is attacker-controlled text.
    ip = cmd.client_ip if _is_ip(cmd.client_ip) else ""
    detail = {"username": username[:USERNAME_MAX_LENGTH], "user_agent": cmd.user_agent[:USER_AGENT_MAX]}

    def failure(outcome: str, account: Account | None) -> AuditEntry:
        return AuditEntry(
            at=deps.clock(),
            actor=account.id if account else "anonymous",
            action="login.failure",
            outcome=outcome,
            school_id=account.school_id if account else None,
            ip=ip,
            request_id=cmd.request_id,
            detail=detail,
        )

    def fail(outcome: str, account: Account | None) -> None:
        with deps.uow() as uow:
            uow.audit.append(failure(outcome, account))
            uow.commit()

    problems = _input_problems(username, cmd)
    if problems:
        fail("invalid_input", None)
        raise InvalidValueError(problems)

    with deps.uow(read_only=True) as uow:
        account = uow.accounts.get_by_username(username)
    stored = account.password_hash if account else deps.hasher.dummy_hash
    matches = deps.hasher.verify(stored, cmd.password)
    if account is None:
        fail("unknown_account", None)
        raise InvalidCredentialsError()
    if not matches:
        fail("wrong_password", account)
        raise InvalidCredentialsError()
    if not account.is_active:
        fail("account_disabled", account)
        raise InvalidCredentialsError()
    new_hash = deps.hasher.hash(cmd.password) if deps.hasher.needs_rehash(stored) else None

    raw_id = deps.new_session_id()
    with deps.uow() as uow:
        # Re-read under the write transaction: the account may have been disabled, or its password
        # changed, while the hash was being checked.
        current = uow.accounts.get(account.id)
        if current is None or not current.is_active or current.password_hash != stored:
            outcome = "account_disabled" if current is None or not current.is_active else "credentials_changed"
            uow.audit.append(failure(outcome, account))
            uow.commit()
            raise InvalidCredentialsError()
        now = deps.clock()
        current.last_login_at = now
        if new_hash is not None:
            current.password_hash = new_hash
        uow.accounts.update(current)
        session = Session(
            key=session_key(raw_id),
            account_id=current.id,
            created_at=now,
            last_seen_at=now,
            expires_at=deps.policy.expires_at(now),
        )
        uow.sessions.add(session)
        uow.audit.append(
            AuditEntry(
                at=now,
                actor=current.id,
                action="login.success",
                outcome="rehashed" if new_hash is not None else "ok",
                school_id=current.school_id,
                ip=ip,
                request_id=cmd.request_id,
                detail=detail,
            )
        )
        uow.record(UserLoggedIn(user_id=current.id, school_id=current.school_id))
        uow.commit()
    return LoginResult(session_id=raw_id, principal=current.principal(), expires_at=session.expires_at)
