"""Domain events identity publishes (past tense); mapped to protobuf messages on the way out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountCreated:
    user_id: str
    school_id: str
    username: str
    full_name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class UserLoggedIn:
    user_id: str
    school_id: str


DomainEvent = AccountCreated | UserLoggedIn
