"""The roster sort key: given name (last word) first, then the full name, lower case, accents folded."""

from __future__ import annotations

import unicodedata

from school_grades.domain.names import fold, roster_sort_key


def test_fold() -> None:
    assert fold("Đặng Thị Ngọc Ánh") == "dang thi ngoc anh"
    assert fold("Ưng Ơn Ăn Âu") == "ung on an au"


def test_given_name_comes_first() -> None:
    assert roster_sort_key("Nguyễn Văn An").startswith("an nguyen van an")
    assert roster_sort_key("An").startswith("an an")


def test_class_list_order() -> None:
    names = ["Trần Văn Bình", "Nguyễn Văn An", "Lê Thị Anh", "Lê Thị An", "Đỗ Đức Dũng", "Phạm Minh Đức", "Vũ Hà"]
    assert sorted(names, key=roster_sort_key) == [
        "Lê Thị An",
        "Nguyễn Văn An",
        "Lê Thị Anh",
        "Trần Văn Bình",
        "Phạm Minh Đức",
        "Đỗ Đức Dũng",
        "Vũ Hà",
    ]


def test_same_given_name_orders_by_full_name() -> None:
    assert sorted(["Trần Thị Mai", "Bùi Thị Mai", "Lê Mai"], key=roster_sort_key) == [
        "Bùi Thị Mai",
        "Lê Mai",
        "Trần Thị Mai",
    ]


def test_input_form_and_spacing_do_not_matter() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn  Thị Ánh ")
    assert roster_sort_key(nfd) == roster_sort_key("Nguyễn Thị Ánh")


def test_accent_only_differences_stay_distinct_and_ordered_after_fold() -> None:
    assert roster_sort_key("Lê Đào") != roster_sort_key("Lê Dao")
    assert sorted(["Lê Đào", "Lê Dao"], key=roster_sort_key)[0] == "Lê Dao"
