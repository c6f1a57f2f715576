"""The student search rule: folded words, each found in the folded full name."""

from __future__ import annotations

import pytest

from school_students.domain.names import fold, name_matches, search_words


@pytest.mark.parametrize(
    "query",
    ["Nguyen Van An", "nguyen an", "NGUYỄN", "van an", "an nguyen", "nguy", "guyễ", "Nguyễn  Văn   An", "n v a"],
)
def test_diacritic_free_words_find_the_name(query: str) -> None:
    assert name_matches(search_words(query), fold("Nguyễn Văn An"))


@pytest.mark.parametrize("query", ["nguyen binh", "tran", "nguyen van anh", "xyz"])
def test_a_missing_word_does_not_match(query: str) -> None:
    assert not name_matches(search_words(query), fold("Nguyễn Văn An"))


def test_d_with_stroke_folds_to_d() -> None:
    assert search_words("Đỗ Đức") == ["do", "duc"]
    assert name_matches(search_words("do duc"), fold("Đỗ Đức Anh"))
    assert name_matches(search_words("đỗ"), fold("Đỗ Đức Anh"))


def test_combining_marks_typed_by_some_keyboards_fold_the_same() -> None:
    decomposed = "Nguye\u0302\u0303n"  # NFD input
    assert search_words(decomposed) == ["nguyen"]


def test_empty_query_has_no_words_and_matches_everything() -> None:
    assert search_words("   ") == []
    assert name_matches([], fold("Lê Thị Anh"))
