"""Domain-error ⇄ gRPC status translation, with field-level details (google.rpc.BadRequest)."""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status


class ServiceError(Exception):
    """Base for errors a use case raises on purpose; each maps to one gRPC status code."""

    code = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, message: str, fields: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class InvalidInputError(ServiceError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFoundError(ServiceError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(ServiceError):
    code = grpc.StatusCode.ALREADY_EXISTS


class ConflictError(ServiceError):
    """Optimistic-concurrency failure: someone changed the record since the caller read it."""

    code = grpc.StatusCode.ABORTED


class PreconditionFailedError(ServiceError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class ForbiddenError(ServiceError):
    code = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(ServiceError):
    code = grpc.StatusCode.UNAUTHENTICATED


def to_status(err: ServiceError) -> status_pb2.Status:
    """Build a rich status whose BadRequest detail names each offending field."""
    status = status_pb2.Status(code=err.code.value[0], message=err.message)
    if err.fields:
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in err.fields.items()
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return status


def abort_with(context: grpc.ServicerContext, err: ServiceError) -> None:
    context.abort_with_status(rpc_status.to_status(to_status(err)))


def field_violations(exc: grpc.RpcError) -> dict[str, str]:
    """Read the BadRequest field violations of a failed call (empty when there are none)."""
    status = rpc_status.from_call(exc)
    out: dict[str, str] = {}
    if status is None:
        return out
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            br = error_details_pb2.BadRequest()
            detail.Unpack(br)
            for v in br.field_violations:
                out[v.field] = v.description
    return out


INTERNAL_CODE = code_pb2.INTERNAL
