"""Browser sessions: identity's opaque session id in the cookie, validated against identity with a short cache.

The cookie (Flask's signed session, named ``tv_session``) holds identity's session id and, because
Flask-WTF keeps it there, the CSRF secret; never the principal, roles or permissions. Each request
asks identity who the session belongs to, cached per process for SESSION_CACHE_SECONDS (2 s by
default), so a session revoked in identity stops working here within that time.

Sign-in is a small state machine driven by identity's LoginOutcome: after the password, identity
may ask for a new password, a TOTP enrolment or a TOTP/recovery code before it opens a session.
While a step is pending the cookie holds only the pending sign-in (identity's challenge id, which
step, when it expires): never a session id, so nothing but the step pages and public routes can be
reached. Only SIGNED_IN puts a session id into the cookie, and always a new one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import flask
import grpc
from flask import g, request, session

from school.identity.v1 import identity_pb2
from school_gateway.errors import UPSTREAM_FAULT, GatewayError, translate
from school_gateway.principal import Principal, timestamp_seconds
from school_gateway.upstream import as_gateway, stub
from schoolkit.logging import get_logger

log = get_logger(__name__)

SESSION_KEY = "sid"
#: The pending sign-in (challenge) while identity waits for another step.
SIGNIN_KEY = "signin"
CACHE_EXTENSION = "school_gateway.session_cache"
_MAX_USER_AGENT = 256
#: identity keeps a challenge for 5 minutes; the gateway forgets it at the same time.
CHALLENGE_LIFETIME_S = 300

SIGNED_IN = "signed_in"
PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 - an outcome name, not a password
MFA_ENROLMENT_REQUIRED = "mfa_enrolment_required"
MFA_REQUIRED = "mfa_required"
OUTCOMES: Mapping[int, str] = {
    identity_pb2.LOGIN_OUTCOME_SIGNED_IN: SIGNED_IN,
    identity_pb2.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED: PASSWORD_CHANGE_REQUIRED,
    identity_pb2.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED: MFA_ENROLMENT_REQUIRED,
    identity_pb2.LOGIN_OUTCOME_MFA_REQUIRED: MFA_REQUIRED,
}
#: The page that asks for each pending step (all in the core plugin).
STEP_ENDPOINTS: Mapping[str, str] = {
    PASSWORD_CHANGE_REQUIRED: "core.signin_password",
    MFA_ENROLMENT_REQUIRED: "core.signin_mfa_setup",
    MFA_REQUIRED: "core.signin_mfa",
}


class SessionCache:
    """Per-process memo of ValidateSession answers, keyed by a hash so raw session ids are not kept in memory."""

    def __init__(self, ttl_s: float, max_entries: int = 10_000):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def get(self, session_id: str) -> Principal | None:
        if self.ttl_s <= 0:
            return None
        key = self.key(session_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, session_id: str, principal: Principal) -> None:
        if self.ttl_s <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                # Drop expired entries first; if still full, forget everything (it is only a cache).
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[self.key(session_id)] = (now + self.ttl_s, principal)

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._entries.pop(self.key(session_id), None)


def cache(app: flask.Flask | None = None) -> SessionCache:
    target = app if app is not None else flask.current_app
    return target.extensions[CACHE_EXTENSION]


def current_principal() -> Principal | None:
    """The principal of this request's session, or None when signed out (asked of identity once per request)."""
    if "principal_checked" in g:
        return g.get("principal")
    g.principal_checked = True
    g.principal = None
    session_id = session.get(SESSION_KEY)
    if not isinstance(session_id, str) or not session_id:
        return None
    memo = cache()
    principal = memo.get(session_id)
    if principal is None:
        try:
            with as_gateway():
                answer = stub("identity").ValidateSession(identity_pb2.ValidateSessionRequest(session_id=session_id))
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.UNAUTHENTICATED:
                # Expired, revoked or unknown: the browser is signed out; drop the stale cookie.
                log.info("session.invalid")
                memo.drop(session_id)
                session.clear()
                return None
            raise
        principal = Principal.from_proto(answer.principal)
        memo.put(session_id, principal)
    g.principal = principal
    return principal


