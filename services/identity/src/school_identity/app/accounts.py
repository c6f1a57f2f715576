"""Use cases on accounts: the caller's principal, schools and accounts, passwords, second factors,
enabling and disabling, the account list, and recording denials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from school_identity.app.commands import (
    Actor,
    ChangePassword,
    CreateAccount,
    CreateSchool,
    GetMe,
    MfaSecretView,
    RecordAccessDenied,
)
from school_identity.app.common import account_in_school, entry, held_roles, needs_mfa, principal_of, vn_today
from school_identity.app.deps import Deps
from school_identity.app.pagination import Page, make_page, page_request
from school_identity.app.ports import UnitOfWork
from school_identity.app.signin import WRONG_CODE, client_ip, register_login_failure, throttle_wait
from school_identity.domain import mfa
from school_identity.domain.errors import (
    AccountUnavailableError,
    InvalidValueError,
    PreconditionError,
    SchoolNotFoundError,
    StepUpRequiredError,
    ThrottledError,
    UsernameTakenError,
)
from school_identity.domain.events import AccountCreated, AccountDisabled, AccountEnabled, MfaEnrolled, PasswordChanged
from school_identity.domain.model import Account, Assignment, MfaFactor, Principal, School
from school_identity.domain.passwords import password_problem
from school_identity.domain.principal import effective_roles
from school_identity.domain.roles import (
    DEFAULT_ROLE_PERMISSIONS,
    mfa_required,
    parse_role,
    permissions_for,
    role_permissions,
    sod_message,
    sod_violations,
)
from school_identity.domain.sessions import session_key
from school_identity.domain.text import clean_spaces, fold
from school_identity.domain.throttle import blocked_for, retry_after_seconds
from school_identity.domain.usernames import normalise_username, username_problem

FULL_NAME_MAX = 200
REASON_MIN, REASON_MAX = 5, 500


def active_account(uow: UnitOfWork, actor: Actor) -> Account:
    """The caller's own account; a disabled or foreign one is refused at once (in-flight tokens too)."""
    account = uow.accounts.get(actor.user_id)
    if account is None or not account.is_active or account.school_id != actor.school_id:
        raise AccountUnavailableError()
    return account


def get_me(cmd: GetMe, deps: Deps) -> Principal:
    """The principal of the user a verified token names; a disabled account is refused at once."""
    with deps.uow(read_only=True) as uow:
        account = active_account(uow, Actor(user_id=cmd.user_id, school_id=cmd.school_id))
        return principal_of(uow, account, deps.clock())


def ensure_school(cmd: CreateSchool, deps: Deps) -> School:
    """Create the school unless it exists already (idempotent, for seeds and provisioning).

    A new school starts with its own editable copy of the default role permissions.
    """
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
        now = deps.clock()
        for role, perms in DEFAULT_ROLE_PERMISSIONS.items():
            uow.role_permissions.save(school.id, role.value, perms, now, "system")
        uow.commit()
    return school


def _account_problems(cmd: CreateAccount, username: str, full_name: str, deps: Deps) -> dict[str, str]:
    problems: dict[str, str] = {}
    if (msg := username_problem(username)) is not None:
        problems["username"] = msg
    if not full_name:
        problems["full_name"] = "Vui lòng nhập họ và tên"
    elif len(full_name) > FULL_NAME_MAX:
        problems["full_name"] = f"Họ và tên không được dài quá {FULL_NAME_MAX} ký tự"
    if not cmd.roles and not cmd.allow_no_roles:
        problems["roles"] = "Tài khoản phải có ít nhất một vai trò"
    elif unknown := [r for r in cmd.roles if parse_role(r) is None]:
        problems["roles"] = "Vai trò không tồn tại: " + ", ".join(unknown)
    if cmd.check_password_policy:
        if (msg := password_problem(cmd.password, username, deps.rules.password_min_length)) is not None:
            problems["password"] = msg
    elif not cmd.password:
        problems["password"] = "Thiếu mật khẩu"  # noqa: S105 - a message about the field, not a password
    return problems


def check_account(cmd: CreateAccount, deps: Deps) -> tuple[str, str, tuple[str, ...]]:
    """Validate a new account's fields; returns (username, full name, roles) normalised."""
    username = normalise_username(cmd.username)
    full_name = clean_spaces(cmd.full_name)
    problems = _account_problems(cmd, username, full_name, deps)
    if problems:
        raise InvalidValueError(problems)
    return username, full_name, tuple(dict.fromkeys(cmd.roles))


