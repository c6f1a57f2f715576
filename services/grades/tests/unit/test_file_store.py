"""The archive's folder store: a key is written once, read back, and can never leave the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from school_grades.adapters.file_store import FolderFileStore


def test_write_once_read_back_and_delete(tmp_path: Path) -> None:
    store = FolderFileStore(tmp_path)
    store.put("school-a/2025-2026/CN/3A/HOC_BA_HS1_v1.pdf", b"%PDF-1")
    assert store.get("school-a/2025-2026/CN/3A/HOC_BA_HS1_v1.pdf") == b"%PDF-1"
    with pytest.raises(FileExistsError):
        store.put("school-a/2025-2026/CN/3A/HOC_BA_HS1_v1.pdf", b"%PDF-2")
    assert store.get("school-a/2025-2026/CN/3A/HOC_BA_HS1_v1.pdf") == b"%PDF-1"  # never replaced
    assert [p.name for p in (tmp_path / "school-a/2025-2026/CN/3A").iterdir()] == ["HOC_BA_HS1_v1.pdf"]
    store.delete("school-a/2025-2026/CN/3A/HOC_BA_HS1_v1.pdf")
    assert store.get("school-a/2025-2026/CN/3A/HOC_BA_HS1_v1.pdf") is None
    store.delete("school-a/missing.pdf")  # nothing to remove is fine


@pytest.mark.parametrize("key", ["../outside.pdf", "school-a/../../outside.pdf", "/etc/passwd", ""])
def test_keys_cannot_leave_the_root(tmp_path: Path, key: str) -> None:
    store = FolderFileStore(tmp_path / "archive")
    with pytest.raises(ValueError, match="outside the store"):
        store.put(key, b"x")
