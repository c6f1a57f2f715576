"""The archive's file store on a local folder; a province deployment can put object storage behind the same port."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


class FolderFileStore:
    """Files under ``root`` by key "<school id>/<name>"; each key written once (FileExistsError after)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        # Keys come from archive_name() and a school id, both tame; still, never leave the root.
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"archive key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        partial.write_bytes(data)
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        try:
            # A hard link fails when the name exists: an archived file is never replaced, even by a race.
            os.link(partial, path)
        finally:
            partial.unlink()

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