def insert_account(uow: UnitOfWork, deps: Deps, cmd: CreateAccount, password_hash: str) -> Account:
    """Insert a checked account inside the caller's transaction (event and audit row included)."""
    username, full_name, roles = check_account(cmd, deps)
    if uow.schools.get(cmd.school_id) is None:
        raise SchoolNotFoundError()
    if uow.accounts.get_by_username(username) is not None:
        raise UsernameTakenError()
    violations = sod_violations(
        permissions_for(roles, role_permissions(uow.role_permissions.for_school(cmd.school_id))), deps.rules.sod_rules
    )
    if violations:
        raise PreconditionError(sod_message(violations))
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
        must_change_password=cmd.must_change_password,
        password_expires_at=cmd.password_expires_at,
    )
    uow.accounts.add(account)
    uow.audit.append(
        entry(
            deps,
            actor=cmd.actor,
            action="account.create",
            school_id=account.school_id,
            target=account.id,
            request_id=cmd.request_id,
            detail={"username": username, "roles": list(roles), "must_change_password": cmd.must_change_password},
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
    return account


def create_account(cmd: CreateAccount, deps: Deps) -> Account:
    """Create an account and publish AccountCreated in the same transaction."""
    check_account(cmd, deps)
    # Hash before the transaction opens: the slow part must not hold the write lock.
    password_hash = deps.hasher.hash(cmd.password)
    with deps.uow() as uow:
        account = insert_account(uow, deps, cmd, password_hash)
        uow.commit()
    return account


def _reason(reason: str) -> str:
    text = clean_spaces(reason)
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise InvalidValueError({"reason": f"Vui lòng ghi lý do ({REASON_MIN}–{REASON_MAX} ký tự)"})
    return text


def change_password(actor: Actor, cmd: ChangePassword, deps: Deps) -> None:
    """Change the caller's password after checking the current one; every other session ends."""
    now = deps.clock()
    ip = client_ip(cmd.client_ip)
    with deps.uow(read_only=True) as uow:
        account = active_account(uow, actor)
        wait = throttle_wait(uow, account.username, ip, now, deps)
    if wait is not None:
        raise ThrottledError(retry_after_seconds(wait))
    if not cmd.current_password or not deps.hasher.verify(account.password_hash, cmd.current_password):
        with deps.uow() as uow:
            uow.audit.append(
                entry(
                    deps,
                    actor=account.id,
                    action="password.changed",
                    outcome="wrong_password",
                    school_id=account.school_id,
                    target=account.id,
                    ip=ip,
                    request_id=actor.request_id,
                )
            )
            register_login_failure(uow, deps, account.username, account, now, actor.request_id)
            uow.commit()
        raise InvalidValueError({"current_password": "Mật khẩu hiện tại không đúng"})
    problem = password_problem(cmd.new_password, account.username, deps.rules.password_min_length)
    if problem is not None:
        raise InvalidValueError({"new_password": problem})
    if cmd.new_password == cmd.current_password:
        raise InvalidValueError({"new_password": "Mật khẩu mới phải khác mật khẩu hiện tại"})
    new_hash = deps.hasher.hash(cmd.new_password)
    keep = session_key(cmd.keep_session_id) if cmd.keep_session_id else None
    with deps.uow() as uow:
        current = active_account(uow, actor)
        if current.password_hash != account.password_hash:
            raise PreconditionError("Mật khẩu vừa được thay đổi ở nơi khác; vui lòng thử lại")
        kept = uow.sessions.get(keep) if keep else None
        current.password_hash = new_hash
        current.must_change_password = False
        current.password_expires_at = None
        current.password_changed_at = now
        uow.accounts.update(current)
        revoked = uow.sessions.revoke_all_for(
            current.id, now, except_key=keep if kept is not None and kept.account_id == current.id else None
        )
        # A sign-in half-way through with the old password must not finish with it.
        uow.challenges.close_all_for(current.id, now)
        uow.throttle.clear(current.username)
        uow.audit.append(
            entry(
                deps,
                actor=current.id,
                action="password.changed",
                school_id=current.school_id,
                target=current.id,
                ip=ip,
                request_id=actor.request_id,
                detail={"sessions_revoked": revoked},
            )
        )
        uow.record(PasswordChanged(user_id=current.id, school_id=current.school_id, by_reset=False))
        uow.commit()


def reset_password(actor: Actor, user_id: str, reason: str, deps: Deps) -> tuple[str, datetime]:
    """Replace an account's password by a one-time code (changed at the next sign-in, MFA still
    asked); revokes every session and lifts a lock. Returns the code and when it expires."""
    why = _reason(reason)
    if user_id == actor.user_id:
        raise PreconditionError("Không thể tự cấp lại mật khẩu cho chính mình; hãy dùng chức năng đổi mật khẩu")
    code = deps.new_one_time_code()
    code_hash = deps.hasher.hash(code)
    with deps.uow() as uow:
        target = account_in_school(uow, user_id, actor.school_id)
        now = deps.clock()
        expires = now + deps.rules.reset_code_lifetime
        target.password_hash = code_hash
        target.must_change_password = True
        target.password_expires_at = expires
        target.password_changed_at = now
        uow.accounts.update(target)
        revoked = uow.sessions.revoke_all_for(target.id, now)
        uow.throttle.clear(target.username)
        uow.challenges.close_all_for(target.id, now)
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="password.reset",
                school_id=target.school_id,
                target=target.id,
                request_id=actor.request_id,
                detail={"reason": why, "sessions_revoked": revoked, "expires_at": expires.isoformat()},
            )
        )
        uow.record(PasswordChanged(user_id=target.id, school_id=target.school_id, by_reset=True))
        uow.commit()
    return code, expires


