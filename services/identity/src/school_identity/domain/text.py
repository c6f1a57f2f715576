"""Text helpers for Vietnamese: fold diacritics so "Nguyễn" is found by "nguyen"."""

from __future__ import annotations

import unicodedata

# Đ/đ is a letter of its own, not D with a combining mark, so NFD leaves it alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: the form used for search and uniqueness checks."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def clean_spaces(text: str) -> str:
    """Surrounding space removed and inner runs of space collapsed (names typed by hand)."""
    return " ".join(unicodedata.normalize("NFC", text).split())
