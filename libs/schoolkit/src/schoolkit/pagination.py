"""Page sizes and opaque page tokens for keyset pagination of every List* call, in every service.

A token carries only the id of the last row served and the list it belongs to; the repository
resumes after that row's sort key. Tokens thus hold no names or birth dates (they end up in
URLs and access logs), and stay valid while rows are added or removed between pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
T = TypeVar("T")


class PageError(ValueError):
    """A bad page size or token; ``fields`` names the request field in Vietnamese (→ INVALID_ARGUMENT)."""

    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message)
        self.message = message
        self.fields = fields


@dataclass(frozen=True)
class PageRequest:
    """How many rows to return, and the id of the row to resume after (None = from the start)."""

    size: int
    after_id: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str


def invalid_token() -> PageError:
    return PageError("Mã trang không hợp lệ", {"page_token": "Mã trang không hợp lệ hoặc đã hết hạn"})


def page_request(page_size: int, page_token: str, scope: str) -> PageRequest:
    """Read page_size (0 → 50, above 200 → 200) and a token issued for the same ``scope``.

    The scope (e.g. "students:<class id>") is sealed into the token so a token from one list
    cannot be replayed against another and skip or repeat rows.
    """
    if page_size < 0:
        raise PageError("Kích thước trang không hợp lệ", {"page_size": "Kích thước trang không được âm"})
    size = DEFAULT_PAGE_SIZE if page_size == 0 else min(page_size, MAX_PAGE_SIZE)
    if not page_token:
        return PageRequest(size=size)
    try:
        padded = page_token.encode("ascii") + b"=" * (-len(page_token) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error, UnicodeError):
        raise invalid_token() from None
    if not isinstance(raw, dict) or raw.get("s") != scope or not isinstance(raw.get("a"), str) or not raw["a"]:
        raise invalid_token()
    return PageRequest(size=size, after_id=raw["a"])


def encode_token(scope: str, after_id: str) -> str:
    payload = json.dumps({"s": scope, "a": after_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def make_page(rows: list[T], request: PageRequest, scope: str, id_of: Callable[[T], str]) -> Page[T]:
    """Cut a fetch of ``size + 1`` rows to size; the extra row only tells that a next page exists."""
    if len(rows) <= request.size:
        return Page(items=rows, next_token="")
    items = rows[: request.size]
    return Page(items=items, next_token=encode_token(scope, id_of(items[-1])))
