"""Authorization-matrix rows and bodies for the attendance routes (see areas/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World


def rows() -> list[Row]:
    return []


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {}
