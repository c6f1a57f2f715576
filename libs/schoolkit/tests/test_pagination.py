"""Page sizes and opaque page tokens."""

from __future__ import annotations

import pytest

from schoolkit.pagination import PageError, PageRequest, encode_token, make_page, page_request


@pytest.mark.parametrize(("asked", "got"), [(0, 50), (1, 1), (200, 200), (201, 200), (10_000, 200)])
def test_page_size(asked: int, got: int) -> None:
    assert page_request(asked, "", "x").size == got


def test_negative_page_size_is_refused() -> None:
    with pytest.raises(PageError) as info:
        page_request(-1, "", "x")
    assert "page_size" in info.value.fields


def test_token_round_trip_and_scope() -> None:
    page = make_page(["a", "b", "c"], PageRequest(size=2), "students:c1", lambda s: s)
    assert page.items == ["a", "b"]
    assert page_request(2, page.next_token, "students:c1").after_id == "b"
    with pytest.raises(PageError) as info:
        page_request(2, page.next_token, "students:c2")
    assert info.value.fields == {"page_token": "Mã trang không hợp lệ hoặc đã hết hạn"}


def test_last_page_has_no_token() -> None:
    assert make_page(["a", "b"], PageRequest(size=2), "s", lambda s: s).next_token == ""


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", encode_token("s", "")])
def test_garbage_tokens_are_refused(token: str) -> None:
    with pytest.raises(PageError):
        page_request(10, token, "s")
