"""What identity's three servicers share: the permission check (audited denials), the translation
of domain errors to gRPC statuses, throttling answers with a retry-after, and proto helpers."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_status import rpc_status

from school_identity.api.permissions import METHOD_PERMISSIONS, SERVICE_METHODS
from school_identity.app import accounts
from school_identity.app.commands import Actor, RecordAccessDenied
from school_identity.app.deps import Deps
from school_identity.domain import errors
from schoolkit.context import request_id_var
from schoolkit.grpc_errors import (
    AlreadyExistsError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    ServiceError,
    UnauthenticatedError,
    to_status,
)
from schoolkit.grpc_server import current_caller

RETRY_AFTER = "retry-after"
STEP_UP_FIELD = "step_up"


class TooManyAttemptsError(ServiceError):
    """Throttled (HTTP 429 at the gateway); the delay travels in trailing metadata "retry-after"."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class _Status(collections.namedtuple("_Status", ("code", "details", "trailing_metadata")), grpc.Status):
    """A concrete grpc.Status (the class itself is abstract)."""


def abort_throttled(context: grpc.ServicerContext, err: TooManyAttemptsError) -> None:
    """Abort with RESOURCE_EXHAUSTED, the rich status and "retry-after: <seconds>".

    schoolkit's abort_with replaces the trailing metadata with the status details only, so the
    retry delay is added here, next to them.
    """
    status = rpc_status.to_status(to_status(err))
    metadata = (*tuple(status.trailing_metadata), (RETRY_AFTER, str(err.retry_after_s)))
    context.abort_with_status(_Status(status.code, status.details, metadata))


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def iso(value: date | None) -> str:
    return value.isoformat() if value else ""


class BaseServicer:
    """Checks the caller's permission for the method, builds the actor, maps domain errors."""

    SERVICE_NAME = ""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def register(self, server: grpc.Server) -> str:
        """Add the servicer to ``server`` and return the service's full name."""
        raise NotImplementedError

    def _method(self, name: str) -> str:
        return f"/{self.SERVICE_NAME}/{name}"

    def _deny(self, method: str, permission: str) -> ForbiddenError:
        caller = current_caller()
        accounts.record_access_denied(
            RecordAccessDenied(
                actor=caller.subject,
                school_id=caller.school_id,
                method=method,
                permission=permission,
                request_id=request_id_var.get() or "",
            ),
            self._deps,
        )
        return ForbiddenError(errors.FORBIDDEN)

    def _require(self, name: str) -> Actor:
        """The method's permission (table in api.permissions), else an audited PERMISSION_DENIED.

        Methods for people refuse service tokens: "me" and the tenant come from a person's token.
        """
        method = self._method(name)
        permission = METHOD_PERMISSIONS.get(method)
        caller = current_caller()
        if permission is None:  # a method without a table row is never callable (default deny)
            raise self._deny(method, "<unlisted>")
        if not caller.has(permission):
            raise self._deny(method, permission)
        if method not in SERVICE_METHODS and (caller.is_service or not caller.school_id):
            raise self._deny(method, permission)
        until = datetime.fromtimestamp(caller.stepped_up_until, UTC) if caller.stepped_up_until > 0 else None
        return Actor(
            user_id=caller.subject,
            school_id=caller.school_id,
            permissions=caller.permissions,
            stepped_up_until=until,
            request_id=request_id_var.get() or "",
        )

    @contextmanager
    def _translated(self, name: str, context: grpc.ServicerContext) -> Iterator[None]:
        try:
            yield
        except errors.ThrottledError as err:
            abort_throttled(context, TooManyAttemptsError(err.message, err.retry_after_s))
        except errors.AccessDeniedError as err:
            raise self._deny(self._method(name), err.permission or "<object>") from None
        except errors.IdentityError as err:
            raise to_service_error(err) from None


def to_service_error(err: errors.IdentityError) -> ServiceError:
    if isinstance(err, errors.InvalidValueError):
        return InvalidInputError(err.message, fields=err.fields)
    if isinstance(
        err,
        errors.InvalidCredentialsError
        | errors.SessionInvalidError
        | errors.AccountUnavailableError
        | errors.ChallengeInvalidError,
    ):
        return UnauthenticatedError(err.message)
    if isinstance(err, errors.AlreadyExistsError):
        return AlreadyExistsError(err.message)
    if isinstance(err, errors.NotFoundError):
        return NotFoundError(err.message)
    if isinstance(err, errors.ConflictError):
        return ConflictError(err.message)
    if isinstance(err, errors.StepUpRequiredError):
        # A field the gateway can test for: send the person to the step-up page, then retry.
        return PreconditionFailedError(err.message, fields={STEP_UP_FIELD: "required"})
    return PreconditionFailedError(err.message)
