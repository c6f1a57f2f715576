"""Fixtures for the deployment checks: repository paths and PyYAML (skips cleanly without it)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="session")
def yaml() -> ModuleType:
    # PyYAML is not (yet) in requirements-dev.txt; without it the YAML checks skip, saying why.
    return pytest.importorskip("yaml", reason="PyYAML is not installed: add PyYAML to requirements-dev.txt")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def deploy_dir() -> Path:
    return DEPLOY
