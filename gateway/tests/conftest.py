"""Gateway test fixtures: in-process fake identity/students/grades gRPC servers and a gateway app wired to them.

The fakes run behind schoolkit's real server interceptor with a TokenVerifier per audience, so
every call the gateway makes must carry a valid, correctly addressed internal token; the fakes
record the verified caller and the raw token of each call for the tests to inspect.

The fake identity serves IdentityService, StaffService and AccessService on one address, as the
real one does, with small in-memory versions of its rules: the sign-in state machine (first
sign-in → new password → TOTP enrolment → signed in; a TOTP code every time after that), TOTP
codes that work once (RFC 6238, computed here), recovery codes, throttling after repeated
failures with a "retry-after" trailer, step-up, staff records with completeness, the citizen id
only for holders of the capability, roles with a separation-of-duties rule, scoped assignments,
the account review and an audit log.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import secrets
import struct
import threading
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from google.protobuf import timestamp_pb2

from school.grades.v1 import checks_pb2_grpc, gradebook_pb2_grpc, grades_pb2, grades_pb2_grpc, results_pb2_grpc
from school.grades.v1 import records_pb2_grpc as grades_records_pb2_grpc
from school.identity.v1 import (
    access_pb2,
    access_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
    staff_pb2,
    staff_pb2_grpc,
)
from school.students.v1 import (
    attendance_pb2_grpc,
    lists_pb2_grpc,
    movements_pb2_grpc,
    records_pb2_grpc,
    students_pb2,
    students_pb2_grpc,
)
from school_gateway.app import create_app
from school_gateway.i18n import compile_catalogues
from schoolkit.context import Caller, caller_var
from schoolkit.grpc_errors import (
    AlreadyExistsError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    UnauthenticatedError,
)
from schoolkit.grpc_server import GrpcServer, require, start_server
from schoolkit.tokens import TokenVerifier, generate_keypair, load_public_key

PASSWORD = "TrungVuong@2026"
SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
#: The principal's authenticator secret (base32), so tests can compute codes.
HT_SECRET = "JBSWY3DPEHPK3PXP"
#: Consecutive sign-in failures before the fake throttles, and how long it asks to wait.
THROTTLE_AFTER = 5
THROTTLE_SECONDS = 120
CHALLENGE_LIFETIME_S = 300
STEP_UP_S = 300
COMMON_PASSWORDS = frozenset({"12345678", "password", "matkhau123", "123456789"})
VIETNAM = dt.timezone(dt.timedelta(hours=7))

STUDENT_PERMISSIONS = frozenset(
    {
        "students:school_year:read",
        "students:school_year:write",
        "students:class:read",
        "students:class:write",
        "students:student:read",
        "students:student:write",
        "grades:roster:read",
    }
)
IDENTITY_PERMISSIONS = frozenset(
    {
        "identity:me:read",
        "identity:me:write",
        "identity:staff:read",
        "identity:staff:write",
        "identity:staff:read_sensitive",
        "identity:staff:import",
        "identity:staff:export",
        "identity:department:write",
        "identity:role:read",
        "identity:role:write",
        "identity:assignment:read",
        "identity:assignment:write",
        "identity:account:read",
        "identity:account:write",
        "identity:review:read",
        "identity:audit:read",
        "identity:audit:export",
        "export:bulk",
    }
)
ALL_STUDENT_PERMISSIONS = STUDENT_PERMISSIONS | {"identity:me:read"}
OFFICE_PERMISSIONS = frozenset(
    {
        "identity:me:read",
        "identity:me:write",
        "identity:staff:read",
        "identity:staff:write",
        "identity:staff:import",
        "identity:staff:export",
        "identity:department:write",
        "students:school_year:read",
        "students:class:read",
    }
)
PHT_PERMISSIONS = frozenset(
    {
        "identity:me:read",
        "identity:me:write",
        "identity:staff:read",
        "identity:review:read",
        "identity:role:read",
        "identity:assignment:read",
        "students:school_year:read",
        "students:class:read",
    }
)
GRADE_PERMISSIONS = frozenset({"grades:score:write", "grades:score:lock"})


# --- TOTP (RFC 6238: SHA-1, 6 digits, 30 s) ------------------------------------------------------------


def hotp(secret: str, counter: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")


def _counter(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // 30)


#: Steps accepted around now (clock drift); each (account, step) works once.
DRIFT_STEPS = (0, -1, 1, -2, 2)


def ts(seconds: float) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromSeconds(int(seconds))
    return stamp


# --- Accounts -------------------------------------------------------------------------------------------


@dataclass
class Account:
    user_id: str
    username: str
    full_name: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    scopes: frozenset[str] = frozenset()
    password: str = PASSWORD
    must_change_password: bool = False
    mfa_required: bool = False
    mfa_secret: str = ""
    pending_secret: str = ""
    recovery_codes: list[str] = field(default_factory=list)
    active: bool = True
    staff_id: str = ""
    last_login_at: float | None = None
    password_changed_at: float = field(default_factory=lambda: time.time() - 10 * 86400)

    def principal(self, session: FakeSession | None = None) -> identity_pb2.Principal:
        message = identity_pb2.Principal(
            user_id=self.user_id,
            username=self.username,
            full_name=self.full_name,
            school_id=SCHOOL_ID,
            roles=list(self.roles),
            permissions=sorted(self.permissions),
            scopes=sorted(self.scopes),
            mfa_verified=bool(session and session.mfa_verified),
        )
        if session is not None and session.stepped_up_until:
            message.stepped_up_until.CopyFrom(ts(session.stepped_up_until))
        return message

    def proto(self) -> identity_pb2.Account:
        message = identity_pb2.Account(
            user_id=self.user_id,
            username=self.username,
            full_name=self.full_name,
            active=self.active,
            roles=list(self.roles),
            mfa_enrolled=bool(self.mfa_secret),
            mfa_required=self.mfa_required,
            must_change_password=self.must_change_password,
            staff_id=self.staff_id,
        )
        if self.last_login_at:
            message.last_login_at.CopyFrom(ts(self.last_login_at))
        message.password_changed_at.CopyFrom(ts(self.password_changed_at))
        return message


def make_accounts() -> dict[str, Account]:
    """The school's accounts at the start of every test."""
    now = time.time()
    return {
        "hieutruong": Account(
            "u-ht",
            "hieutruong",
            "Nguyễn Văn Hiệu",
            ("HT",),
            STUDENT_PERMISSIONS | IDENTITY_PERMISSIONS,
            frozenset({"school"}),
            mfa_required=True,
            mfa_secret=HT_SECRET,
            staff_id="s-ht",
            last_login_at=now - 86400,
        ),
        "gvbm": Account(
            "u-gvbm",
            "gvbm",
            "Trần Thị Bích",
            ("GVBM",),
            frozenset(
                {
                    "students:school_year:read",
                    "students:class:read",
                    "students:student:read",
                    "identity:me:read",
                    "identity:me:write",
                }
            ),
            frozenset({"class_subject:c-3a:TOAN"}),
            staff_id="s-gvbm",
            last_login_at=now - 200 * 86400,
            password_changed_at=now - 400 * 86400,
        ),
        "thietbi": Account("u-tb", "thietbi", "Lê Văn Thiết", ("TB",), frozenset({"identity:me:read"})),
        "vanphong": Account(
            "u-vp",
            "vanphong",
            "Phạm Thị Văn",
            ("VP",),
            OFFICE_PERMISSIONS,
            frozenset({"school"}),
            staff_id="s-vp",
            last_login_at=now - 3600,
        ),
        "phohieutruong": Account(
            "u-pht",
            "phohieutruong",
            "Đỗ Minh Phó",
            ("PHT",),
            PHT_PERMISSIONS,
            frozenset({"school"}),
            password="MotLanDuyNhat1",
            must_change_password=True,
            mfa_required=True,
        ),
    }


@dataclass
class FakeSession:
    username: str
    mfa_verified: bool = False
    stepped_up_until: float = 0.0


@dataclass
class Challenge:
    username: str
    outcome: int
    expires_at: float
    mfa_done: bool = False


