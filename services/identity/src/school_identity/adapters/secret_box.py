"""Encryption of TOTP secrets at rest with Fernet (AES-128-CBC + HMAC-SHA256) and a key file.

The key lives in the file named by MFA_KEY_FILE (default var/keys/mfa.key), created by ``migrate``
and ``seed-demo`` when missing. Every replica of the service must read the same file (a mounted
secret in production): a new key makes every enrolled factor unreadable.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


def ensure_key_file(path: str | Path) -> bool:
    """Create a new key at ``path`` (owner-readable only) unless one exists; True when created."""
    target = Path(path)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes racing to create the key cannot both write one.
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
    return True


class FernetSecretBox:
    """Loads the key on first use, so ``serve`` can start (NOT_SERVING) before ``migrate`` made it."""

    def __init__(self, key_file: str | Path) -> None:
        self._path = Path(key_file)
        self._fernet: Fernet | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_key(cls, key: bytes) -> FernetSecretBox:
        box = cls(Path("-"))
        box._fernet = Fernet(key)
        return box

    def available(self) -> bool:
        """Whether the key can be loaded (the health check reports NOT_SERVING otherwise)."""
        try:
            self._get()
        except (OSError, ValueError):
            return False
        return True

    def _get(self) -> Fernet:
        if self._fernet is None:
            with self._lock:
                if self._fernet is None:
                    self._fernet = Fernet(self._path.read_bytes().strip())
        return self._fernet

    def encrypt(self, plain: str) -> str:
        return self._get().encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._get().decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            # A different key than the one the secret was stored with: an operator mistake.
            raise RuntimeError("cannot decrypt a stored MFA secret: is MFA_KEY_FILE the right key?") from exc