def loaded_principal() -> Principal | None:
    """The principal if this request already looked it up; never calls identity (safe in error pages)."""
    return g.get("principal") if flask.has_request_context() else None


def client_ip() -> str:
    return request.remote_addr or ""


def sign_out() -> None:
    """Revoke the session in identity, forget it here and clear the cookie."""
    session_id = session.get(SESSION_KEY)
    user_id = getattr(g.get("principal"), "user_id", "")
    session.clear()
    g.pop("csrf_token", None)
    g.principal = None
    if not isinstance(session_id, str) or not session_id:
        return
    cache().drop(session_id)
    try:
        with as_gateway():
            stub("identity").Logout(identity_pb2.LogoutRequest(session_id=session_id))
    except grpc.RpcError as err:
        # The cookie is gone either way; identity's idle timeout ends the session if it was unreachable.
        log.error("session.logout_failed", grpc_code=err.code().name if err.code() else "UNKNOWN", user_id=user_id)
        return
    log.info("session.signed_out", user_id=user_id)


# --- Sign-in steps --------------------------------------------------------------------------------


class SignInExpiredError(Exception):
    """No sign-in is pending, or identity no longer knows its challenge (expired, used up)."""


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in waiting for its next step; lives only in the signed cookie, for CHALLENGE_LIFETIME_S."""

    challenge_id: str
    outcome: str
    expires_at: float
    username: str = ""
    full_name: str = ""
    next_url: str | None = None
    mfa_secret: str = ""
    provisioning_uri: str = ""

    @property
    def endpoint(self) -> str:
        return STEP_ENDPOINTS[self.outcome]

    def to_session(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_session(cls, data: object) -> PendingSignIn | None:
        if not isinstance(data, Mapping):
            return None
        try:
            pending = cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})
        except TypeError:
            return None
        if not isinstance(pending.challenge_id, str) or not pending.challenge_id:
            return None
        if pending.outcome not in STEP_ENDPOINTS or not isinstance(pending.expires_at, int | float):
            return None
        return pending


@dataclass(frozen=True)
class SignInResult:
    """Where a sign-in stands after identity's answer: signed in, or the next step."""

    outcome: str
    principal: Principal | None = None
    pending: PendingSignIn | None = None
    recovery_codes: tuple[str, ...] = ()
    next_url: str | None = None  # where the browser wanted to go before signing in


def pending_sign_in() -> PendingSignIn | None:
    """The pending sign-in of this browser, or None (an expired one is forgotten here)."""
    raw = session.get(SIGNIN_KEY)
    if raw is None:
        return None
    pending = PendingSignIn.from_session(raw)
    if pending is None or pending.expires_at <= time.time():
        session.pop(SIGNIN_KEY, None)
        return None
    return pending


def clear_pending_sign_in() -> None:
    session.pop(SIGNIN_KEY, None)


def _start_fresh_cookie() -> None:
    """Forget everything the cookie held (old session, CSRF secret, pending step): a new cookie per step."""
    previous = session.get(SESSION_KEY)
    if isinstance(previous, str) and previous:
        cache().drop(previous)
    session.clear()
    g.pop("csrf_token", None)
    g.principal_checked = True
    g.principal = None


def _user_agent() -> str:
    return (request.user_agent.string or "")[:_MAX_USER_AGENT]


def start_sign_in(username: str, password: str, next_url: str | None = None) -> SignInResult:
    """Check the password with identity; open a session or record the next step (raises grpc.RpcError)."""
    with as_gateway():
        answer = stub("identity").Login(
            identity_pb2.LoginRequest(
                username=username, password=password, client_ip=client_ip(), user_agent=_user_agent()
            )
        )
    return _apply(answer, next_url)


