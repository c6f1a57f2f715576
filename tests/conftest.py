"""Cross-service fixtures: one whole system started by the launcher, shared by e2e and browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import ROOT, Api, Stack

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("stack-var"), artifacts / "stack.log")
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def head(stack: Stack) -> Api:
    """The principal (HT), signed in once with a TOTP code for the whole session: each code works once."""
    api = Api(stack.url)
    assert api.login("hieutruong").status_code == 200
    return api
