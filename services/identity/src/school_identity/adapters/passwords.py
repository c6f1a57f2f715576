"""Argon2id password hashing (argon2-cffi) with parameters from configuration."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from school_identity.domain.passwords import ARGON2_MIN_MEMORY_KIB as MIN_MEMORY_KIB
from school_identity.domain.passwords import ARGON2_MIN_PARALLELISM as MIN_PARALLELISM
from school_identity.domain.passwords import ARGON2_MIN_TIME_COST as MIN_TIME_COST


class Argon2PasswordHasher:
    """Hashes new passwords as argon2id and verifies any argon2 hash (old parameters included)."""

    def __init__(
        self,
        *,
        memory_kib: int = MIN_MEMORY_KIB,
        time_cost: int = MIN_TIME_COST,
        parallelism: int = MIN_PARALLELISM,
        allow_weak: bool = False,
    ) -> None:
        # allow_weak exists only so tests can manufacture "legacy" hashes to be upgraded.
        if not allow_weak and (memory_kib < MIN_MEMORY_KIB or time_cost < MIN_TIME_COST or parallelism < 1):
            raise ValueError(
                f"argon2id parameters below m={MIN_MEMORY_KIB}, t={MIN_TIME_COST}, p={MIN_PARALLELISM} are refused"
            )
        self._ph = PasswordHasher(
            memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism, hash_len=32, salt_len=16, type=Type.ID
        )
        self._dummy = self._ph.hash(secrets.token_urlsafe(24))

    @property
    def dummy_hash(self) -> str:
        return self._dummy

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._ph.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            # VerifyMismatchError is a VerificationError; a corrupt or foreign hash fails closed too.
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._ph.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
