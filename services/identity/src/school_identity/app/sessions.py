"""Use cases: validate a session (refreshing its idle timer) and log out (revoking it)."""

from __future__ import annotations

from school_identity.app.commands import Logout, SessionView, ValidateSession
from school_identity.app.deps import Deps
from school_identity.domain.errors import InvalidValueError, SessionInvalidError
from school_identity.domain.model import AuditEntry
from school_identity.domain.sessions import SessionState, session_key


def _require_session_id(session_id: str) -> None:
    if not session_id:
        raise InvalidValueError({"session_id": "Thiếu mã phiên đăng nhập (session_id)"})


def validate_session(cmd: ValidateSession, deps: Deps) -> SessionView:
    """The principal of a live session, or SessionInvalidError.

    Reads happen without the write lock; the idle timer is written only when it is older than the
    policy's touch interval, so a busy user costs one write every 30 s, not one per request.
    """
    _require_session_id(cmd.session_id)
    key = session_key(cmd.session_id)
    now = deps.clock()
    with deps.uow(read_only=True) as uow:
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
    if deps.policy.needs_touch(session.last_seen_at, now):
        with deps.uow() as uow:
            uow.sessions.touch(key, now)
            uow.commit()
    return SessionView(principal=account.principal(), expires_at=session.expires_at)


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
            AuditEntry(
                at=now,
                actor=session.account_id if session is not None else "anonymous",
                action="logout",
                outcome="ok" if revoked else "no_live_session",
                school_id=account.school_id if account is not None else None,
                request_id=cmd.request_id,
            )
        )
        uow.commit()
