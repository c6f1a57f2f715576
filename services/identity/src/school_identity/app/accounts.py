"""Use cases on accounts: the caller's own principal, creating schools and accounts, disabling."""

from __future__ import annotations

from school_identity.app.commands import CreateAccount, CreateSchool, DisableAccount, GetMe, RecordAccessDenied
from school_identity.app.deps import Deps
from school_identity.domain.errors import (
    AccountNotFoundError,
    AccountUnavailableError,
    InvalidValueError,
    SchoolNotFoundError,
    UsernameTakenError,
)
from school_identity.domain.events import AccountCreated
from school_identity.domain.model import Account, AuditEntry, Principal, School
from school_identity.domain.passwords import password_problem
from school_identity.domain.roles import parse_role
from school_identity.domain.usernames import normalise_username, username_problem

FULL_NAME_MAX = 200


def get_me(cmd: GetMe, deps: Deps) -> Principal:
    """The principal of the user a verified token names; a disabled account is refused at once."""
    with deps.uow(read_only=True) as uow:
        account = uow.accounts.get(cmd.user_id)
    # A token for another school's account would mean a forged or confused caller: same answer.
    if account is None or not account.is_active or account.school_id != cmd.school_id:
        raise AccountUnavailableError()
    return account.principal()


def ensure_school(cmd: CreateSchool, deps: Deps) -> School:
    """Create the school unless it exists already (idempotent, for seeds and provisioning)."""
    problems: dict[str, str] = {}
    if not cmd.code.strip():
        problems["code"] = "Vui lòng nhập mã trường"
    if not cmd.name.strip():
        problems["name"] = "Vui lòng nhập tên trường"
    if problems:
        raise InvalidValueError(problems)
    with deps.uow() as uow:
        existing = uow.schools.get(cmd.school_id)
        if existing is not None:
            return existing
        school = School(id=cmd.school_id, code=cmd.code.strip(), name=cmd.name.strip())
        uow.schools.add(school)
        uow.commit()
    return school


def _account_problems(cmd: CreateAccount, username: str, full_name: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if (msg := username_problem(username)) is not None:
        problems["username"] = msg
    if not full_name:
        problems["full_name"] = "Vui lòng nhập họ và tên"
    elif len(full_name) > FULL_NAME_MAX:
        problems["full_name"] = f"Họ và tên không được dài quá {FULL_NAME_MAX} ký tự"
    if not cmd.roles:
        problems["roles"] = "Tài khoản phải có ít nhất một vai trò"
    elif unknown := [r for r in cmd.roles if parse_role(r) is None]:
        problems["roles"] = "Vai trò không tồn tại: " + ", ".join(unknown)
    if (msg := password_problem(cmd.password)) is not None:
        problems["password"] = msg
    return problems


def create_account(cmd: CreateAccount, deps: Deps) -> Account:
    """Create an account and publish AccountCreated in the same transaction."""
    username = normalise_username(cmd.username)
    full_name = " ".join(cmd.full_name.split())
    problems = _account_problems(cmd, username, full_name)
    if problems:
        raise InvalidValueError(problems)
    roles = tuple(dict.fromkeys(cmd.roles))
    # Hash before the transaction opens: the slow part must not hold the write lock.
    password_hash = deps.hasher.hash(cmd.password)
    with deps.uow() as uow:
        if uow.schools.get(cmd.school_id) is None:
            raise SchoolNotFoundError()
        if uow.accounts.get_by_username(username) is not None:
            raise UsernameTakenError()
        now = deps.clock()
        account = Account(
            id=cmd.account_id or deps.new_id(),
            school_id=cmd.school_id,
            username=username,
            full_name=full_name,
            password_hash=password_hash,
            roles=roles,
            is_active=True,
            created_at=now,
            password_changed_at=now,
        )
        uow.accounts.add(account)
        uow.audit.append(
            AuditEntry(
                at=now,
                actor=cmd.actor,
                action="account.create",
                outcome="ok",
                school_id=account.school_id,
                request_id=cmd.request_id,
                detail={"account_id": account.id, "username": username, "roles": list(roles)},
            )
        )
        uow.record(
            AccountCreated(
                user_id=account.id,
                school_id=account.school_id,
                username=account.username,
                full_name=account.full_name,
                roles=account.roles,
            )
        )
        uow.commit()
    return account


def disable_account(cmd: DisableAccount, deps: Deps) -> int:
    """Disable an account and revoke all its sessions; returns how many sessions were live."""
    with deps.uow() as uow:
        account = uow.accounts.get(cmd.account_id)
        if account is None:
            raise AccountNotFoundError()
        now = deps.clock()
        account.is_active = False
        uow.accounts.update(account)
        revoked = uow.sessions.revoke_all_for(account.id, now)
        uow.audit.append(
            AuditEntry(
                at=now,
                actor=cmd.actor,
                action="account.disable",
                outcome="ok",
                school_id=account.school_id,
                request_id=cmd.request_id,
                detail={"account_id": account.id, "sessions_revoked": revoked},
            )
        )
        uow.commit()
    return revoked


def record_access_denied(cmd: RecordAccessDenied, deps: Deps) -> None:
    """Every authorization denial leaves an audit row (quality bar S9)."""
    with deps.uow() as uow:
        uow.audit.append(
            AuditEntry(
                at=deps.clock(),
                actor=cmd.actor,
                action="authz.denied",
                outcome="forbidden",
                school_id=cmd.school_id or None,
                request_id=cmd.request_id,
                detail={"method": cmd.method, "permission": cmd.permission},
            )
        )
        uow.commit()
