"""Domain errors: what a rule refuses, with a Vietnamese message per offending field.

The API layer maps each kind to one gRPC status; the domain stays free of transport concerns.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every refusal the students rules can give."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class ValidationError(DomainError):
    """One or more fields break a rule; ``fields`` maps each to its Vietnamese message."""


class NotFoundError(DomainError):
    """The record does not exist in the caller's school (other schools' records count as absent)."""


class DuplicateError(DomainError):
    """A unique natural key (year name, class name, student code) is already taken."""


class ConcurrencyError(DomainError):
    """The record changed since the caller read it (optimistic concurrency)."""


class RuleViolationError(DomainError):
    """The request is well-formed but the current state forbids it."""


class ClassFullError(RuleViolationError):
    """The class has reached its maximum size (sĩ số tối đa)."""


class FieldErrors:
    """Collects field problems so one answer names every bad field, not just the first."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        # The first problem of a field is the most basic one (e.g. "empty" before "too short").
        self.errors.setdefault(field, message)

    def has(self, field: str) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: str = "Dữ liệu không hợp lệ") -> None:
        if self.errors:
            raise ValidationError(message, self.errors)
