"""TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s step) and one-time recovery codes.

A code is accepted only in its own time step (no window either side), and only once: the step of
the last accepted code is stored, and a code of that step or an earlier one is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp

DIGITS = 6
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# 16 characters of Crockford's base32 alphabet (no i, l, o, u to misread): 80 bits, so a fast
# salted hash is safe to store them with.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_GROUPS, _RECOVERY_GROUP_LEN = 4, 4
_CODE = re.compile(r"^\d{6}$")


def time_step(now: datetime) -> int:
    """The TOTP counter for ``now`` (whole 30-second steps since the Unix epoch)."""
    return int(now.timestamp()) // STEP_SECONDS


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (the RFC 4226 recommendation)."""
    return pyotp.random_base32(32)


def demo_secret(username: str) -> str:
    """The demo seed's published, deterministic secret; never used outside the demo."""
    digest = hashlib.sha256(f"trung-vuong-demo:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, digest=hashlib.sha1, interval=STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of ``step`` (tests and the demo use it to play the authenticator app)."""
    return _totp(secret).generate_otp(step)


def normalise_code(raw: str) -> str:
    """Digits only: apps show "123 456" and people type it that way."""
    return "".join(raw.split())


def accept_totp(secret: str, raw_code: str, now: datetime, last_used_step: int | None) -> int | None:
    """The step to remember when ``raw_code`` is valid now and not used before, else None."""
    code = normalise_code(raw_code)
    if not _CODE.match(code):
        return None
    step = time_step(now)
    if last_used_step is not None and step <= last_used_step:
        return None
    if not hmac.compare_digest(code.encode(), code_at(secret, step).encode()):
        return None
    return step


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """otpauth:// URI for a QR code; authenticator apps show "issuer (username)"."""
    return _totp(secret).provisioning_uri(name=username, issuer_name=issuer)


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh one-time codes, grouped for reading aloud: "abcd-efgh-jkmn-pqrs"."""
    codes = []
    for _ in range(count):
        chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUPS * _RECOVERY_GROUP_LEN))
        codes.append("-".join(chars[i : i + _RECOVERY_GROUP_LEN] for i in range(0, len(chars), _RECOVERY_GROUP_LEN)))
    return codes


def normalise_recovery_code(raw: str) -> str:
    """Case, spaces and dashes do not matter when a recovery code is typed."""
    return "".join(ch for ch in raw.casefold() if ch.isalnum())


def hash_recovery_code(account_id: str, raw: str) -> str:
    """What is stored for a recovery code: SHA-256 salted with the account id (80-bit codes)."""
    return hashlib.sha256(f"{account_id}:{normalise_recovery_code(raw)}".encode()).hexdigest()
