"""Use cases of signing in: password check, the pending steps (password change, MFA enrolment, MFA),
throttling and lock-out, sessions (validate, log out, step up).

Password hashing runs outside any write transaction so that slow hashes never hold the write lock.
Unknown usernames, wrong passwords, disabled accounts and expired one-time codes all end in the
same InvalidCredentialsError, after the same hashing work and the same throttle bookkeeping (by
normalised username, whether or not an account has it), so no answer reveals whether an account
exists.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import datetime, timedelta
from typing import NoReturn

from school_identity.app.commands import (
    ContinueLogin,
    Login,
    LoginOutcome,
    LoginResult,
    Logout,
    MfaSecretView,
    SessionView,
    StepUp,
    ValidateSession,
)
from school_identity.app.common import entry, needs_mfa, principal_of
from school_identity.app.deps import Deps
from school_identity.app.ports import UnitOfWork
from school_identity.domain import mfa
from school_identity.domain.errors import (
    ChallengeInvalidError,
    InvalidCredentialsError,
    InvalidValueError,
    PreconditionError,
    SessionInvalidError,
    ThrottledError,
)
from school_identity.domain.events import AccountLocked, MfaEnrolled, PasswordChanged, UserLoggedIn
from school_identity.domain.model import Account, LoginChallenge, LoginStep, MfaFactor, Principal, Session
from school_identity.domain.passwords import LOGIN_MAX_LENGTH, password_problem
from school_identity.domain.sessions import SessionState, session_key
from school_identity.domain.signin import login_steps
from school_identity.domain.throttle import blocked_for, ip_blocked_for, register_failure, retry_after_seconds
from school_identity.domain.usernames import MAX_LENGTH as USERNAME_MAX_LENGTH
from school_identity.domain.usernames import normalise_username

USER_AGENT_MAX = 256
# Outcomes of a real verification failure: these count towards the per-address limit.
COUNTED_FAILURES = ("wrong_password", "unknown_account", "account_disabled", "code_expired", "wrong_code")
WRONG_CODE = "Mã xác thực không đúng, đã hết hạn hoặc đã được dùng"

OUTCOME_OF_STEP = {
    LoginStep.PASSWORD_CHANGE: LoginOutcome.PASSWORD_CHANGE_REQUIRED,
    LoginStep.MFA_ENROL: LoginOutcome.MFA_ENROLMENT_REQUIRED,
    LoginStep.MFA: LoginOutcome.MFA_REQUIRED,
}


def client_ip(raw: str) -> str:
    """Only a well-formed address reaches throttling and the audit log (anything else is attacker text)."""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return ""


def throttle_wait(uow: UnitOfWork, username: str, ip: str, now: datetime, deps: Deps) -> timedelta | None:
    policy = deps.rules.throttle
    waits = [blocked_for(uow.throttle.get(username), now)] if username else []
    if ip:
        waits.append(ip_blocked_for(uow.audit.failures_from(ip, now - policy.ip_window, COUNTED_FAILURES), now, policy))
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def register_login_failure(
    uow: UnitOfWork, deps: Deps, username: str, account: Account | None, now: datetime, request_id: str
) -> None:
    """Count one failure against ``username`` and start a lock when the count calls for one."""
    policy = deps.rules.throttle
    state, lock_started = register_failure(uow.throttle.get(username), now, policy)
    uow.throttle.save(username, state)
    uow.throttle.prune(now - policy.forget_after, now)
    if lock_started and state.locked_until is not None:
        uow.audit.append(
            entry(
                deps,
                actor="system",
                action="account.locked",
                school_id=account.school_id if account else None,
                target=account.id if account else "",
                request_id=request_id,
                detail={
                    "username": username,
                    "failures": state.failures,
                    "locked_until": state.locked_until.isoformat(),
                },
            )
        )
        if account is not None:
            until = state.locked_until.isoformat().replace("+00:00", "Z")
            uow.record(AccountLocked(user_id=account.id, school_id=account.school_id, locked_until=until))


def _login_input_problems(username: str, cmd: Login) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not username:
        problems["username"] = "Vui lòng nhập tên đăng nhập"
    elif len(username) > USERNAME_MAX_LENGTH:
        problems["username"] = f"Tên đăng nhập không được dài quá {USERNAME_MAX_LENGTH} ký tự"
    if not cmd.password:
        problems["password"] = "Vui lòng nhập mật khẩu"  # noqa: S105 - a message about the field, not a password
    elif len(cmd.password) > LOGIN_MAX_LENGTH:
        problems["password"] = f"Mật khẩu không được dài quá {LOGIN_MAX_LENGTH} ký tự"
    if cmd.client_ip and not client_ip(cmd.client_ip):
        problems["client_ip"] = "Địa chỉ IP của người dùng không hợp lệ"
    return problems


def _partial_principal(account: Account) -> Principal:
    """Before the last step the gateway learns only who is signing in, not what they may do."""
    return Principal(
        user_id="",
        username=account.username,
        full_name=account.full_name,
        school_id="",
        roles=(),
        permissions=frozenset(),
    )


def _open_session(
    uow: UnitOfWork, deps: Deps, account: Account, now: datetime, *, mfa_verified: bool, ip: str, request_id: str
) -> LoginResult:
    raw_id = deps.new_session_id()
    session = Session(
        key=session_key(raw_id),
        account_id=account.id,
        created_at=now,
        last_seen_at=now,
        expires_at=deps.policy.expires_at(now),
        mfa_verified=mfa_verified,
    )
    uow.sessions.add(session)
    account.last_login_at = now
    uow.accounts.update(account)
    uow.throttle.clear(account.username)
    uow.audit.append(
        entry(
            deps,
            actor=account.id,
            action="login.success",
            school_id=account.school_id,
            target=account.id,
            ip=ip,
            request_id=request_id,
            detail={"username": account.username, "mfa": mfa_verified},
        )
    )
    uow.record(UserLoggedIn(user_id=account.id, school_id=account.school_id))
    return LoginResult(
        outcome=LoginOutcome.SIGNED_IN,
        principal=principal_of(uow, account, now, mfa_verified=mfa_verified),
        session_id=raw_id,
        expires_at=session.expires_at,
    )


def _new_challenge(
    uow: UnitOfWork,
    deps: Deps,
    account: Account,
    steps: tuple[LoginStep, ...],
    now: datetime,
    carried: LoginChallenge | None = None,
) -> LoginResult:
    """Issue a fresh challenge for the remaining ``steps`` (ids change after every step)."""
    raw_id = deps.new_session_id()
    challenge = LoginChallenge(
        key=session_key(raw_id),
        account_id=account.id,
        steps=steps,
        created_at=now,
        expires_at=now + deps.rules.challenge_lifetime,
        new_password_hash=carried.new_password_hash if carried else None,
        enrolled_step=carried.enrolled_step if carried else None,
        pending_secret_encrypted=carried.pending_secret_encrypted if carried else None,
        mfa_verified=carried.mfa_verified if carried else False,
    )
    secret_view: MfaSecretView | None = None
    if steps[0] is LoginStep.MFA_ENROL:
        secret = mfa.new_secret()
        challenge.pending_secret_encrypted = deps.secrets.encrypt(secret)
        school = uow.schools.get(account.school_id)
        issuer = school.name if school else "Trường học"
        secret_view = MfaSecretView(
            secret=secret, provisioning_uri=mfa.provisioning_uri(secret, account.username, issuer)
        )
    uow.challenges.add(challenge)
    return LoginResult(
        outcome=OUTCOME_OF_STEP[steps[0]],
        principal=_partial_principal(account),
        challenge_id=raw_id,
        mfa_secret=secret_view,
    )


def login(cmd: Login, deps: Deps) -> LoginResult:
    """Check the password; open a session, or name the next step with a challenge."""
    username = normalise_username(cmd.username)
    ip = client_ip(cmd.client_ip)
    detail = {"username": username[:USERNAME_MAX_LENGTH], "user_agent": cmd.user_agent[:USER_AGENT_MAX]}

    def audit_failure(uow: UnitOfWork, outcome: str, account: Account | None) -> None:
        uow.audit.append(
            entry(
                deps,
                actor=account.id if account else "anonymous",
                action="login.failure",
                outcome=outcome,
                school_id=account.school_id if account else None,
                target=account.id if account else "",
                ip=ip,
                request_id=cmd.request_id,
                detail=detail,
            )
        )

    problems = _login_input_problems(username, cmd)
    if problems:
        with deps.uow() as uow:
            audit_failure(uow, "invalid_input", None)
            uow.commit()
        raise InvalidValueError(problems)

    now = deps.clock()
    with deps.uow(read_only=True) as uow:
        wait = throttle_wait(uow, username, ip, now, deps)
        account = uow.accounts.get_by_username(username)
    if wait is not None:
        # No hashing at all while locked: the answer costs the same for every name.
        with deps.uow() as uow:
            audit_failure(uow, "throttled", account)
            uow.commit()
        raise ThrottledError(retry_after_seconds(wait))

    stored = account.password_hash if account else deps.hasher.dummy_hash
    matches = deps.hasher.verify(stored, cmd.password)
    reason = None
    if account is None:
        reason = "unknown_account"
    elif not matches:
        reason = "wrong_password"
    elif not account.is_active:
        reason = "account_disabled"
    elif account.password_expires_at is not None and account.password_expires_at <= now:
        reason = "code_expired"
    if reason is not None:
        with deps.uow() as uow:
            audit_failure(uow, reason, account)
            register_login_failure(uow, deps, username, account, now, cmd.request_id)
            uow.commit()
        raise InvalidCredentialsError()
    assert account is not None  # narrowed by the checks above
    new_hash = deps.hasher.hash(cmd.password) if deps.hasher.needs_rehash(stored) else None

    with deps.uow() as uow:
        # Re-read under the write transaction: the account may have been disabled, or its password
        # changed, while the hash was being checked.
        current = uow.accounts.get(account.id)
        if current is None or not current.is_active or current.password_hash != stored:
            outcome = "account_disabled" if current is None or not current.is_active else "credentials_changed"
            audit_failure(uow, outcome, account)
            uow.commit()
            raise InvalidCredentialsError()
        if new_hash is not None:
            current.password_hash = new_hash
            uow.accounts.update(current)
            uow.audit.append(
                entry(
                    deps, actor=current.id, action="password.rehashed", school_id=current.school_id, target=current.id
                )
            )
        factor = uow.mfa.get(current.id)
        steps = login_steps(
            must_change_password=current.must_change_password,
            mfa_required=needs_mfa(uow, current, now, deps),
            mfa_enrolled=factor is not None and factor.enrolled,
        )
        if not steps:
            result = _open_session(uow, deps, current, now, mfa_verified=False, ip=ip, request_id=cmd.request_id)
        else:
            result = _new_challenge(uow, deps, current, steps, now)
            uow.audit.append(
                entry(
                    deps,
                    actor=current.id,
                    action="login.challenge",
                    school_id=current.school_id,
                    target=current.id,
                    ip=ip,
                    request_id=cmd.request_id,
                    detail={**detail, "steps": [s.value for s in steps]},
                )
            )
        uow.commit()
    return result


def _wrong_code(
    deps: Deps,
    challenge: LoginChallenge,
    account: Account,
    field: str,
    now: datetime,
    ip: str,
    request_id: str,
    step: LoginStep,
) -> NoReturn:
    """Count a wrong code against the challenge and the name; void the challenge at the limit."""
    with deps.uow() as uow:
        failures = uow.challenges.add_failure(challenge.key)
        voided = failures >= deps.rules.challenge_max_failures
        if voided:
            uow.challenges.close(challenge.key, now)
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="login.failure",
                outcome="wrong_code",
                school_id=account.school_id,
                target=account.id,
                ip=ip,
                request_id=request_id,
                detail={"username": account.username, "step": step.value, "challenge_voided": voided},
            )
        )
        register_login_failure(uow, deps, account.username, account, now, request_id)
        uow.commit()
    if voided:
        raise ChallengeInvalidError()
    raise InvalidValueError({field: WRONG_CODE})


def continue_login(cmd: ContinueLogin, deps: Deps) -> LoginResult:
    """Answer the current step of a pending sign-in; the last step opens the session."""
    ip = client_ip(cmd.client_ip)
    if not cmd.challenge_id:
        raise InvalidValueError({"challenge_id": "Thiếu mã lượt đăng nhập (challenge_id)"})
    key = session_key(cmd.challenge_id)
    now = deps.clock()
    with deps.uow(read_only=True) as uow:
        challenge = uow.challenges.get(key)
        account = uow.accounts.get(challenge.account_id) if challenge else None
        factor = uow.mfa.get(account.id) if account else None
        wait = throttle_wait(uow, account.username if account else "", ip, now, deps)
    if (
        challenge is None
        or account is None
        or challenge.closed_at is not None
        or challenge.expires_at <= now
        or not account.is_active
        or not challenge.steps
    ):
        with deps.uow() as uow:
            uow.audit.append(
                entry(
                    deps,
                    actor=account.id if account else "anonymous",
                    action="login.failure",
                    outcome="challenge_invalid",
                    school_id=account.school_id if account else None,
                    target=account.id if account else "",
                    ip=ip,
                    request_id=cmd.request_id,
                )
            )
            uow.commit()
        raise ChallengeInvalidError()
    if wait is not None:
        with deps.uow() as uow:
            uow.audit.append(
                entry(
                    deps,
                    actor=account.id,
                    action="login.failure",
                    outcome="throttled",
                    school_id=account.school_id,
                    target=account.id,
                    ip=ip,
                    request_id=cmd.request_id,
                )
            )
            uow.commit()
        raise ThrottledError(retry_after_seconds(wait))

    step = challenge.steps[0]
    carried = dataclasses.replace(challenge)
    code_step: int | None = None
    recovery_hash: str | None = None
    if step is LoginStep.PASSWORD_CHANGE:
        problem = password_problem(cmd.new_password, account.username, deps.rules.password_min_length)
        if problem is not None:
            raise InvalidValueError({"new_password": problem})
        if deps.hasher.verify(account.password_hash, cmd.new_password):
            raise InvalidValueError({"new_password": "Mật khẩu mới phải khác mật khẩu hiện tại (hoặc mã dùng một lần)"})
        carried.new_password_hash = deps.hasher.hash(cmd.new_password)
    elif step is LoginStep.MFA_ENROL:
        if not cmd.totp_code:
            raise InvalidValueError({"totp_code": "Vui lòng nhập mã 6 chữ số từ ứng dụng xác thực"})
        secret = deps.secrets.decrypt(challenge.pending_secret_encrypted or "")
        accepted = mfa.accept_totp(secret, cmd.totp_code, now, None)
        if accepted is None:
            _wrong_code(deps, challenge, account, "totp_code", now, ip, cmd.request_id, step)
        carried.enrolled_step = accepted
        carried.mfa_verified = True
    else:
        if not cmd.totp_code and not cmd.recovery_code:
            raise InvalidValueError(
                {"totp_code": "Vui lòng nhập mã 6 chữ số từ ứng dụng xác thực hoặc một mã dự phòng"}
            )
        if factor is None or not factor.enrolled:
            raise ChallengeInvalidError()
        if cmd.recovery_code:
            recovery_hash = mfa.hash_recovery_code(account.id, cmd.recovery_code)
        else:
            code_step = mfa.accept_totp(
                deps.secrets.decrypt(factor.secret_encrypted or ""), cmd.totp_code, now, factor.last_used_step
            )
            if code_step is None:
                _wrong_code(deps, challenge, account, "totp_code", now, ip, cmd.request_id, step)
        carried.mfa_verified = True

    remaining = challenge.steps[1:]
    with deps.uow() as uow:
        # Claim single-use codes atomically: a code that raced another request fails here.
        used_ok = True
        if recovery_hash is not None:
            used_ok = uow.recovery_codes.use(account.id, recovery_hash, now)
        elif code_step is not None:
            used_ok = uow.mfa.claim_step(account.id, code_step)
        if not used_ok:
            uow.rollback()
        elif not uow.challenges.close(key, now):
            raise ChallengeInvalidError()
        else:
            current = uow.accounts.get(account.id)
            if current is None or not current.is_active:
                raise ChallengeInvalidError()
            if recovery_hash is not None:
                uow.audit.append(
                    entry(
                        deps,
                        actor=current.id,
                        action="mfa.recovery_code_used",
                        school_id=current.school_id,
                        target=current.id,
                        ip=ip,
                        request_id=cmd.request_id,
                    )
                )
            if remaining:
                result = _new_challenge(uow, deps, current, remaining, now, carried)
                uow.audit.append(
                    entry(
                        deps,
                        actor=current.id,
                        action="login.step",
                        school_id=current.school_id,
                        target=current.id,
                        ip=ip,
                        request_id=cmd.request_id,
                        detail={"done": step.value, "next": [s.value for s in remaining]},
                    )
                )
            else:
                result = _finish(uow, deps, current, carried, now, ip, cmd.request_id)
            uow.commit()
            return result
    field = "recovery_code" if recovery_hash is not None else "totp_code"
    _wrong_code(deps, challenge, account, field, now, ip, cmd.request_id, step)


def _finish(
    uow: UnitOfWork, deps: Deps, account: Account, done: LoginChallenge, now: datetime, ip: str, request_id: str
) -> LoginResult:
    """Apply what the steps produced, then open the session, all in one transaction."""
    recovery_codes: list[str] = []
    if done.new_password_hash is not None:
        account.password_hash = done.new_password_hash
        account.must_change_password = False
        account.password_expires_at = None
        account.password_changed_at = now
        uow.accounts.update(account)
        uow.sessions.revoke_all_for(account.id, now)
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="password.changed",
                school_id=account.school_id,
                target=account.id,
                ip=ip,
                request_id=request_id,
                detail={"during_sign_in": True},
            )
        )
        uow.record(PasswordChanged(user_id=account.id, school_id=account.school_id, by_reset=False))
    if done.pending_secret_encrypted is not None and done.enrolled_step is not None:
        uow.mfa.save(
            MfaFactor(
                account_id=account.id,
                secret_encrypted=done.pending_secret_encrypted,
                enrolled_at=now,
                last_used_step=done.enrolled_step,
            )
        )
        recovery_codes = mfa.new_recovery_codes()
        uow.recovery_codes.replace(account.id, [mfa.hash_recovery_code(account.id, c) for c in recovery_codes], now)
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="mfa.enrolled",
                school_id=account.school_id,
                target=account.id,
                ip=ip,
                request_id=request_id,
                detail={"during_sign_in": True},
            )
        )
        uow.record(MfaEnrolled(user_id=account.id, school_id=account.school_id))
    opened = _open_session(uow, deps, account, now, mfa_verified=done.mfa_verified, ip=ip, request_id=request_id)
    return LoginResult(
        outcome=opened.outcome,
        principal=opened.principal,
        session_id=opened.session_id,
        expires_at=opened.expires_at,
        recovery_codes=tuple(recovery_codes),
    )


def _require_session_id(session_id: str) -> None:
    if not session_id:
        raise InvalidValueError({"session_id": "Thiếu mã phiên đăng nhập (session_id)"})


def _live(uow: UnitOfWork, deps: Deps, key: str, now: datetime) -> tuple[Session, Account]:
    session = uow.sessions.get(key)
    if session is None:
        raise SessionInvalidError()
    state = deps.policy.state(
        last_seen_at=session.last_seen_at, expires_at=session.expires_at, revoked_at=session.revoked_at, now=now
    )
    if state is not SessionState.LIVE:
        raise SessionInvalidError()
    # Checked on every call: disabling an account ends its sessions at once, not at expiry.
    account = uow.accounts.get(session.account_id)
    if account is None or not account.is_active:
        raise SessionInvalidError()
    return session, account


def validate_session(cmd: ValidateSession, deps: Deps) -> SessionView:
    """The principal of a live session, or SessionInvalidError.

    Reads happen without the write lock; the idle timer is written only when it is older than the
    policy's touch interval, so a busy user costs one write every 30 s, not one per request.
    """
    _require_session_id(cmd.session_id)
    key = session_key(cmd.session_id)
    now = deps.clock()
    with deps.uow(read_only=True) as uow:
        session, account = _live(uow, deps, key, now)
        principal = principal_of(
            uow, account, now, mfa_verified=session.mfa_verified, stepped_up_until=session.stepped_up_until
        )
    if deps.policy.needs_touch(session.last_seen_at, now):
        with deps.uow() as uow:
            uow.sessions.touch(key, now)
            uow.commit()
    return SessionView(principal=principal, expires_at=session.expires_at)


def logout(cmd: Logout, deps: Deps) -> None:
    """Revoke the session; an unknown or already revoked session is not an error (idempotent)."""
    _require_session_id(cmd.session_id)
    key = session_key(cmd.session_id)
    with deps.uow() as uow:
        now = deps.clock()
        session = uow.sessions.get(key)
        revoked = uow.sessions.revoke(key, now) if session is not None else False
        account = uow.accounts.get(session.account_id) if session is not None else None
        uow.audit.append(
            entry(
                deps,
                actor=session.account_id if session is not None else "anonymous",
                action="logout",
                outcome="ok" if revoked else "no_live_session",
                school_id=account.school_id if account is not None else None,
                target=session.account_id if session is not None else "",
                request_id=cmd.request_id,
            )
        )
        uow.commit()


def step_up(cmd: StepUp, deps: Deps) -> datetime:
    """Re-check the second factor inside a live session; returns the end of the step-up window."""
    _require_session_id(cmd.session_id)
    ip = client_ip(cmd.client_ip)
    key = session_key(cmd.session_id)
    now = deps.clock()
    with deps.uow(read_only=True) as uow:
        _, account = _live(uow, deps, key, now)
        factor = uow.mfa.get(account.id)
        wait = throttle_wait(uow, account.username, ip, now, deps)
    if wait is not None:
        raise ThrottledError(retry_after_seconds(wait))
    if factor is None or not factor.enrolled:
        raise PreconditionError("Tài khoản chưa bật xác thực hai lớp; hãy đăng ký ứng dụng xác thực trước")
    step = mfa.accept_totp(
        deps.secrets.decrypt(factor.secret_encrypted or ""), cmd.totp_code, now, factor.last_used_step
    )
    until = now + deps.rules.step_up
    with deps.uow() as uow:
        if step is not None and uow.mfa.claim_step(account.id, step):
            uow.sessions.step_up(key, until)
            uow.audit.append(
                entry(
                    deps,
                    actor=account.id,
                    action="mfa.step_up",
                    school_id=account.school_id,
                    target=account.id,
                    ip=ip,
                    request_id=cmd.request_id,
                    detail={"until": until.isoformat()},
                )
            )
            uow.commit()
            return until
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=account.id,
                action="mfa.step_up",
                outcome="wrong_code",
                school_id=account.school_id,
                target=account.id,
                ip=ip,
                request_id=cmd.request_id,
            )
        )
        register_login_failure(uow, deps, account.username, account, now, cmd.request_id)
        uow.commit()
    raise InvalidValueError({"totp_code": WRONG_CODE})
