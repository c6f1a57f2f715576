"""The domain stays pure and the use cases stay free of transport and storage (architecture §3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "school_identity"

FORBIDDEN = {
    "domain": {"grpc", "google", "sqlalchemy", "alembic", "flask", "kafka", "argon2", "school", "schoolkit"},
    "app": {"grpc", "google", "sqlalchemy", "alembic", "flask", "kafka", "argon2", "school", "schoolkit"},
}

# Pure helpers the use cases may share with other services: the cell rules of spreadsheet imports
# (no storage, no transport; the workbook file format stays behind the Spreadsheets port).
ALLOWED_MODULES = {"app": {"schoolkit.spreadsheets"}}


def imported_roots(path: Path, allowed: frozenset[str] | set[str] = frozenset()) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names if alias.name not in allowed)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module not in allowed:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    files = sorted((PACKAGE / layer).glob("*.py"))
    assert files
    for path in files:
        bad = imported_roots(path, ALLOWED_MODULES.get(layer, set())) & FORBIDDEN[layer]
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_only_config_reads_the_environment() -> None:
    readers = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "os.environ" in p.read_text(encoding="utf-8") or "getenv" in p.read_text(encoding="utf-8")
    }
    assert readers <= {"config.py"}
