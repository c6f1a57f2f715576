"""Commands (what a caller asks for) and results of identity's use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from school_identity.domain.model import Principal


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
class LoginResult:
    session_id: str
    principal: Principal
    expires_at: datetime


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

    def __repr__(self) -> str:
        return f"CreateAccount(school_id={self.school_id!r}, username={self.username!r}, roles={self.roles!r})"


@dataclass(frozen=True)
class DisableAccount:
    account_id: str
    actor: str
    request_id: str = ""


@dataclass(frozen=True)
class RecordAccessDenied:
    actor: str
    school_id: str
    method: str
    permission: str
    request_id: str = ""