@dataclass(frozen=True)
class AccountView:
    """An account as administrators see it (never any secret)."""

    account: Account
    roles: tuple[str, ...]
    mfa_enrolled: bool
    mfa_required: bool
    locked_until: datetime | None
    staff_id: str


def _views(uow: UnitOfWork, deps: Deps, accounts: list[Account], now: datetime) -> list[AccountView]:
    if not accounts:
        return []
    today = vn_today(now)
    by_account: dict[str, list[Assignment]] = {}
    for a in uow.assignments.for_school(accounts[0].school_id):
        by_account.setdefault(a.account_id, []).append(a)
    ids = [a.id for a in accounts]
    enrolled = uow.mfa.enrolled_accounts(ids)
    staff = uow.staff.staff_ids_by_user(ids)
    views = []
    for account in accounts:
        roles = effective_roles(account.roles, by_account.get(account.id, []), today)
        lock = blocked_for(uow.throttle.get(account.username), now)
        views.append(
            AccountView(
                account=account,
                roles=roles,
                mfa_enrolled=account.id in enrolled,
                mfa_required=mfa_required(roles, deps.rules.mfa_required_roles),
                locked_until=now + lock if lock is not None else None,
                staff_id=staff.get(account.id, ""),
            )
        )
    return views


def view_account(uow: UnitOfWork, deps: Deps, account: Account) -> AccountView:
    return _views(uow, deps, [account], deps.clock())[0]


def set_account_active(actor: Actor, user_id: str, active: bool, reason: str, deps: Deps) -> AccountView:
    """Disable (revoking every session at once) or re-enable (lifting any lock) an account."""
    why = _reason(reason)
    if user_id == actor.user_id and not active:
        raise PreconditionError("Không thể tự khóa tài khoản của chính mình")
    with deps.uow() as uow:
        target = account_in_school(uow, user_id, actor.school_id)
        now = deps.clock()
        if target.is_active != active:
            target.is_active = active
            uow.accounts.update(target)
            detail: dict[str, object] = {"reason": why}
            if active:
                uow.throttle.clear(target.username)
                uow.record(AccountEnabled(user_id=target.id, school_id=target.school_id))
            else:
                detail["sessions_revoked"] = uow.sessions.revoke_all_for(target.id, now)
                uow.challenges.close_all_for(target.id, now)
                uow.record(AccountDisabled(user_id=target.id, school_id=target.school_id))
            uow.audit.append(
                entry(
                    deps,
                    actor=actor.user_id,
                    action="account.enable" if active else "account.disable",
                    school_id=target.school_id,
                    target=target.id,
                    request_id=actor.request_id,
                    detail=detail,
                )
            )
        elif active:
            # Enabling an enabled account is how an administrator lifts a lock-out early.
            uow.throttle.clear(target.username)
            uow.audit.append(
                entry(
                    deps,
                    actor=actor.user_id,
                    action="account.unlock",
                    school_id=target.school_id,
                    target=target.id,
                    request_id=actor.request_id,
                    detail={"reason": why},
                )
            )
        view = view_account(uow, deps, target)
        uow.commit()
    return view


def list_accounts(actor: Actor, query: str, page_size: int, page_token: str, deps: Deps) -> Page[AccountView]:
    """The school's accounts by username; ``query`` matches username or name, diacritics ignored."""
    folded = fold(query)[:100]
    request = page_request(page_size, page_token, f"accounts:{actor.school_id}:{folded}")
    with deps.uow(read_only=True) as uow:
        rows = uow.accounts.page(actor.school_id, folded, request.after, request.size + 1)
        page = make_page(rows, request, f"accounts:{actor.school_id}:{folded}", lambda a: a.id)
        return Page(items=_views(uow, deps, page.items, deps.clock()), next_token=page.next_token)


