"""Vietnamese personal names: normalisation, accent-folded search text and class-list order."""

from __future__ import annotations

import unicodedata

# Separators allowed inside a name besides spaces: "Y-Moan", "H'Hen" (Ê Đê and other minorities).
NAME_PUNCTUATION = frozenset("-'")


def normalise_name(raw: str) -> str:
    """NFC form with single spaces: the same name typed on two keyboards compares equal.

    Vietnamese input methods produce either precomposed (NFC) or combining (NFD) letters.
    """
    return " ".join(unicodedata.normalize("NFC", raw).split())


def fold(text: str) -> str:
    """Lower case without diacritics, "đ" as "d": what a user types when searching "nguyen van an"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_sort_key(full_name: str) -> str:
    """Key ordering a Vietnamese class list: given name first, then the whole name.

    Vietnamese names run family, middle, given ("Nguyễn Văn An"); schools list pupils by the
    given name (the last word), so "Lê Thị Anh" comes after "Trần Văn An". Folding makes the key
    comparable byte by byte on every database; the unfolded lower-case name breaks ties between
    names that differ only by accents, so the order is total and stable.
    """
    name = normalise_name(full_name)
    words = name.split(" ")
    given = words[-1] if words else ""
    return f"{fold(given)} {fold(name)} {name.lower()}"
