"""The dependencies every use case receives, gathered once by the composition root."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from school_identity.app.ports import Clock, PasswordHasher, SecretBox, Spreadsheets, UnitOfWorkFactory
from school_identity.domain.policy import IdentityRules
from school_identity.domain.sessions import SessionPolicy

# One-time sign-in codes are typed by hand from a slip of paper: no look-alike characters.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_CODE_LENGTH = 12


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_session_id() -> str:
    """An opaque session (or challenge) id with 256 bits of randomness, URL-safe for a cookie."""
    return secrets.token_urlsafe(32)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_one_time_code() -> str:
    """12 characters from 55 (about 69 bits), for an administrator to hand over."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(ONE_TIME_CODE_LENGTH))


@dataclass(frozen=True)
class Deps:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    secrets: SecretBox
    sheets: Spreadsheets
    policy: SessionPolicy = field(default_factory=SessionPolicy)
    rules: IdentityRules = field(default_factory=IdentityRules)
    clock: Clock = utc_now
    new_session_id: Callable[[], str] = new_session_id
    new_id: Callable[[], str] = new_uuid
    new_one_time_code: Callable[[], str] = new_one_time_code
