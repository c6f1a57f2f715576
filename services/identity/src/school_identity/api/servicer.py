"""gRPC servicer for school.identity.v1.IdentityService: proto ⇄ use cases, domain errors → statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.identity.v1 import identity_pb2, identity_pb2_grpc
from school_identity.app import accounts, login, sessions
from school_identity.app.commands import GetMe, Login, Logout, RecordAccessDenied, ValidateSession
from school_identity.app.deps import Deps
from school_identity.domain import errors
from school_identity.domain.model import Principal
from school_identity.domain.roles import ME_READ
from schoolkit.context import request_id_var
from schoolkit.grpc_errors import (
    AlreadyExistsError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    ServiceError,
    UnauthenticatedError,
)
from schoolkit.grpc_server import current_caller

SERVICE_FULL_NAME = identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name

# Only the gateway may present a user's password or session id.
SESSION_MANAGE = "identity:session:manage"

FORBIDDEN_MESSAGE = "Bạn không có quyền thực hiện thao tác này"


def _method(name: str) -> str:
    return f"/{SERVICE_FULL_NAME}/{name}"


def _to_service_error(err: errors.IdentityError) -> ServiceError:
    if isinstance(err, errors.InvalidValueError):
        return InvalidInputError(err.message, fields=err.fields)
    if isinstance(err, errors.InvalidCredentialsError | errors.SessionInvalidError | errors.AccountUnavailableError):
        return UnauthenticatedError(err.message)
    if isinstance(err, errors.UsernameTakenError):
        return AlreadyExistsError(err.message)
    if isinstance(err, errors.SchoolNotFoundError | errors.AccountNotFoundError):
        return NotFoundError(err.message)
    return PreconditionFailedError(err.message)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except errors.IdentityError as err:
        raise _to_service_error(err) from None


def _timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def _principal(p: Principal) -> identity_pb2.Principal:
    return identity_pb2.Principal(
        user_id=p.user_id,
        username=p.username,
        full_name=p.full_name,
        school_id=p.school_id,
        roles=list(p.roles),
        permissions=sorted(p.permissions),
    )


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    """Thin: checks the caller's permission, builds a command, runs the use case, maps the result."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def register(self, server: grpc.Server) -> str:
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(self, server)
        return SERVICE_FULL_NAME

    def _deny(self, method: str, permission: str) -> ForbiddenError:
        caller = current_caller()
        accounts.record_access_denied(
            RecordAccessDenied(
                actor=caller.subject,
                school_id=caller.school_id,
                method=_method(method),
                permission=permission,
                request_id=request_id_var.get() or "",
            ),
            self._deps,
        )
        return ForbiddenError(FORBIDDEN_MESSAGE)

    def _require(self, method: str, permission: str) -> None:
        if not current_caller().has(permission):
            raise self._deny(method, permission)

    def Login(self, request: identity_pb2.LoginRequest, context: grpc.ServicerContext) -> identity_pb2.LoginResponse:
        self._require("Login", SESSION_MANAGE)
        cmd = Login(
            username=request.username,
            password=request.password,
            client_ip=request.client_ip,
            user_agent=request.user_agent,
            request_id=request_id_var.get() or "",
        )
        with _translated():
            result = login.login(cmd, self._deps)
        return identity_pb2.LoginResponse(
            session_id=result.session_id,
            principal=_principal(result.principal),
            expires_at=_timestamp(result.expires_at),
        )

    def ValidateSession(
        self, request: identity_pb2.ValidateSessionRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ValidateSessionResponse:
        self._require("ValidateSession", SESSION_MANAGE)
        with _translated():
            view = sessions.validate_session(ValidateSession(session_id=request.session_id), self._deps)
        return identity_pb2.ValidateSessionResponse(
            principal=_principal(view.principal), expires_at=_timestamp(view.expires_at)
        )

    def Logout(self, request: identity_pb2.LogoutRequest, context: grpc.ServicerContext) -> identity_pb2.LogoutResponse:
        self._require("Logout", SESSION_MANAGE)
        with _translated():
            sessions.logout(Logout(session_id=request.session_id, request_id=request_id_var.get() or ""), self._deps)
        return identity_pb2.LogoutResponse()

    def GetMe(self, request: identity_pb2.GetMeRequest, context: grpc.ServicerContext) -> identity_pb2.GetMeResponse:
        caller = current_caller()
        # A service token names no person: "me" only makes sense for a user token.
        if caller.is_service:
            raise self._deny("GetMe", ME_READ)
        self._require("GetMe", ME_READ)
        with _translated():
            principal = accounts.get_me(GetMe(user_id=caller.subject, school_id=caller.school_id), self._deps)
        return identity_pb2.GetMeResponse(principal=_principal(principal))