@dataclass
class Call:
    """One call a fake received: method name, the verified caller and the raw bearer token."""

    method: str
    subject: str
    permissions: frozenset[str]
    token: str
    request_id: str

    @property
    def claims(self) -> dict[str, Any]:
        return jwt.decode(self.token, options={"verify_signature": False})


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, context: grpc.ServicerContext) -> None:
        caller = caller_var.get()
        md = dict(context.invocation_metadata())
        token = str(md.get("authorization", ""))[7:]
        with self.lock:
            self.calls.append(
                Call(
                    method,
                    caller.subject if caller else "",
                    caller.permissions if caller else frozenset(),
                    token,
                    str(md.get("x-request-id", "")),
                )
            )

    def methods(self) -> list[str]:
        with self.lock:
            return [c.method for c in self.calls]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


def _caller() -> Caller:
    caller = caller_var.get()
    assert caller is not None
    return caller


def _password_problem(new: str, old: str) -> str | None:
    if not new:
        return "Vui lòng nhập mật khẩu mới"
    if len(new) < 8:
        return "Mật khẩu phải có ít nhất 8 ký tự"
    if new.lower() in COMMON_PASSWORDS:
        return "Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác"
    if new == old:
        return "Mật khẩu mới phải khác mật khẩu cũ"
    return None


def _reason_problem(reason: str) -> dict[str, str]:
    return {} if 5 <= len(reason.strip()) <= 500 else {"reason": "Vui lòng ghi lý do (5–500 ký tự)"}


def _page(items: list[Any], size: int, token: str) -> tuple[list[Any], str]:
    start = int(token) if token.isdigit() else 0
    size = size or 50
    end = start + size
    return items[start:end], (str(end) if end < len(items) else "")


# --- identity: IdentityService --------------------------------------------------------------------------------


