"""Page sizes and opaque page tokens for keyset pagination of every List* call.

A token carries only the id of the last row served and the list it belongs to, so tokens hold no
names (they end up in URLs and access logs) and a token of one list cannot be replayed on another.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from school_identity.domain.errors import InvalidValueError

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    size: int
    after: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str


def _invalid_token() -> InvalidValueError:
    return InvalidValueError({"page_token": "Mã trang không hợp lệ hoặc đã hết hạn"})


def page_request(page_size: int, page_token: str, scope: str) -> PageRequest:
    """page_size 0 → 50, above 200 → 200; a token must have been issued for the same ``scope``."""
    if page_size < 0:
        raise InvalidValueError({"page_size": "Kích thước trang không được âm"})
    size = DEFAULT_PAGE_SIZE if page_size == 0 else min(page_size, MAX_PAGE_SIZE)
    if not page_token:
        return PageRequest(size=size)
    try:
        padded = page_token.encode("ascii") + b"=" * (-len(page_token) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error, UnicodeError):
        raise _invalid_token() from None
    if not isinstance(raw, dict) or raw.get("s") != scope or not isinstance(raw.get("a"), str) or not raw["a"]:
        raise _invalid_token()
    return PageRequest(size=size, after=raw["a"])


def encode_token(scope: str, after: str) -> str:
    payload = json.dumps({"s": scope, "a": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def make_page(rows: Sequence[T], request: PageRequest, scope: str, id_of: Callable[[T], str]) -> Page[T]:
    """Cut a fetch of ``size + 1`` rows to size; the extra row only tells that a next page exists."""
    if len(rows) <= request.size:
        return Page(items=list(rows), next_token="")
    items = list(rows[: request.size])
    return Page(items=items, next_token=encode_token(scope, id_of(items[-1])))


def slice_after(rows: Sequence[T], request: PageRequest, scope: str, id_of: Callable[[T], str]) -> Page[T]:
    """Page through an in-memory list that is already sorted (small per-school lists)."""
    start = 0
    if request.after is not None:
        ids = [id_of(r) for r in rows]
        if request.after not in ids:
            raise _invalid_token()
        start = ids.index(request.after) + 1
    return make_page(rows[start : start + request.size + 1], request, scope, id_of)
