"""The gateway's authorization matrix against the whole running system (quality bar S1, issue 3 point 10).

Every route × method of the gateway has a row in tests/security/matrix.py; this module checks that
the table and the app agree (a new route without a row fails), then sends every cell — each role
(and anonymous) × each object relation (own class, other class of the school, other school) — to
the stack started by the launcher, and compares the answer with the expected allow or deny. All
mismatches are collected and reported at once; any unexpected allow is a security failure.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from school_gateway.app import create_app
from school_gateway.authz import route_table
from schoolkit.tokens import generate_keypair
from tests.security.matrix import ANONYMOUS, ROLES, ROWS, Outcome, Rel, Row, cells, to_markdown
from tests.security.matrix_world import (
    TIMEOUT_S,
    World,
    build_world,
    classify,
    concrete_path,
    describe,
    send,
    sign_in_all,
)
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

_HIDDEN = frozenset({"HEAD", "OPTIONS"})


def _declared_routes() -> dict[tuple[str, str], str | None]:
    """(rule, method) → declaration of the gateway as `make run` builds it (all plugins), static excluded."""
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "internal.key"
        generate_keypair(key, Path(tmp) / "internal.pub")
        # Building the app opens no connection: it is only enumerated here; the requests go to the stack.
        app = create_app(
            {
                "GATEWAY_SECRET_KEY": "matrix-route-enumeration-" + "x" * 32,
                "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(key),
                "GATEWAY_PLUGINS": "core,students,grades,staff,access",
                "LOG_LEVEL": "WARNING",
            }
        )
        return {
            (row.rule, method): row.permission
            for row in route_table(app)
            if row.endpoint != "static"
            for method in row.methods
            if method not in _HIDDEN
        }


def test_every_route_has_a_row() -> None:
    """Default deny for the test suite too: a route without a row, or a row without a route, fails."""
    declared = _declared_routes()
    rows = {row.key: row for row in ROWS}
    assert len(rows) == len(ROWS), "a route appears twice in the matrix"
    missing = sorted(set(declared) - set(rows))
    stale = sorted(set(rows) - set(declared))
    changed = sorted(
        f"{m} {r}: route declares {declared[(r, m)]!r}, matrix says {rows[(r, m)].access!r}"
        for (r, m) in set(declared) & set(rows)
        if declared[(r, m)] != rows[(r, m)].access
    )
    problems = (
        [f"route without a matrix row: {m} {r}" for r, m in missing]
        + [f"matrix row for a route that no longer exists: {m} {r}" for r, m in stale]
        + changed
    )
    assert not problems, "authorization matrix out of date:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def world(stack: Stack) -> Iterator[World]:
    """Every role signed in once for the whole session, plus the objects the relations point at."""
    clients = sign_in_all(stack)
    yield build_world(stack, clients)
    for api in clients.values():
        api.http.close()


def _run_role(world: World, role: str) -> list[tuple[Row, str, Rel, Outcome, str, str]]:
    # One thread per role: a requests.Session is used by one thread at a time.
    out = []
    for row, cell_role, rel, want in cells():
        if cell_role != role:
            continue
        resp = send(row, role, rel, world)
        out.append((row, role, rel, want, classify(row, resp), describe(resp)))
    return out


def test_authorization_matrix(world: World, artifacts: Path) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [r for chunk in pool.map(lambda role: _run_role(world, role), ROLES) for r in chunk]
    elapsed = time.monotonic() - started

    unexpected_allows, unexpected_denies, errors = [], [], []
    observed: dict[tuple[str, str, str, str], str] = {}
    seen: dict[tuple[str, str, str], set[str]] = {}
    for row, role, rel, want, got, status in results:
        seen.setdefault((row.rule, row.method, rel.value), set()).add(status)
        line = f"{row.method} {row.rule} · {role} · {rel.value}: expected {want.value}, got {got} ({status})"
        if got == "ERROR":
            errors.append(line)
        elif got != want.value:
            (unexpected_allows if got == "ALLOW" else unexpected_denies).append(line)
        else:
            continue
        observed[(row.rule, row.method, role, rel.value)] = status

    summary = (
        f"rows: {len(ROWS)}, cells asserted: {len(results)}, unexpected allows: {len(unexpected_allows)}, "
        f"unexpected denies: {len(unexpected_denies)}, errors (5xx/429): {len(errors)}, run: {elapsed:.1f}s"
    )
    report = [
        "# Authorization matrix (gateway)\n",
        "Generated by tests/security/test_authorization_matrix.py from tests/security/matrix.py.",
        "A = expected allow, D = expected deny; a bold cell is a mismatch with the status seen.\n",
        summary + "\n",
        to_markdown(ROWS, observed, seen),
    ]
    for title, lines in (
        ("Unexpected allows", unexpected_allows),
        ("Unexpected denies", unexpected_denies),
        ("Errors", errors),
    ):
        if lines:
            report += [f"\n## {title}\n", *(f"- {x}" for x in lines)]
    (artifacts / "authorization-matrix.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    print(summary)

    failures = unexpected_allows + unexpected_denies + errors
    assert len(results) == len(cells()) > 0
    assert not failures, f"{summary}\n" + "\n".join(failures)


def test_method_swaps_never_reach_a_handler(world: World) -> None:
    """PUT and DELETE on every GET-only rule answer 405 (or 404), for anonymous and for the principal."""
    methods: dict[str, set[str]] = {}
    for row in ROWS:
        methods.setdefault(row.rule, set()).add(row.method)
    get_only = sorted(rule for rule, ms in methods.items() if ms == {"GET"})
    bad = []
    checked = 0
    for role in (ANONYMOUS, "HT"):
        api = world.clients[role]
        for rule in get_only:
            path = concrete_path(rule, world, role, Rel.OWN)
            for method in ("PUT", "DELETE"):
                resp = api.http.request(
                    method,
                    world.url + path,
                    headers={"X-CSRFToken": api.csrf},
                    timeout=TIMEOUT_S,
                    allow_redirects=False,
                )
                checked += 1
                if resp.status_code not in (404, 405):
                    bad.append(f"{method} {rule} · {role}: {resp.status_code}")
    print(f"method swaps checked: {checked}")
    assert checked == 2 * 2 * len(get_only)
    assert not bad, "method swaps that did not answer 405/404:\n" + "\n".join(bad)