def continue_sign_in(*, new_password: str = "", totp_code: str = "", recovery_code: str = "") -> SignInResult:
    """Answer the pending step (raises SignInExpiredError, or grpc.RpcError for a refused answer)."""
    pending = pending_sign_in()
    if pending is None:
        raise SignInExpiredError
    try:
        with as_gateway():
            answer = stub("identity").ContinueLogin(
                identity_pb2.ContinueLoginRequest(
                    challenge_id=pending.challenge_id,
                    new_password=new_password,
                    totp_code=totp_code,
                    recovery_code=recovery_code,
                    client_ip=client_ip(),
                )
            )
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.UNAUTHENTICATED:
            clear_pending_sign_in()
            log.info("session.signin_expired", step=pending.outcome)
            raise SignInExpiredError from None
        raise
    return _apply(answer.result, pending.next_url, tuple(answer.recovery_codes))


def _apply(answer: Any, next_url: str | None, recovery_codes: Sequence[str] = ()) -> SignInResult:
    outcome = OUTCOMES.get(answer.outcome)
    if outcome is None and answer.outcome == identity_pb2.LOGIN_OUTCOME_UNSPECIFIED and answer.session_id:
        # An identity that predates sign-in steps answers a bare session: that is a completed sign-in.
        outcome = SIGNED_IN
    if outcome == SIGNED_IN and answer.session_id:
        _start_fresh_cookie()
        session[SESSION_KEY] = answer.session_id
        principal = Principal.from_proto(answer.principal)
        cache().put(answer.session_id, principal)
        g.principal = principal
        log.info("session.signed_in", user_id=principal.user_id, mfa_verified=principal.mfa_verified)
        return SignInResult(SIGNED_IN, principal=principal, recovery_codes=tuple(recovery_codes), next_url=next_url)
    if outcome is None or outcome == SIGNED_IN or not answer.challenge_id:
        log.error("session.signin_unexpected_answer", outcome=int(answer.outcome))
        raise GatewayError(UPSTREAM_FAULT.http, UPSTREAM_FAULT.code, translate(UPSTREAM_FAULT.message))
    _start_fresh_cookie()
    pending = PendingSignIn(
        challenge_id=answer.challenge_id,
        outcome=outcome,
        expires_at=time.time() + CHALLENGE_LIFETIME_S,
        username=answer.principal.username,
        full_name=answer.principal.full_name,
        next_url=next_url,
        mfa_secret=answer.mfa_secret.secret if outcome == MFA_ENROLMENT_REQUIRED else "",
        provisioning_uri=answer.mfa_secret.provisioning_uri if outcome == MFA_ENROLMENT_REQUIRED else "",
    )
    session[SIGNIN_KEY] = pending.to_session()
    log.info("session.signin_step", step=outcome)
    return SignInResult(outcome, pending=pending, recovery_codes=tuple(recovery_codes), next_url=next_url)


# --- Within a session -------------------------------------------------------------------------------


def current_session_id() -> str:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) else ""


def refresh_principal() -> None:
    """Forget the cached answer for this session: the next request asks identity again (after own changes)."""
    session_id = current_session_id()
    if session_id:
        cache().drop(session_id)


def step_up(totp_code: str) -> Principal:
    """Re-check the second factor inside this session; the principal then counts as stepped up for a while."""
    session_id = current_session_id()
    principal = current_principal()
    if not session_id or principal is None:
        raise SignInExpiredError
    with as_gateway():
        answer = stub("identity").StepUp(identity_pb2.StepUpRequest(session_id=session_id, totp_code=totp_code))
    stepped = dataclasses.replace(principal, stepped_up_until=timestamp_seconds(answer, "stepped_up_until"))
    cache().put(session_id, stepped)
    g.principal = stepped
    log.info("session.stepped_up", user_id=stepped.user_id)
    return stepped
