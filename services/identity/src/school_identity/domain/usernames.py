"""Sign-in names: one canonical spelling so "GVCN", " gvcn " and "ｇｖｃｎ" are the same account."""

from __future__ import annotations

import re
import unicodedata

MIN_LENGTH = 3
MAX_LENGTH = 64

# ASCII only: look-alike letters from other scripts must not make a second "hieutruong".
_VALID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def normalise_username(raw: str) -> str:
    """Canonical form: NFKC (folds full-width forms), surrounding space removed, case-folded."""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def username_problem(normalised: str) -> str | None:
    """Why ``normalised`` cannot name a new account (Vietnamese, for the user), or None if it can."""
    if not normalised:
        return "Vui lòng nhập tên đăng nhập"
    if len(normalised) < MIN_LENGTH:
        return f"Tên đăng nhập phải có ít nhất {MIN_LENGTH} ký tự"
    if len(normalised) > MAX_LENGTH:
        return f"Tên đăng nhập không được dài quá {MAX_LENGTH} ký tự"
    if not _VALID.match(normalised):
        return "Tên đăng nhập chỉ gồm chữ cái không dấu, chữ số và các ký tự . _ -, bắt đầu bằng chữ hoặc số"
    return None
