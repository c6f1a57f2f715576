"""Browser sessions: identity's opaque session id in the cookie, validated against identity with a short cache.

The cookie (Flask's signed session, named ``tv_session``) holds identity's session id and, because
Flask-WTF keeps it there, the CSRF secret; never the principal, roles or permissions. Each request
asks identity who the session belongs to, cached per process for SESSION_CACHE_SECONDS (2 s by
default), so a session revoked in identity stops working here within that time.
"""

from __future__ import annotations

import hashlib
import threading
import time

import flask
import grpc
from flask import g, request, session

from school.identity.v1 import identity_pb2
from school_gateway.principal import Principal
from school_gateway.upstream import as_gateway, stub
from schoolkit.logging import get_logger

log = get_logger(__name__)

SESSION_KEY = "sid"
CACHE_EXTENSION = "school_gateway.session_cache"
_MAX_USER_AGENT = 256


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


def sign_in(username: str, password: str) -> Principal:
    """Check credentials with identity and start a fresh session (raises grpc.RpcError on refusal)."""
    with as_gateway():
        answer = stub("identity").Login(
            identity_pb2.LoginRequest(
                username=username,
                password=password,
                client_ip=client_ip(),
                user_agent=(request.user_agent.string or "")[:_MAX_USER_AGENT],
            )
        )
    previous = session.get(SESSION_KEY)
    if isinstance(previous, str) and previous:
        cache().drop(previous)
    # A brand-new cookie: nothing from before sign-in (including the CSRF secret) survives it.
    session.clear()
    g.pop("csrf_token", None)
    session[SESSION_KEY] = answer.session_id
    principal = Principal.from_proto(answer.principal)
    cache().put(answer.session_id, principal)
    g.principal_checked = True
    g.principal = principal
    log.info("session.signed_in", user_id=principal.user_id)
    return principal


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
