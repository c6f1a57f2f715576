"""Password rules for new passwords: length, no username, and zxcvbn's common-password check.

Long passphrases are welcome and nothing is required about composition (NIST SP 800-63B §5.1.1.2,
ASVS 6.2). The common-password and guessability check is zxcvbn's (its lists hold the 30,000 most
common passwords plus English words and names), not a list typed by hand.
"""

from __future__ import annotations

import threading
import unicodedata

from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # zxcvbn ships no type information

from school_identity.domain.policy import DEFAULT_PASSWORD_MIN_LENGTH

# Floor of the argon2id parameters (OWASP Password Storage Cheat Sheet; quality bar S4).
ARGON2_MIN_MEMORY_KIB = 19456
ARGON2_MIN_TIME_COST = 2
ARGON2_MIN_PARALLELISM = 1

MIN_LENGTH_FLOOR = 8
MAX_LENGTH = 128
# What a sign-in form may send: above any stored password, low enough that hashing cannot be
# used to burn CPU.
LOGIN_MAX_LENGTH = 1024
MIN_SCORE = 3

FIELD = "new_password"

# zxcvbn keeps the caller's user_inputs in a module-level dictionary while it scores, so two
# threads scoring at once could see each other's inputs; scoring takes milliseconds.
_zxcvbn_lock = threading.Lock()


def _is_common(password: str, username: str) -> tuple[bool, int]:
    """(whole password is one dictionary entry, zxcvbn score 0–4)."""
    with _zxcvbn_lock:
        result = zxcvbn(password, user_inputs=[username] if username else [], max_length=MAX_LENGTH)
    sequence = result["sequence"]
    # A single match covering the whole password, found in zxcvbn's password list or another of
    # its dictionaries (also reversed or in l33t spelling), is a known password.
    whole = (
        len(sequence) == 1
        and sequence[0].get("pattern") == "dictionary"
        and sequence[0].get("i") == 0
        and sequence[0].get("j") == len(password) - 1
    )
    return whole, int(result["score"])


def password_problem(password: str, username: str = "", min_length: int = DEFAULT_PASSWORD_MIN_LENGTH) -> str | None:
    """Why ``password`` cannot be set (Vietnamese), or None when it is acceptable."""
    if not password:
        return "Vui lòng nhập mật khẩu mới"
    length = len(unicodedata.normalize("NFC", password))
    if length < min_length:
        return f"Mật khẩu phải có ít nhất {min_length} ký tự"
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu không được dài quá {MAX_LENGTH} ký tự"
    name = username.strip().casefold()
    if len(name) >= 3 and name in password.casefold():
        return "Mật khẩu không được chứa tên đăng nhập"
    common, score = _is_common(password, name)
    if common:
        return "Mật khẩu này nằm trong danh sách mật khẩu phổ biến, dễ bị dò ra; hãy chọn mật khẩu khác"
    if score < MIN_SCORE:
        return "Mật khẩu quá dễ đoán; hãy dùng một cụm từ dài hơn, ít gặp hơn (có thể có dấu cách và tiếng Việt)"
    return None
