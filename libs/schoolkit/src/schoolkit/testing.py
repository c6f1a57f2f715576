"""Helpers for the platform's tests: free ports, fresh databases (SQLite or PostgreSQL), waiting."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from schoolkit.db import normalise_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_kinds() -> list[str]:
    """``sqlite`` always; ``postgres`` too when TEST_POSTGRES_URL is set (CI sets it)."""
    return ["sqlite", "postgres"] if os.environ.get("TEST_POSTGRES_URL") else ["sqlite"]


@contextmanager
def fresh_database(kind: str, workdir: Path, name: str = "db") -> Iterator[str]:
    """Yield the URL of an empty database, dropped afterwards (PostgreSQL) or in ``workdir`` (SQLite)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / (name + '.db')}"
        return
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        raise RuntimeError("TEST_POSTGRES_URL is not set")
    admin_url = make_url(normalise_url(base))
    dbname = f"t_{name}_{uuid.uuid4().hex[:10]}".lower()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    try:
        yield admin_url.set(database=dbname).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": dbname},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
        admin.dispose()


def wait_for(
    predicate: Callable[[], object], timeout_s: float = 30.0, interval_s: float = 0.1, what: str = ""
) -> object:
    """Poll until ``predicate`` returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout_s
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - keep polling; report the last failure on timeout
            last_exc = exc
        time.sleep(interval_s)
    raise TimeoutError(f"timed out after {timeout_s}s waiting for {what or predicate}: {last_exc!r}")
