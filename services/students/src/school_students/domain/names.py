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


# Fewer folded letters than this (spaces ignored) match too much of a school to be a search.
SEARCH_MIN_LETTERS = 2


def search_words(query: str) -> list[str]:
    """The folded words of a search box: "Nguyễn  AN" → ["nguyen", "an"]."""
    return fold(normalise_name(query)).split()


def name_matches(words: list[str], folded_name: str) -> bool:
    """The search rule: every folded word occurs in the folded full name (as a prefix or inside).

    "nguyen an" finds "Nguyễn Văn An"; "ngu" finds it too; word order does not matter. The
    database query applies the same rule with one ``LIKE '%word%'`` per word.
    """
    return all(word in folded_name for word in words)
