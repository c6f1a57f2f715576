"""The dependencies every use case receives, gathered once by the composition root."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from school_identity.app.ports import Clock, PasswordHasher, UnitOfWorkFactory
from school_identity.domain.sessions import SessionPolicy


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_session_id() -> str:
    """An opaque session id with 256 bits of randomness, URL-safe for a cookie."""
    return secrets.token_urlsafe(32)


def new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Deps:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    policy: SessionPolicy = field(default_factory=SessionPolicy)
    clock: Clock = utc_now
    new_session_id: Callable[[], str] = new_session_id
    new_id: Callable[[], str] = new_uuid
