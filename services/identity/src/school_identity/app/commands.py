"""Commands (what a caller asks for), the acting person, and results of identity's use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from school_identity.domain.model import Principal


@dataclass(frozen=True)
class Actor:
    """The verified person calling an administrative or self-service use case."""

    user_id: str
    school_id: str
    permissions: frozenset[str] = frozenset()
    stepped_up_until: datetime | None = None
    request_id: str = ""

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def stepped_up(self, now: datetime) -> bool:
        return self.stepped_up_until is not None and self.stepped_up_until > now


class LoginOutcome(StrEnum):
    SIGNED_IN = "SIGNED_IN"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"  # noqa: S105 - an outcome name, not a password
    MFA_ENROLMENT_REQUIRED = "MFA_ENROLMENT_REQUIRED"
    MFA_REQUIRED = "MFA_REQUIRED"


@dataclass(frozen=True)
class MfaSecretView:
    secret: str
    provisioning_uri: str

    def __repr__(self) -> str:
        return "MfaSecretView(<hidden>)"


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    client_ip: str = ""
    user_agent: str = ""
    request_id: str = ""

    def __repr__(self) -> str:
        # Keeps the password out of tracebacks and debug logs.
        return f"Login(username={self.username!r}, client_ip={self.client_ip!r}, request_id={self.request_id!r})"


@dataclass(frozen=True)
class ContinueLogin:
    challenge_id: str
    new_password: str = ""
    totp_code: str = ""
    recovery_code: str = ""
    client_ip: str = ""
    request_id: str = ""

    def __repr__(self) -> str:
        return f"ContinueLogin(client_ip={self.client_ip!r}, request_id={self.request_id!r})"


@dataclass(frozen=True)
class LoginResult:
    """A signed-in session, or the next step with its challenge."""

    outcome: LoginOutcome
    principal: Principal
    session_id: str = ""
    expires_at: datetime | None = None
    challenge_id: str = ""
    mfa_secret: MfaSecretView | None = None
    recovery_codes: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class ValidateSession:
    session_id: str


@dataclass(frozen=True)
class SessionView:
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True)
class Logout:
    session_id: str
    request_id: str = ""


@dataclass(frozen=True)
class StepUp:
    session_id: str
    totp_code: str
    client_ip: str = ""
    request_id: str = ""

    def __repr__(self) -> str:
        return f"StepUp(request_id={self.request_id!r})"


@dataclass(frozen=True)
class GetMe:
    user_id: str
    school_id: str


@dataclass(frozen=True)
class CreateSchool:
    school_id: str
    code: str
    name: str


@dataclass(frozen=True)
class CreateAccount:
    school_id: str
    username: str
    full_name: str
    password: str
    roles: tuple[str, ...]
    actor: str
    account_id: str | None = None
    request_id: str = ""
    must_change_password: bool = False
    password_expires_at: datetime | None = None
    # Generated one-time codes skip the strength rules meant for passwords people choose.
    check_password_policy: bool = True
    allow_no_roles: bool = False

    def __repr__(self) -> str:
        return f"CreateAccount(school_id={self.school_id!r}, username={self.username!r}, roles={self.roles!r})"


@dataclass(frozen=True)
class ChangePassword:
    current_password: str
    new_password: str
    keep_session_id: str = ""
    client_ip: str = ""

    def __repr__(self) -> str:
        return "ChangePassword(<hidden>)"


@dataclass(frozen=True)
class RecordAccessDenied:
    actor: str
    school_id: str
    method: str
    permission: str
    request_id: str = ""