def start_mfa_enrolment(actor: Actor, deps: Deps) -> MfaSecretView:
    """A new, not yet active TOTP secret for the caller (replacing an enrolled one needs a step-up)."""
    now = deps.clock()
    with deps.uow() as uow:
        account = active_account(uow, actor)
        factor = uow.mfa.get(account.id) or MfaFactor(account_id=account.id)
        if factor.enrolled and not actor.stepped_up(now):
            raise StepUpRequiredError(
                "Bạn đã bật xác thực hai lớp. Để chuyển sang thiết bị mới, hãy xác thực lại bằng mã OTP hiện tại trước"
            )
        secret = mfa.new_secret()
        factor.pending_secret_encrypted = deps.secrets.encrypt(secret)
        uow.mfa.save(factor)
        school = uow.schools.get(account.school_id)
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="mfa.enrolment_started",
                school_id=account.school_id,
                target=account.id,
                request_id=actor.request_id,
            )
        )
        uow.commit()
    issuer = school.name if school else "Trường học"
    return MfaSecretView(secret=secret, provisioning_uri=mfa.provisioning_uri(secret, account.username, issuer))


def confirm_mfa_enrolment(actor: Actor, totp_code: str, deps: Deps) -> list[str]:
    """Activate the pending secret when the code matches; returns ten fresh recovery codes."""
    now = deps.clock()
    with deps.uow() as uow:
        account = active_account(uow, actor)
        factor = uow.mfa.get(account.id)
        if factor is None or factor.pending_secret_encrypted is None:
            raise PreconditionError("Chưa bắt đầu đăng ký xác thực hai lớp")
        step = mfa.accept_totp(deps.secrets.decrypt(factor.pending_secret_encrypted), totp_code, now, None)
        if step is None:
            raise InvalidValueError({"totp_code": WRONG_CODE})
        factor.secret_encrypted = factor.pending_secret_encrypted
        factor.pending_secret_encrypted = None
        factor.enrolled_at = now
        factor.last_used_step = step
        uow.mfa.save(factor)
        codes = mfa.new_recovery_codes()
        uow.recovery_codes.replace(account.id, [mfa.hash_recovery_code(account.id, c) for c in codes], now)
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="mfa.enrolled",
                school_id=account.school_id,
                target=account.id,
                request_id=actor.request_id,
            )
        )
        uow.record(MfaEnrolled(user_id=account.id, school_id=account.school_id))
        uow.commit()
    return codes


def disable_mfa(actor: Actor, totp_code: str, deps: Deps) -> None:
    """Remove the caller's second factor; refused while a held role requires one."""
    now = deps.clock()
    with deps.uow(read_only=True) as uow:
        account = active_account(uow, actor)
        if needs_mfa(uow, account, now, deps):
            raise PreconditionError("Vai trò của bạn bắt buộc dùng xác thực hai lớp nên không thể tắt")
        factor = uow.mfa.get(account.id)
        wait = throttle_wait(uow, account.username, "", now, deps)
    if wait is not None:
        raise ThrottledError(retry_after_seconds(wait))
    if factor is None or not factor.enrolled:
        raise PreconditionError("Tài khoản chưa bật xác thực hai lớp")
    step = mfa.accept_totp(deps.secrets.decrypt(factor.secret_encrypted or ""), totp_code, now, factor.last_used_step)
    with deps.uow() as uow:
        if step is not None and uow.mfa.claim_step(account.id, step):
            uow.mfa.delete(account.id)
            uow.recovery_codes.delete_all(account.id)
            uow.audit.append(
                entry(
                    deps,
                    actor=account.id,
                    action="mfa.disabled",
                    school_id=account.school_id,
                    target=account.id,
                    request_id=actor.request_id,
                )
            )
            uow.commit()
            return
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="mfa.disabled",
                outcome="wrong_code",
                school_id=account.school_id,
                target=account.id,
                request_id=actor.request_id,
            )
        )
        register_login_failure(uow, deps, account.username, account, now, actor.request_id)
        uow.commit()
    raise InvalidValueError({"totp_code": WRONG_CODE})


def roles_held(actor: Actor, deps: Deps) -> tuple[str, ...]:
    with deps.uow(read_only=True) as uow:
        return held_roles(uow, active_account(uow, actor), deps.clock())


def record_access_denied(cmd: RecordAccessDenied, deps: Deps) -> None:
    """Every authorization denial leaves an audit row (quality bar S9)."""
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=cmd.actor,
                action="authz.denied",
                outcome="forbidden",
                school_id=cmd.school_id or None,
                request_id=cmd.request_id,
                detail={"method": cmd.method, "permission": cmd.permission},
            )
        )
        uow.commit()
