"""Domain errors of the grades context, each with Vietnamese messages per offending field."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every refusal the grades rules can give."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class NotFoundError(DomainError):
    """The object is not in the caller's school (never said to exist elsewhere)."""


class ValidationError(DomainError):
    """A request field breaks a rule; ``fields`` maps each to its Vietnamese message."""