@dataclass
class AuditEntry:
    id: int
    at: float
    actor: str
    actor_username: str
    action: str
    outcome: str
    target: str
    detail: str = ""


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, FakeSession] = {}
        self.challenges: dict[str, Challenge] = {}
        self.login_requests: list[identity_pb2.LoginRequest] = []
        self.continue_requests: list[identity_pb2.ContinueLoginRequest] = []
        self.failures: dict[str, int] = {}
        self.used_steps: set[tuple[str, int]] = set()
        self.audit: list[AuditEntry] = []
        self.throttled = False
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        self.accounts = make_accounts()
        self.sessions.clear()
        self.challenges.clear()
        self.login_requests.clear()
        self.continue_requests.clear()
        self.failures.clear()
        self.used_steps.clear()
        self.audit.clear()
        self.throttled = False

    # Helpers for tests ---------------------------------------------------------------------------------

    def revoke_all(self) -> None:
        self.sessions.clear()

    def fresh_code(self, username: str, secret: str | None = None) -> str:
        """A TOTP code the fake will accept now for ``username`` (not used yet)."""
        account = self.accounts[username]
        key = secret or account.mfa_secret or account.pending_secret
        now = _counter()
        for offset in DRIFT_STEPS:
            if (username, now + offset) not in self.used_steps:
                return hotp(key, now + offset)
        raise AssertionError("every code of the drift window is used up")

    def by_id(self, user_id: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.user_id == user_id), None)

    def record_audit(self, action: str, outcome: str = "success", target: str = "", detail: str = "") -> None:
        caller = caller_var.get()
        actor = caller.subject if caller and not caller.is_service else "anonymous"
        username = caller.username if caller and not caller.is_service else ""
        self.add_audit(action, outcome, actor, username, target, detail)

    def add_audit(
        self, action: str, outcome: str, actor: str, username: str, target: str, detail: str = "", at: float = 0
    ) -> None:
        with self.lock:
            self.audit.append(
                AuditEntry(len(self.audit) + 1, at or time.time(), actor, username, action, outcome, target, detail)
            )

    # TOTP ---------------------------------------------------------------------------------------------------

    def _code_ok(self, account: Account, secret: str, code: str) -> bool:
        if not secret or len(code) != 6:
            return False
        now = _counter()
        with self.lock:
            for offset in DRIFT_STEPS:
                step = now + offset
                if hotp(secret, step) == code and (account.username, step) not in self.used_steps:
                    self.used_steps.add((account.username, step))
                    return True
        return False

    # Sign-in ----------------------------------------------------------------------------------------------

    def _enter(self, method: str, context: grpc.ServicerContext, permission: str) -> None:
        self.recorder.record(method, context)
        require(permission)

    def _open_session(self, account: Account, mfa_verified: bool) -> identity_pb2.LoginResponse:
        session_id = secrets.token_urlsafe(32)
        self.sessions[session_id] = FakeSession(account.username, mfa_verified=mfa_verified)
        account.last_login_at = time.time()
        self.add_audit("login.success", "success", account.user_id, account.username, account.user_id)
        return identity_pb2.LoginResponse(
            session_id=session_id,
            principal=account.principal(self.sessions[session_id]),
            outcome=identity_pb2.LOGIN_OUTCOME_SIGNED_IN,
            expires_at=ts(time.time() + 12 * 3600),
        )

    def _next(self, account: Account, mfa_done: bool) -> identity_pb2.LoginResponse:
        """What a sign-in still needs, in identity's order: password, enrolment, code; then a session."""
        if account.must_change_password:
            outcome = identity_pb2.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED
        elif account.mfa_required and not account.mfa_secret:
            outcome = identity_pb2.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED
        elif account.mfa_secret and not mfa_done:
            outcome = identity_pb2.LOGIN_OUTCOME_MFA_REQUIRED
        else:
            return self._open_session(account, mfa_verified=mfa_done)
        challenge_id = secrets.token_urlsafe(24)
        self.challenges[challenge_id] = Challenge(
            account.username, outcome, time.time() + CHALLENGE_LIFETIME_S, mfa_done
        )
        answer = identity_pb2.LoginResponse(
            outcome=outcome,
            challenge_id=challenge_id,
            principal=identity_pb2.Principal(username=account.username, full_name=account.full_name),
        )
        if outcome == identity_pb2.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED:
            account.pending_secret = account.pending_secret or new_secret()
            answer.mfa_secret.CopyFrom(self._secret(account))
        return answer

    def _secret(self, account: Account) -> identity_pb2.MfaSecret:
        uri = (
            f"otpauth://totp/Tr%C6%B0%E1%BB%9Dng%20Trung%20V%C6%B0%C6%A1ng:{account.username}"
            f"?secret={account.pending_secret}&issuer=Tr%C6%B0%E1%BB%9Dng%20Trung%20V%C6%B0%C6%A1ng"
        )
        return identity_pb2.MfaSecret(secret=account.pending_secret, provisioning_uri=uri)

    def Login(self, request: identity_pb2.LoginRequest, context: grpc.ServicerContext) -> identity_pb2.LoginResponse:
        self._enter("Login", context, "identity:session:manage")
        self.login_requests.append(request)
        if self.throttled:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "Quá nhiều lần thử")
        key = request.username.lower()
        if self.failures.get(key, 0) >= THROTTLE_AFTER:
            self.add_audit("login.throttled", "failure", "anonymous", key, key)
            context.set_trailing_metadata((("retry-after", str(THROTTLE_SECONDS)),))
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "Quá nhiều lần đăng nhập sai")
        account = self.accounts.get(key)
        if account is None or not account.active or request.password != account.password:
            self.failures[key] = self.failures.get(key, 0) + 1
            self.add_audit("login.failure", "failure", "anonymous", key, key)
            raise UnauthenticatedError("Tên đăng nhập hoặc mật khẩu không đúng")
        self.failures.pop(key, None)
        return self._next(account, mfa_done=False)

    def ContinueLogin(
        self, request: identity_pb2.ContinueLoginRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ContinueLoginResponse:
        self._enter("ContinueLogin", context, "identity:session:manage")
        self.continue_requests.append(request)
        challenge = self.challenges.pop(request.challenge_id, None)
        if challenge is None or challenge.expires_at <= time.time():
            raise UnauthenticatedError("Phiên đăng nhập đã hết hạn")
        account = self.accounts[challenge.username]

        def refuse(fields: dict[str, str]) -> None:
            self.challenges[request.challenge_id] = challenge  # the same step may be tried again
            raise InvalidInputError("Dữ liệu không hợp lệ", fields)

        recovery: list[str] = []
        if challenge.outcome == identity_pb2.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED:
            problem = _password_problem(request.new_password, account.password)
            if problem:
                refuse({"new_password": problem})
            account.password = request.new_password
            account.must_change_password = False
            account.password_changed_at = time.time()
            mfa_done = challenge.mfa_done
        elif challenge.outcome == identity_pb2.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED:
            if not self._code_ok(account, account.pending_secret, request.totp_code):
                refuse({"totp_code": "Mã xác thực không đúng hoặc đã hết hạn"})
            account.mfa_secret, account.pending_secret = account.pending_secret, ""
            recovery = account.recovery_codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(10)]
            self.add_audit("mfa.enrolled", "success", account.user_id, account.username, account.user_id)
            mfa_done = True
        else:
            if request.recovery_code:
                if request.recovery_code not in account.recovery_codes:
                    refuse({"recovery_code": "Mã khôi phục không đúng hoặc đã dùng"})
                account.recovery_codes.remove(request.recovery_code)
            elif not self._code_ok(account, account.mfa_secret, request.totp_code):
                refuse({"totp_code": "Mã xác thực không đúng hoặc đã hết hạn"})
            mfa_done = True
        return identity_pb2.ContinueLoginResponse(result=self._next(account, mfa_done), recovery_codes=recovery)

    def ValidateSession(
        self, request: identity_pb2.ValidateSessionRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ValidateSessionResponse:
        self._enter("ValidateSession", context, "identity:session:manage")
        session = self.sessions.get(request.session_id)
        if session is None or not self.accounts[session.username].active:
            raise UnauthenticatedError("Phiên đăng nhập không hợp lệ")
        return identity_pb2.ValidateSessionResponse(principal=self.accounts[session.username].principal(session))

    def Logout(self, request: identity_pb2.LogoutRequest, context: grpc.ServicerContext) -> identity_pb2.LogoutResponse:
        self._enter("Logout", context, "identity:session:manage")
        self.sessions.pop(request.session_id, None)
        return identity_pb2.LogoutResponse()

    def StepUp(self, request: identity_pb2.StepUpRequest, context: grpc.ServicerContext) -> identity_pb2.StepUpResponse:
        self._enter("StepUp", context, "identity:session:manage")
        session = self.sessions.get(request.session_id)
        if session is None:
            raise UnauthenticatedError("Phiên đăng nhập không hợp lệ")
        account = self.accounts[session.username]
        if not account.mfa_secret:
            raise PreconditionFailedError("Bạn chưa bật xác thực hai lớp")
        if not self._code_ok(account, account.mfa_secret, request.totp_code):
            raise InvalidInputError("Dữ liệu không hợp lệ", {"totp_code": "Mã xác thực không đúng hoặc đã hết hạn"})
        session.stepped_up_until = time.time() + STEP_UP_S
        self.add_audit("mfa.step_up", "success", account.user_id, account.username, account.user_id)
        return identity_pb2.StepUpResponse(stepped_up_until=ts(session.stepped_up_until))

    def _me(self) -> Account:
        account = self.by_id(_caller().subject)
        if account is None:
            raise NotFoundError("Không tìm thấy tài khoản")
        return account

    def GetMe(self, request: identity_pb2.GetMeRequest, context: grpc.ServicerContext) -> identity_pb2.GetMeResponse:
        self._enter("GetMe", context, "identity:me:read")
        return identity_pb2.GetMeResponse(principal=self._me().principal())

    def ChangePassword(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.recorder.record("ChangePassword", context)
        account = self._me()
        if request.current_password != account.password:
            raise InvalidInputError("Dữ liệu không hợp lệ", {"current_password": "Mật khẩu hiện tại không đúng"})
        problem = _password_problem(request.new_password, account.password)
        if problem:
            raise InvalidInputError("Dữ liệu không hợp lệ", {"new_password": problem})
        account.password = request.new_password
        account.password_changed_at = time.time()
        for sid in [s for s, v in self.sessions.items() if v.username == account.username]:
            if sid != request.keep_session_id:
                del self.sessions[sid]
        self.record_audit("password.changed", target=account.user_id)
        return identity_pb2.ChangePasswordResponse()

    def StartMfaEnrolment(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.recorder.record("StartMfaEnrolment", context)
        account = self._me()
        account.pending_secret = new_secret()
        return identity_pb2.StartMfaEnrolmentResponse(mfa_secret=self._secret(account))

    def ConfirmMfaEnrolment(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.recorder.record("ConfirmMfaEnrolment", context)
        account = self._me()
        if not account.pending_secret:
            raise PreconditionFailedError("Chưa bắt đầu thiết lập xác thực hai lớp")
        if not self._code_ok(account, account.pending_secret, request.totp_code):
            raise InvalidInputError("Dữ liệu không hợp lệ", {"totp_code": "Mã xác thực không đúng hoặc đã hết hạn"})
        account.mfa_secret, account.pending_secret = account.pending_secret, ""
        account.recovery_codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(10)]
        for session in self.sessions.values():
            if session.username == account.username:
                session.mfa_verified = True
        self.record_audit("mfa.enrolled", target=account.user_id)
        return identity_pb2.ConfirmMfaEnrolmentResponse(recovery_codes=account.recovery_codes)

    def DisableMfa(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.recorder.record("DisableMfa", context)
        account = self._me()
        if account.mfa_required:
            raise PreconditionFailedError("Vai trò của bạn bắt buộc dùng xác thực hai lớp")
        if not self._code_ok(account, account.mfa_secret, request.totp_code):
            raise InvalidInputError("Dữ liệu không hợp lệ", {"totp_code": "Mã xác thực không đúng hoặc đã hết hạn"})
        account.mfa_secret = ""
        for session in self.sessions.values():
            if session.username == account.username:
                session.mfa_verified = False
        self.record_audit("mfa.disabled", target=account.user_id)
        return identity_pb2.DisableMfaResponse()

    def _revoke(self, account: Account) -> None:
        for sid in [s for s, v in self.sessions.items() if v.username == account.username]:
            del self.sessions[sid]

    def ResetPassword(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ResetPassword", context, "identity:account:write")
        account = self.by_id(request.user_id)
        if account is None:
            raise NotFoundError("Không tìm thấy tài khoản")
        problems = _reason_problem(request.reason)
        if problems:
            raise InvalidInputError("Dữ liệu không hợp lệ", problems)
        code = secrets.token_urlsafe(9)[:12]
        account.password = code
        account.must_change_password = True
        self._revoke(account)
        self.record_audit("account.password_reset", target=account.user_id, detail=request.reason)
        return identity_pb2.ResetPasswordResponse(one_time_code=code, expires_at=ts(time.time() + 72 * 3600))

    def SetAccountActive(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("SetAccountActive", context, "identity:account:write")
        account = self.by_id(request.user_id)
        if account is None:
            raise NotFoundError("Không tìm thấy tài khoản")
        problems = _reason_problem(request.reason)
        if problems:
            raise InvalidInputError("Dữ liệu không hợp lệ", problems)
        account.active = request.active
        if not request.active:
            self._revoke(account)
        self.record_audit("account.enabled" if request.active else "account.disabled", target=account.user_id)
        return identity_pb2.SetAccountActiveResponse(account=account.proto())

    def ListAccounts(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListAccounts", context, "identity:account:read")
        query = request.query.casefold()
        found = [
            a.proto()
            for a in sorted(self.accounts.values(), key=lambda a: a.username)
            if not query or query in a.username.casefold() or query in a.full_name.casefold()
        ]
        items, token = _page(found, request.page_size, request.page_token)
        return identity_pb2.ListAccountsResponse(accounts=items, next_page_token=token)


# --- identity: StaffService -------------------------------------------------------------------------------------


STAFF_REQUIRED = (
    "date_of_birth",
    "gender",
    "citizen_id",
    "position",
    "qualification",
    "phone",
    "email",
    "start_date",
    "department_id",
)


def _complete(record: staff_pb2.StaffRecord) -> staff_pb2.StaffRecord:
    del record.missing_fields[:]
    record.missing_fields.extend(f for f in STAFF_REQUIRED if not getattr(record, f))
    return record


def make_staff() -> dict[str, staff_pb2.StaffRecord]:
    records = [
        staff_pb2.StaffRecord(
            staff_id="s-ht",
            staff_code="CB001",
            full_name="Nguyễn Văn Hiệu",
            date_of_birth="1975-03-02",
            gender="male",
            citizen_id="001075012345",
            position="HT",
            qualification="Thạc sĩ Quản lý giáo dục",
            phone="0912345678",
            email="hieu@truong.edu.vn",
            address="12 Trần Phú, Hà Nội",
            start_date="2010-09-01",
            department_id="d-bgh",
            employment_status=staff_pb2.EMPLOYMENT_STATUS_ACTIVE,
            user_id="u-ht",
            version=1,
        ),
        staff_pb2.StaffRecord(
            staff_id="s-gvbm",
            staff_code="GV012",
            full_name="Trần Thị Bích",
            date_of_birth="1990-07-15",
            gender="female",
            citizen_id="001190054321",
            position="GV",
            qualification="Đại học Sư phạm Tiểu học",
            email="bich@truong.edu.vn",
            start_date="2015-09-01",
            department_id="d-3",
            employment_status=staff_pb2.EMPLOYMENT_STATUS_ACTIVE,
            user_id="u-gvbm",
            version=3,
        ),
        staff_pb2.StaffRecord(
            staff_id="s-vp",
            staff_code="NV003",
            full_name="Phạm Thị Văn",
            gender="female",
            position="NV",
            phone="0987654321",
            employment_status=staff_pb2.EMPLOYMENT_STATUS_ACTIVE,
            user_id="u-vp",
            version=1,
        ),
    ]
    return {r.staff_id: _complete(r) for r in records}


class FakeStaff(staff_pb2_grpc.StaffServiceServicer):
    """Staff records with completeness; the citizen id only for holders of identity:staff:read_sensitive."""

    def __init__(self, recorder: Recorder, identity: FakeIdentity):
        self.recorder = recorder
        self.identity = identity
        self.records: dict[str, staff_pb2.StaffRecord] = {}
        self.departments: dict[str, str] = {}
        self.imports: list[staff_pb2.ImportStaffRequest] = []
        self.exports: list[staff_pb2.ExportStaffRequest] = []
        # Simulates a service bug that returns citizen ids to everyone: the gateway must still hide them.
        self.leak_sensitive = False
        self.reset()

    def reset(self) -> None:
        self.records = make_staff()
        self.departments = {"d-bgh": "Ban giám hiệu", "d-3": "Tổ 3", "d-45": "Tổ 4-5"}
        self.department_grades: dict[str, list[int]] = {"d-45": [4, 5]}
        self.imports.clear()
        self.exports.clear()
        self.leak_sensitive = False

    def _enter(self, method: str, context: grpc.ServicerContext, permission: str | None) -> None:
        self.recorder.record(method, context)
        if permission:
            require(permission)

    def _out(self, record: staff_pb2.StaffRecord, *, listing: bool = False) -> staff_pb2.StaffRecord:
        copy = staff_pb2.StaffRecord()
        copy.CopyFrom(record)
        allowed = not listing and _caller().has("identity:staff:read_sensitive")
        if not (allowed or self.leak_sensitive):
            copy.citizen_id = ""
        return copy

    def _check(self, record: staff_pb2.StaffRecord) -> None:
        problems: dict[str, str] = {}
        if len(record.full_name.split()) < 2:
            problems["record.full_name"] = "Họ và tên phải có ít nhất hai từ"
        if record.department_id and record.department_id not in self.departments:
            problems["record.department_id"] = "Tổ chuyên môn không tồn tại"
        if record.employment_status == staff_pb2.EMPLOYMENT_STATUS_UNSPECIFIED:
            problems["record.employment_status"] = "Vui lòng chọn tình trạng công tác"
        if problems:
            raise InvalidInputError("Dữ liệu không hợp lệ", problems)

    def CreateStaff(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateStaff", context, "identity:staff:write")
        record = request.record
        if record.citizen_id and not _caller().has("identity:staff:read_sensitive"):
            raise ForbiddenError("Không được nhập số CCCD")
        self._check(record)
        if record.staff_code and any(r.staff_code == record.staff_code for r in self.records.values()):
            raise AlreadyExistsError(f"Mã cán bộ {record.staff_code} đã tồn tại")
        stored = staff_pb2.StaffRecord()
        stored.CopyFrom(record)
        stored.staff_id = str(uuid.uuid4())
        stored.version = 1
        code = ""
        if request.create_account_username:
            username = request.create_account_username
            if username in self.identity.accounts:
                raise AlreadyExistsError(f"Tên đăng nhập {username} đã có")
            code = secrets.token_urlsafe(9)[:12]
            user_id = f"u-{uuid.uuid4().hex[:8]}"
            self.identity.accounts[username] = Account(
                user_id,
                username,
                record.full_name,
                (),
                frozenset({"identity:me:read", "identity:me:write"}),
                password=code,
                must_change_password=True,
                staff_id=stored.staff_id,
            )
            stored.user_id = user_id
        self.records[stored.staff_id] = _complete(stored)
        self.identity.record_audit("staff.created", target=stored.staff_id)
        return staff_pb2.CreateStaffResponse(record=self._out(stored), one_time_code=code)

    def UpdateStaff(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("UpdateStaff", context, "identity:staff:write")
        current = self.records.get(request.record.staff_id)
        if current is None:
            raise NotFoundError("Không tìm thấy hồ sơ")
        if request.record.version != current.version:
            raise ConflictError("Hồ sơ vừa được người khác sửa. Hãy tải lại trang.")
        self._check(request.record)
        updated = staff_pb2.StaffRecord()
        updated.CopyFrom(request.record)
        if not _caller().has("identity:staff:read_sensitive"):
            updated.citizen_id = current.citizen_id  # who cannot see it cannot change it either
        updated.user_id = current.user_id
        updated.version = current.version + 1
        self.records[updated.staff_id] = _complete(updated)
        return staff_pb2.UpdateStaffResponse(record=self._out(updated))

    def UpdateOwnContact(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("UpdateOwnContact", context, "identity:me:write")
        account = self.identity.by_id(_caller().subject)
        record = self.records.get(account.staff_id if account else "")
        if record is None:
            raise NotFoundError("Bạn chưa có hồ sơ cán bộ")
        if request.expected_version != record.version:
            raise ConflictError("Hồ sơ vừa được người khác sửa. Hãy tải lại trang.")
        if request.phone and not (len(request.phone) == 10 and request.phone.startswith("0")):
            raise InvalidInputError("Dữ liệu không hợp lệ", {"phone": "Số điện thoại không hợp lệ"})
        record.phone, record.email, record.address = request.phone, request.email, request.address
        record.version += 1
        _complete(record)
        return staff_pb2.UpdateOwnContactResponse(record=self._out(record))

    def GetStaff(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.staff_id:
            self._enter("GetStaff", context, "identity:staff:read")
            record = self.records.get(request.staff_id)
        else:
            self._enter("GetStaff", context, "identity:me:read")
            account = self.identity.by_id(_caller().subject)
            record = self.records.get(account.staff_id if account else "")
        if record is None:
            raise NotFoundError("Không tìm thấy hồ sơ")
        return staff_pb2.GetStaffResponse(record=self._out(record))

    def ListStaff(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListStaff", context, "identity:staff:read")
        everyone = sorted(self.records.values(), key=lambda r: r.full_name.split()[-1])
        found = [
            self._out(r, listing=True)
            for r in everyone
            if (not request.department_id or r.department_id == request.department_id)
            and (not request.incomplete_only or r.missing_fields)
        ]
        items, token = _page(found, request.page_size, request.page_token)
        complete = sum(1 for r in everyone if not r.missing_fields)
        return staff_pb2.ListStaffResponse(records=items, next_page_token=token, total=len(everyone), complete=complete)

    def ImportStaff(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Reads a stand-in workbook: a ZIP whose rows.csv has staff_code,full_name,phone (header on row 1)."""
        self._enter("ImportStaff", context, "identity:staff:import")
        self.imports.append(request)
        with zipfile.ZipFile(io.BytesIO(request.workbook)) as book:
            rows = list(csv.reader(io.StringIO(book.read("rows.csv").decode("utf-8"))))[1:]
        errors: list[staff_pb2.RowError] = []
        for number, row in enumerate(rows, start=2):
            code, name, phone = [*row, "", "", ""][:3]
            if len(name.split()) < 2:
                errors.append(staff_pb2.RowError(row=number, column="Họ và tên", message="Họ và tên phải có hai từ"))
            if phone and not (len(phone) == 10 and phone.startswith("0")):
                errors.append(staff_pb2.RowError(row=number, column="Điện thoại", message="Số điện thoại không hợp lệ"))
        if errors or request.dry_run:
            return staff_pb2.ImportStaffResponse(errors=errors)
        created = updated = 0
        for code, name, phone in (r[:3] for r in rows):
            existing = next((r for r in self.records.values() if r.staff_code == code), None)
            if existing:
                existing.full_name, existing.phone = name, phone
                updated += 1
            else:
                record = staff_pb2.StaffRecord(
                    staff_id=str(uuid.uuid4()),
                    staff_code=code,
                    full_name=name,
                    phone=phone,
                    employment_status=staff_pb2.EMPLOYMENT_STATUS_ACTIVE,
                    version=1,
                )
                self.records[record.staff_id] = _complete(record)
                created += 1
        return staff_pb2.ImportStaffResponse(created=created, updated=updated)

    def ExportStaff(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ExportStaff", context, "identity:staff:export")
        caller = _caller()
        if request.include_sensitive and (
            not caller.has("identity:staff:read_sensitive") or caller.stepped_up_until <= time.time()
        ):
            raise ForbiddenError("Cần xác thực lại trước khi xuất số CCCD")
        self.exports.append(request)
        self.identity.record_audit("export.staff", detail="sensitive" if request.include_sensitive else "")
        body = "\n".join(f"{r.staff_code};{r.full_name}" for r in self.records.values())
        return staff_pb2.ExportStaffResponse(workbook=b"PK\x03\x04" + body.encode(), filename="Hồ sơ CBGVNV/2026.xlsx")

    def CreateDepartment(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateDepartment", context, "identity:department:write")
        if request.name in self.departments.values():
            raise AlreadyExistsError(f"Tổ {request.name} đã tồn tại")
        department_id = f"d-{uuid.uuid4().hex[:6]}"
        self.departments[department_id] = request.name
        return staff_pb2.CreateDepartmentResponse(
            department=staff_pb2.Department(department_id=department_id, name=request.name)
        )

    def ListDepartments(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListDepartments", context, "identity:staff:read")
        return staff_pb2.ListDepartmentsResponse(
            departments=[
                staff_pb2.Department(department_id=k, name=v, grade_levels=self.department_grades.get(k, []))
                for k, v in sorted(self.departments.items(), key=lambda kv: kv[1])
            ]
        )

    def SetDepartmentGrades(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("SetDepartmentGrades", context, "identity:department:write")
        if request.department_id not in self.departments:
            raise NotFoundError("Không tìm thấy tổ chuyên môn")
        levels = sorted(set(request.grade_levels))
        if any(n not in range(1, 6) for n in levels):
            raise InvalidInputError("Dữ liệu không hợp lệ", {"grade_levels": "Khối lớp phải từ 1 đến 5"})
        self.department_grades[request.department_id] = levels
        return staff_pb2.SetDepartmentGradesResponse(
            department=staff_pb2.Department(
                department_id=request.department_id, name=self.departments[request.department_id], grade_levels=levels
            )
        )


# --- identity: AccessService ------------------------------------------------------------------------------------------

ROLE_SPECS: dict[str, tuple[str, int, bool, bool]] = {
    # code: (name, scope kind, year scoped, MFA required)
    "HT": ("Hiệu trưởng", access_pb2.SCOPE_KIND_SCHOOL, True, True),
    "PHT": ("Phó hiệu trưởng", access_pb2.SCOPE_KIND_SCHOOL, True, True),
    "TTCM": ("Tổ trưởng chuyên môn", access_pb2.SCOPE_KIND_DEPARTMENT, True, False),
    "GVCN": ("Giáo viên chủ nhiệm", access_pb2.SCOPE_KIND_CLASS, True, False),
    "GVBM": ("Giáo viên bộ môn", access_pb2.SCOPE_KIND_CLASS_SUBJECT, True, False),
    "VP": ("Nhân viên văn phòng", access_pb2.SCOPE_KIND_SCHOOL, True, False),
    "KT": ("Kế toán", access_pb2.SCOPE_KIND_SCHOOL, True, True),
    "TB": ("Nhân viên thiết bị", access_pb2.SCOPE_KIND_SCHOOL, True, False),
    "QTHT": ("Quản trị hệ thống", access_pb2.SCOPE_KIND_SCHOOL, False, True),
}


class FakeAccess(access_pb2_grpc.AccessServiceServicer):
    """Roles with a separation-of-duties rule, scoped assignments, the account review and the audit log."""

    def __init__(self, recorder: Recorder, identity: FakeIdentity):
        self.recorder = recorder
        self.identity = identity
        self.roles: dict[str, access_pb2.Role] = {}
        self.assignments: list[access_pb2.Assignment] = []
        self.reminders: list[tuple[str, int]] = []
        self.reset()

    def reset(self) -> None:
        perms = {
            "HT": sorted(STUDENT_PERMISSIONS | IDENTITY_PERMISSIONS | {"grades:score:lock"}),
            "PHT": sorted(PHT_PERMISSIONS),
            "GVBM": ["grades:score:write", "identity:me:read", "students:class:read"],
            "VP": sorted(OFFICE_PERMISSIONS),
        }
        self.roles = {
            code: access_pb2.Role(
                code=code,
                name=name,
                permissions=perms.get(code, ["identity:me:read"]),
                scope_kind=scope,
                year_scoped=yearly,
                mfa_required=mfa,
            )
            for code, (name, scope, yearly, mfa) in ROLE_SPECS.items()
        }
        today = dt.date.today()
        self.assignments = [
            access_pb2.Assignment(
                assignment_id="a-gvbm",
                user_id="u-gvbm",
                full_name="Trần Thị Bích",
                role="GVBM",
                school_year_id="y-current",
                scope_kind=access_pb2.SCOPE_KIND_CLASS_SUBJECT,
                class_id="c-3a",
                subject_code="TOAN",
                starts_on=(today - dt.timedelta(days=60)).isoformat(),
                ends_on=(today + dt.timedelta(days=200)).isoformat(),
                granted_by="u-ht",
            )
        ]
        self.reminders = []

    def _enter(self, method: str, context: grpc.ServicerContext, permission: str | None) -> None:
        self.recorder.record(method, context)
        if permission:
            require(permission)

    def ListRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListRoles", context, "identity:role:read")
        return access_pb2.ListRolesResponse(roles=list(self.roles.values()))

    def ListPermissions(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListPermissions", context, "identity:role:read")
        names = sorted(STUDENT_PERMISSIONS | IDENTITY_PERMISSIONS | GRADE_PERMISSIONS)
        return access_pb2.ListPermissionsResponse(
            permissions=[access_pb2.Permission(name=n, description=f"Cho phép {n}") for n in names]
        )

    def SetRolePermissions(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("SetRolePermissions", context, "identity:role:write")
        role = self.roles.get(request.role)
        if role is None:
            raise NotFoundError("Không tìm thấy vai trò")
        known = STUDENT_PERMISSIONS | IDENTITY_PERMISSIONS | GRADE_PERMISSIONS
        unknown = [p for p in request.permissions if p not in known]
        problems = _reason_problem(request.reason)
        if unknown:
            problems["permissions"] = f"Quyền không tồn tại: {', '.join(unknown)}"
        if problems:
            raise InvalidInputError("Dữ liệu không hợp lệ", problems)
        if set(request.permissions) >= GRADE_PERMISSIONS:
            raise PreconditionFailedError("Một vai trò không thể vừa nhập điểm vừa khóa điểm (phân tách nhiệm vụ)")
        del role.permissions[:]
        role.permissions.extend(sorted(set(request.permissions)))
        self.identity.record_audit("role.permissions_changed", target=role.code, detail=request.reason)
        return access_pb2.SetRolePermissionsResponse(role=role)

    def GrantAssignment(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GrantAssignment", context, "identity:assignment:write")
        account = self.identity.by_id(request.user_id)
        if account is None:
            raise NotFoundError("Không tìm thấy tài khoản")
        role = self.roles.get(request.role)
        if role is None:
            raise InvalidInputError("Dữ liệu không hợp lệ", {"role": "Vai trò không tồn tại"})
        problems: dict[str, str] = {}
        if role.year_scoped and not request.school_year_id:
            problems["school_year_id"] = "Vai trò này cần năm học"
        if role.scope_kind == access_pb2.SCOPE_KIND_DEPARTMENT and not request.department_id:
            problems["department_id"] = "Vai trò này cần tổ chuyên môn"
        if (
            role.scope_kind in (access_pb2.SCOPE_KIND_CLASS, access_pb2.SCOPE_KIND_CLASS_SUBJECT)
            and not request.class_id
        ):
            problems["class_id"] = "Vai trò này cần lớp"
        if role.scope_kind == access_pb2.SCOPE_KIND_CLASS_SUBJECT and not request.subject_code:
            problems["subject_code"] = "Vai trò này cần môn học"
        if problems:
            raise InvalidInputError("Dữ liệu không hợp lệ", problems)
        today = dt.date.today()
        assignment = access_pb2.Assignment(
            assignment_id=str(uuid.uuid4()),
            user_id=account.user_id,
            full_name=account.full_name,
            role=role.code,
            school_year_id=request.school_year_id,
            scope_kind=role.scope_kind,
            department_id=request.department_id,
            class_id=request.class_id,
            subject_code=request.subject_code,
            starts_on=request.starts_on or today.isoformat(),
            ends_on=request.ends_on or (today + dt.timedelta(days=250)).isoformat(),
            granted_by=_caller().subject,
        )
        self.assignments.append(assignment)
        if role.code not in account.roles:
            account.roles = (*account.roles, role.code)
        self.identity.record_audit("assignment.granted", target=account.user_id, detail=role.code)
        return access_pb2.GrantAssignmentResponse(assignment=assignment)

    def EndAssignment(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("EndAssignment", context, "identity:assignment:write")
        assignment = next((a for a in self.assignments if a.assignment_id == request.assignment_id), None)
        if assignment is None:
            raise NotFoundError("Không tìm thấy phân công")
        problems = _reason_problem(request.reason)
        if problems:
            raise InvalidInputError("Dữ liệu không hợp lệ", problems)
        assignment.ended_at.CopyFrom(ts(time.time()))
        assignment.ends_on = dt.date.today().isoformat()
        self.identity.record_audit("assignment.ended", target=assignment.user_id, detail=request.reason)
        return access_pb2.EndAssignmentResponse(assignment=assignment)

    def ListAssignments(self, request: Any, context: grpc.ServicerContext) -> Any:
        caller = _caller()
        own = request.user_id and request.user_id == caller.subject
        self._enter("ListAssignments", context, "identity:me:read" if own else "identity:assignment:read")
        found = [
            a
            for a in self.assignments
            if (not request.user_id or a.user_id == request.user_id)
            and (not request.school_year_id or a.school_year_id == request.school_year_id)
            and (request.include_ended or not a.HasField("ended_at"))
        ]
        found.sort(key=lambda a: a.HasField("ended_at"))
        items, token = _page(found, request.page_size, request.page_token)
        return access_pb2.ListAssignmentsResponse(assignments=items, next_page_token=token)

    def ReviewAccounts(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ReviewAccounts", context, "identity:review:read")
        now = time.time()
        inactive = request.inactive_days or 90
        max_age = request.password_max_age_days or 90
        findings: list[access_pb2.Finding] = []

        def add(account: Account, kind: int, detail: str) -> None:
            finding = access_pb2.Finding(
                user_id=account.user_id,
                username=account.username,
                full_name=account.full_name,
                kind=kind,
                detail=detail,
            )
            if (account.user_id, kind) in self.reminders:
                finding.last_reminded_at.CopyFrom(ts(now))
            findings.append(finding)

        for account in sorted(self.identity.accounts.values(), key=lambda a: a.username):
            if not account.active:
                continue
            if account.last_login_at is None:
                add(account, access_pb2.FINDING_KIND_NEVER_USED, "Chưa đăng nhập lần nào")
            elif now - account.last_login_at > inactive * 86400:
                days = int((now - account.last_login_at) // 86400)
                add(account, access_pb2.FINDING_KIND_INACTIVE, f"Không đăng nhập {days} ngày")
            if now - account.password_changed_at > max_age * 86400:
                days = int((now - account.password_changed_at) // 86400)
                add(account, access_pb2.FINDING_KIND_PASSWORD_OLD, f"Mật khẩu đã dùng {days} ngày")
            if account.mfa_required and not account.mfa_secret:
                add(account, access_pb2.FINDING_KIND_MFA_MISSING, "Vai trò bắt buộc xác thực hai lớp")
        findings.sort(key=lambda f: (f.kind, f.username))
        return access_pb2.ReviewAccountsResponse(findings=findings)

    def RemindAccount(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("RemindAccount", context, "identity:review:read")
        if self.identity.by_id(request.user_id) is None:
            raise NotFoundError("Không tìm thấy tài khoản")
        self.reminders.append((request.user_id, request.kind))
        self.identity.record_audit("account.reminded", target=request.user_id)
        return access_pb2.RemindAccountResponse(reminded_at=ts(time.time()))

    def _audit(self, request: Any) -> list[access_pb2.AuditEvent]:
        def day(at: float) -> str:
            return dt.datetime.fromtimestamp(at, VIETNAM).date().isoformat()

        found = [
            e
            for e in reversed(self.identity.audit)
            if (not request.person or request.person in (e.actor, e.actor_username, e.target))
            and (not request.action or e.action.startswith(request.action))
            and (not request.from_date or day(e.at) >= request.from_date)
            and (not request.to_date or day(e.at) <= request.to_date)
        ]
        return [
            access_pb2.AuditEvent(
                id=e.id,
                at=ts(e.at),
                actor=e.actor,
                actor_username=e.actor_username,
                action=e.action,
                outcome=e.outcome,
                target=e.target,
                ip="127.0.0.1",
                request_id="req-fake",
                detail=e.detail,
            )
            for e in found
        ]

    def ListAuditEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListAuditEvents", context, "identity:audit:read")
        items, token = _page(self._audit(request), request.page_size, request.page_token)
        return access_pb2.ListAuditEventsResponse(events=items, next_page_token=token)

    def ExportAuditEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ExportAuditEvents", context, "identity:audit:export")
        if _caller().stepped_up_until <= time.time():
            raise ForbiddenError("Cần xác thực lại trước khi xuất nhật ký")
        events = self._audit(request.filter)
        self.identity.record_audit("export.audit", detail=f"{len(events)} dòng")
        return access_pb2.ExportAuditEventsResponse(
            workbook=b"PK\x03\x04" + "\n".join(e.action for e in events).encode(), filename="nhat-ky.xlsx"
        )


# --- students and grades ----------------------------------------------------------------------------------------------


class FakeStudents(students_pb2_grpc.StudentsServiceServicer):
    """An in-memory register with the real service's contract (Vietnamese field errors, NOT_FOUND, class full)."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.years: dict[str, students_pb2.SchoolYear] = {}
        self.classes: dict[str, students_pb2.SchoolClass] = {}
        self.students: dict[str, students_pb2.Student] = {}
        self.keys: dict[str, str] = {}
        self.fail_with: grpc.StatusCode | None = None
        self.delay_s = 0.0

    def reset(self) -> None:
        self.years.clear()
        self.classes.clear()
        self.students.clear()
        self.keys.clear()
        self.fail_with = None
        self.delay_s = 0.0

    def _enter(self, method: str, context: grpc.ServicerContext, permission: str) -> None:
        self.recorder.record(method, context)
        require(permission)
        if self.delay_s:
            time.sleep(self.delay_s)  # a hung service (e.g. SIGSTOPped)
        if self.fail_with is not None:
            context.abort(self.fail_with, "injected failure with internal detail /srv/db.sqlite")

    def CreateSchoolYear(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateSchoolYear", context, "students:school_year:write")
        if any(y.name == request.name for y in self.years.values()):
            raise AlreadyExistsError(f"Năm học {request.name} đã tồn tại")
        year = students_pb2.SchoolYear(
            school_year_id=str(uuid.uuid4()),
            name=request.name,
            start_date=request.start_date,
            end_date=request.end_date,
        )
        self.years[year.school_year_id] = year
        return students_pb2.CreateSchoolYearResponse(school_year=year)

    def ListSchoolYears(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListSchoolYears", context, "students:school_year:read")
        years = sorted(self.years.values(), key=lambda y: y.name, reverse=True)
        return students_pb2.ListSchoolYearsResponse(school_years=years)

    def CreateClass(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateClass", context, "students:class:write")
        if request.school_year_id not in self.years:
            raise NotFoundError("Không tìm thấy năm học")
        if any(c.name == request.name and c.school_year_id == request.school_year_id for c in self.classes.values()):
            raise AlreadyExistsError(f"Lớp {request.name} đã tồn tại trong năm học")
        cls = students_pb2.SchoolClass(
            class_id=str(uuid.uuid4()),
            school_year_id=request.school_year_id,
            name=request.name,
            grade_level=request.grade_level,
            max_size=request.max_size or 35,
            size=0,
        )
        self.classes[cls.class_id] = cls
        return students_pb2.CreateClassResponse(school_class=cls)

    def ListClasses(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListClasses", context, "students:class:read")
        found = [
            c for c in self.classes.values() if not request.school_year_id or c.school_year_id == request.school_year_id
        ]
        return students_pb2.ListClassesResponse(classes=sorted(found, key=lambda c: (c.grade_level, c.name)))

    def GetClass(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetClass", context, "students:class:read")
        cls = self.classes.get(request.class_id)
        if cls is None:
            raise NotFoundError("Không tìm thấy lớp")
        return students_pb2.GetClassResponse(school_class=cls)

    def EnrollStudent(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("EnrollStudent", context, "students:student:write")
        if request.idempotency_key and request.idempotency_key in self.keys:
            return students_pb2.EnrollStudentResponse(student=self.students[self.keys[request.idempotency_key]])
        if len(request.full_name.split()) < 2:
            raise InvalidInputError("Dữ liệu không hợp lệ", {"full_name": "Họ và tên phải có ít nhất hai từ"})
        cls = self.classes.get(request.class_id)
        if cls is None:
            raise NotFoundError("Không tìm thấy lớp")
        if cls.size >= cls.max_size:
            raise PreconditionFailedError(f"Lớp {cls.name} đã đủ sĩ số")
        student = students_pb2.Student(
            student_id=str(uuid.uuid4()),
            student_code=request.student_code or f"HS{len(self.students) + 1:04d}",
            full_name=request.full_name,
            date_of_birth=request.date_of_birth,
            gender=request.gender,
            class_id=cls.class_id,
            version=1,
        )
        self.students[student.student_id] = student
        cls.size += 1
        if request.idempotency_key:
            self.keys[request.idempotency_key] = student.student_id
        return students_pb2.EnrollStudentResponse(student=student)

    def GetStudent(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetStudent", context, "students:student:read")
        student = self.students.get(request.student_id)
        if student is None:
            raise NotFoundError("Không tìm thấy học sinh")
        return students_pb2.GetStudentResponse(student=student)

    def ListStudents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListStudents", context, "students:student:read")
        found = [s for s in self.students.values() if s.class_id == request.class_id]
        return students_pb2.ListStudentsResponse(students=sorted(found, key=lambda s: s.full_name))

    def SearchStudents(self, request: Any, context: grpc.ServicerContext) -> Any:
        """The real rule on a small scale: folded words in the folded name, or the exact code; pages of ids."""
        self._enter("SearchStudents", context, "students:student:read")
        words = _fold(request.query).split()
        if len("".join(words)) < 2 and not request.class_id:
            raise InvalidInputError(
                "Từ khóa tìm kiếm quá ngắn", {"query": "Vui lòng nhập ít nhất 2 chữ cái của tên hoặc mã học sinh"}
            )
        found = sorted(
            (
                s
                for s in self.students.values()
                if (all(w in _fold(s.full_name) for w in words) or s.student_code == request.query.strip())
                and (not request.class_id or s.class_id == request.class_id)
                and (not request.school_year_id or self.classes[s.class_id].school_year_id == request.school_year_id)
            ),
            key=lambda s: (_fold(s.full_name.split()[-1]), _fold(s.full_name), s.student_id),
        )
        start = 0
        if request.page_token:
            ids = [s.student_id for s in found]
            if request.page_token not in ids:
                raise InvalidInputError("Mã trang không hợp lệ", {"page_token": "Mã trang không hợp lệ"})
            start = ids.index(request.page_token) + 1
        size = request.page_size or 50
        page = found[start : start + size]
        token = page[-1].student_id if start + size < len(found) else ""
        out = []
        for s in page:
            student = students_pb2.Student()
            student.CopyFrom(s)
            student.class_name = self.classes[s.class_id].name
            out.append(student)
        return students_pb2.SearchStudentsResponse(students=out, next_page_token=token)

    # --- School structure (issue 4): read and edit a year, edit a class --------------------------------

    def GetSchoolYear(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetSchoolYear", context, "students:school_year:read")
        year = self.years.get(request.school_year_id)
        if year is None:
            raise NotFoundError("Không tìm thấy năm học")
        return students_pb2.GetSchoolYearResponse(school_year=year)

    def UpdateSchoolYear(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("UpdateSchoolYear", context, "students:school_year:write")
        year = self.years.get(request.school_year_id)
        if year is None:
            raise NotFoundError("Không tìm thấy năm học")
        if request.expected_version != year.version:
            raise ConflictError("Năm học đã được người khác sửa", {"expected_version": "Năm học đã được sửa"})
        if request.hk1.end_date and request.hk2.start_date <= request.hk1.end_date:
            raise InvalidInputError(
                "Thông tin năm học không hợp lệ", {"hk2.start_date": "Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc"}
            )
        year.start_date, year.end_date = request.start_date, request.end_date
        if request.hk1.start_date:
            del year.semesters[:]
            for term, given in ((1, request.hk1), (2, request.hk2)):
                year.semesters.add(
                    term=term,
                    start_date=given.start_date,
                    end_date=given.end_date,
                    teaching_weeks=given.teaching_weeks,
                )
        year.version += 1
        return students_pb2.UpdateSchoolYearResponse(school_year=year)

    def UpdateClass(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("UpdateClass", context, "students:class:write")
        cls = self.classes.get(request.class_id)
        if cls is None:
            raise NotFoundError("Không tìm thấy lớp")
        if request.expected_version != cls.version:
            raise ConflictError("Lớp đã được người khác sửa", {"expected_version": "Lớp đã được sửa"})
        if request.max_size < cls.size:
            raise InvalidInputError(
                "Thông tin lớp không hợp lệ",
                {"max_size": f"Sĩ số tối đa không được nhỏ hơn sĩ số hiện tại ({cls.size} học sinh)"},
            )
        taken = any(
            c.name == request.name and c.school_year_id == cls.school_year_id and c.class_id != cls.class_id
            for c in self.classes.values()
        )
        if taken:
            raise AlreadyExistsError(f"Lớp {request.name} đã tồn tại", {"name": f"Lớp {request.name} đã tồn tại"})
        cls.name, cls.room, cls.max_size = request.name, request.room, request.max_size
        cls.version += 1
        return students_pb2.UpdateClassResponse(school_class=cls)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class FakeGrades(grades_pb2_grpc.GradesServiceServicer):
    """The roster as grades would build it from students' events (here: read straight from the fake register)."""

    def __init__(self, recorder: Recorder, register: FakeStudents):
        self.recorder = recorder
        self.register = register

    def ListRoster(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.recorder.record("ListRoster", context)
        require("grades:roster:read")
        cls = self.register.classes.get(request.class_id)
        now = timestamp_pb2.Timestamp()
        now.FromDatetime(dt.datetime.now(dt.UTC))
        entries = [
            grades_pb2.RosterEntry(
                student_id=s.student_id,
                student_code=s.student_code,
                full_name=s.full_name,
                date_of_birth=s.date_of_birth,
                class_id=s.class_id,
                class_name=cls.name if cls else "",
                updated_at=now,
            )
            for s in sorted(self.register.students.values(), key=lambda s: s.full_name)
            if s.class_id == request.class_id
        ]
        return grades_pb2.ListRosterResponse(entries=entries)


@dataclass
class Upstreams:
    """The fake services, their servers and one shared call log."""

    recorder: Recorder
    identity: FakeIdentity
    staff: FakeStaff
    access: FakeAccess
    students: FakeStudents
    grades: FakeGrades
    servers: dict[str, GrpcServer]

    def addr(self, name: str) -> str:
        return f"127.0.0.1:{self.servers[name].port}"

    def reset(self) -> None:
        self.recorder.clear()
        self.identity.reset()
        self.staff.reset()
        self.access.reset()
        self.students.reset()
        for server in self.servers.values():
            server.set_serving(True)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    generate_keypair(d / "internal.key", d / "internal.pub")
    return d / "internal.key", d / "internal.pub"


@pytest.fixture(scope="session", autouse=True)
def catalogues() -> None:
    # What `make translations` does; the app would also do it on start-up.
    compile_catalogues()


@pytest.fixture(scope="session")
def fake_upstreams(keys: tuple[Path, Path]) -> Iterator[Upstreams]:
    public = load_public_key(keys[1])
    recorder = Recorder()
    identity = FakeIdentity(recorder)
    staff = FakeStaff(recorder, identity)
    access = FakeAccess(recorder, identity)
    students = FakeStudents(recorder)
    grades = FakeGrades(recorder, students)

    def registrar(
        add: Callable[[Any, grpc.Server], None], servicer: Any, full_name: str
    ) -> Callable[[grpc.Server], str]:
        def register(server: grpc.Server) -> str:
            add(servicer, server)
            return full_name

        return register

    servers = {
        # One identity server with its three services, as in production.
        "identity": start_server(
            register=[
                registrar(
                    identity_pb2_grpc.add_IdentityServiceServicer_to_server,
                    identity,
                    "school.identity.v1.IdentityService",
                ),
                registrar(staff_pb2_grpc.add_StaffServiceServicer_to_server, staff, "school.identity.v1.StaffService"),
                registrar(
                    access_pb2_grpc.add_AccessServiceServicer_to_server, access, "school.identity.v1.AccessService"
                ),
            ],
            verifier=TokenVerifier(public, audience="identity"),
        ),
        "students": start_server(
            register=[
                registrar(
                    students_pb2_grpc.add_StudentsServiceServicer_to_server,
                    students,
                    "school.students.v1.StudentsService",
                ),
                # Excel lists are tested against the real service (tests/e2e/test_student_lists.py);
                # here the service only has to exist, so /readyz sees it.
                registrar(
                    lists_pb2_grpc.add_StudentListsServiceServicer_to_server,
                    lists_pb2_grpc.StudentListsServiceServicer(),
                    "school.students.v1.StudentListsService",
                ),
                # Issue 4, attendance: served by the same process; the fake answers UNIMPLEMENTED
                # (tests/test_attendance.py runs the real service instead).
                registrar(
                    attendance_pb2_grpc.add_AttendanceServiceServicer_to_server,
                    attendance_pb2_grpc.AttendanceServiceServicer(),
                    "school.students.v1.AttendanceService",
                ),
                # The student record service (issue 4, records) runs in the same server; its
                # gateway tests use a real students service (gateway/tests/test_student_records.py).
                registrar(
                    records_pb2_grpc.add_StudentRecordsServiceServicer_to_server,
                    records_pb2_grpc.StudentRecordsServiceServicer(),
                    "school.students.v1.StudentRecordsService",
                ),
                # Movements (issue 4): served, unimplemented; tests/test_movements.py uses the real service.
                registrar(
                    movements_pb2_grpc.add_MovementsServiceServicer_to_server,
                    movements_pb2_grpc.MovementsServiceServicer(),
                    "school.students.v1.MovementsService",
                ),
            ],
            verifier=TokenVerifier(public, audience="students"),
        ),
        "grades": start_server(
            register=[
                registrar(
                    grades_pb2_grpc.add_GradesServiceServicer_to_server, grades, "school.grades.v1.GradesService"
                ),
                # Checks and locking (issue 5): served, unimplemented; tests/test_grade_checks.py uses the real service.
                registrar(
                    checks_pb2_grpc.add_CheckServiceServicer_to_server,
                    checks_pb2_grpc.CheckServiceServicer(),
                    "school.grades.v1.CheckService",
                ),
                registrar(
                    checks_pb2_grpc.add_LockServiceServicer_to_server,
                    checks_pb2_grpc.LockServiceServicer(),
                    "school.grades.v1.LockService",
                ),
                # Issue 5, results: served, unimplemented; tests/test_results.py uses the real service.
                registrar(
                    results_pb2_grpc.add_ResultsServiceServicer_to_server,
                    results_pb2_grpc.ResultsServiceServicer(),
                    "school.grades.v1.ResultsService",
                ),
                # Issue 5, records: served, unimplemented; tests/test_grades_records.py runs the real service.
                registrar(
                    grades_records_pb2_grpc.add_RecordsServiceServicer_to_server,
                    grades_records_pb2_grpc.RecordsServiceServicer(),
                    "school.grades.v1.RecordsService",
                ),
                # The grade book (issue 5): served, unimplemented; tests/test_gradebook.py uses the real service.
                registrar(
                    gradebook_pb2_grpc.add_GradebookServiceServicer_to_server,
                    gradebook_pb2_grpc.GradebookServiceServicer(),
                    "school.grades.v1.GradebookService",
                ),
            ],
            verifier=TokenVerifier(public, audience="grades"),
        ),
    }
    ups = Upstreams(recorder, identity, staff, access, students, grades, servers)
    yield ups
    for server in servers.values():
        server.stop(0)


@pytest.fixture
def upstreams(fake_upstreams: Upstreams) -> Upstreams:
    fake_upstreams.reset()
    return fake_upstreams


@pytest.fixture
def environ(upstreams: Upstreams, keys: tuple[Path, Path]) -> dict[str, str]:
    """The variables a deployment would set, pointing at the fakes."""
    return {
        "GATEWAY_SECRET_KEY": "test-secret-" + "x" * 40,
        "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(keys[0]),
        "IDENTITY_GRPC_ADDR": upstreams.addr("identity"),
        "STUDENTS_GRPC_ADDR": upstreams.addr("students"),
        "GRADES_GRPC_ADDR": upstreams.addr("grades"),
        "GRPC_TIMEOUT_S": "2",
        "SESSION_CACHE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def app(environ: dict[str, str]) -> Iterator[Flask]:
    application = create_app(environ)
    yield application
    application.extensions["school_gateway.upstreams"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Browser:
    """Drives the gateway the way a browser or an API client does (conftest is not importable)."""

    def __init__(self, upstreams: Upstreams):
        self.upstreams = upstreams

    @staticmethod
    def csrf(client: FlaskClient) -> str:
        response = client.get("/api/v1/session")
        assert response.status_code == 200, response.text
        return str(response.json["csrf_token"])

    def code(self, username: str = "hieutruong", secret: str | None = None) -> str:
        """A TOTP code identity accepts now (each code works once)."""
        return self.upstreams.identity.fresh_code(username, secret)

    def login(self, client: FlaskClient, username: str = "hieutruong", password: str = PASSWORD) -> str:
        """Sign in through the JSON API, answering a TOTP step when asked; returns the session's CSRF token."""
        token = self.csrf(client)
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200, response.text
        body = response.json
        if body["outcome"] == "mfa_required":
            response = client.post(
                "/api/v1/auth/continue",
                json={"totp_code": self.code(username)},
                headers={"X-CSRFToken": body["csrf_token"]},
            )
            assert response.status_code == 200, response.text
            body = response.json
        assert body["outcome"] == "signed_in", body
        return str(body["csrf_token"])

    @staticmethod
    def form_csrf(html: str) -> str:
        """The CSRF token embedded in a rendered form."""
        marker = 'name="csrf_token" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]

    @staticmethod
    def session_cookie(client: FlaskClient) -> str:
        cookie = client.get_cookie("tv_session")
        return cookie.value if cookie else ""

    @staticmethod
    def cookie_data(app: Flask, client: FlaskClient) -> dict[str, Any]:
        """What the signed session cookie holds (empty when there is none)."""
        value = Browser.session_cookie(client)
        if not value:
            return {}
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        return dict(serializer.loads(value))

    def step_up(self, client: FlaskClient, token: str, username: str = "hieutruong") -> None:
        response = client.post(
            "/api/v1/auth/step-up", json={"totp_code": self.code(username)}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def browser(upstreams: Upstreams) -> Browser:
    return Browser(upstreams)


@pytest.fixture
def signed_in(client: FlaskClient, upstreams: Upstreams, browser: Browser) -> str:
    """A client signed in as the principal (HT, with TOTP) through the JSON API; returns the CSRF token."""
    token = browser.login(client)
    upstreams.recorder.clear()
    return token
