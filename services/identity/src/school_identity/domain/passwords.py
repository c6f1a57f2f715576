"""Password rules for new passwords (long passphrases welcome; nothing about composition)."""

from __future__ import annotations

# Floor of the argon2id parameters (OWASP Password Storage Cheat Sheet; quality bar S4).
ARGON2_MIN_MEMORY_KIB = 19456
ARGON2_MIN_TIME_COST = 2
ARGON2_MIN_PARALLELISM = 1

MIN_LENGTH = 8
# Far above any real passphrase (64+ must work), low enough that hashing cannot be used to burn CPU.
MAX_LENGTH = 1024


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be set (Vietnamese), or None when it is acceptable."""
    if not password:
        return "Vui lòng nhập mật khẩu"
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự"
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu không được dài quá {MAX_LENGTH} ký tự"
    return None
