"""Name folding for search and the Vietnamese class-list order (given name first)."""

from __future__ import annotations

from school_students.domain.names import fold, name_sort_key, normalise_name


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Nguyễn Thị Ánh Đào") == "nguyen thi anh dao"
    assert fold("Ưng Ơn Ăn Âu Ê Ô") == "ung on an au e o"


def test_normalise_collapses_spaces() -> None:
    assert normalise_name("  Lê   Văn\tTám ") == "Lê Văn Tám"


def test_class_list_is_ordered_by_given_name_then_full_name() -> None:
    names = ["Trần Văn Bình", "Nguyễn Văn An", "Lê Thị Anh", "Lê Thị An", "Đỗ Đức Dũng", "Phạm Minh Đức"]
    ordered = sorted(names, key=name_sort_key)
    assert ordered == ["Lê Thị An", "Nguyễn Văn An", "Lê Thị Anh", "Trần Văn Bình", "Phạm Minh Đức", "Đỗ Đức Dũng"]


def test_names_differing_only_by_accents_have_distinct_keys() -> None:
    assert name_sort_key("Lê Văn Đào") != name_sort_key("Lê Văn Dao")
