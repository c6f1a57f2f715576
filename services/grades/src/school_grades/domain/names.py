"""Vietnamese class-list order: by given name (the last word), then the whole name, accents folded."""

from __future__ import annotations

import unicodedata


def normalise_name(raw: str) -> str:
    """NFC form with single spaces, so names typed with different input methods compare equal."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def fold(text: str) -> str:
    """Lower case without diacritics, "đ" as "d" ("Đỗ Thị Ánh" → "do thi anh")."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def roster_sort_key(full_name: str) -> str:
    """Key that orders a roster the way Vietnamese class lists are ordered.

    Names run family, middle, given ("Nguyễn Văn An"), and schools list pupils by the given name,
    so "Lê Thị Anh" follows "Trần Văn An". The folded text compares byte by byte the same way on
    SQLite and PostgreSQL (column collation "C"); a space sorts before every letter, so "An"
    precedes "Anh". The unfolded lower-case name at the end separates names that differ only by
    accents ("Đào" / "Dao"), keeping the order total.
    """
    name = normalise_name(full_name)
    given = name.rsplit(" ", 1)[-1]
    return f"{fold(given)} {fold(name)} {name.lower()}"
