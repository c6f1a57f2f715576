"""Translates domain refusals into schoolkit's gRPC errors (one status code per kind)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from school_students.domain import errors as domain
from schoolkit import grpc_errors
from schoolkit.pagination import PageError

_STATUS: list[tuple[type[domain.DomainError], type[grpc_errors.ServiceError]]] = [
    (domain.ValidationError, grpc_errors.InvalidInputError),
    (domain.NotFoundError, grpc_errors.NotFoundError),
    (domain.DuplicateError, grpc_errors.AlreadyExistsError),
    (domain.ConcurrencyError, grpc_errors.ConflictError),
    (domain.RuleViolationError, grpc_errors.PreconditionFailedError),
]


@contextmanager
def domain_errors() -> Iterator[None]:
    """Re-raise a domain error as the matching ServiceError, keeping its Vietnamese field messages."""
    try:
        yield
    except PageError as err:
        raise grpc_errors.InvalidInputError(err.message, err.fields) from None
    except domain.DomainError as err:
        for kind, status in _STATUS:
            if isinstance(err, kind):
                raise status(err.message, err.fields) from None
        raise grpc_errors.PreconditionFailedError(err.message, err.fields) from None
