"""Fixtures for schoolkit's own tests: a throw-away key pair and token issuer/verifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from schoolkit.context import Caller
from schoolkit.tokens import TokenIssuer, TokenVerifier, generate_keypair, load_private_key, load_public_key


@pytest.fixture(scope="session")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    priv, pub = d / "internal.key", d / "internal.pub"
    generate_keypair(priv, pub)
    return priv, pub


@pytest.fixture
def issuer(keypair: tuple[Path, Path]) -> TokenIssuer:
    return TokenIssuer(load_private_key(keypair[0]))


@pytest.fixture
def verifier_for(keypair: tuple[Path, Path]):
    def make(audience: str) -> TokenVerifier:
        return TokenVerifier(load_public_key(keypair[1]), audience=audience)

    return make


@pytest.fixture
def teacher() -> Caller:
    return Caller(subject="u-1", school_id="s-1", roles=("GVCN",), permissions=frozenset({"students:student:read"}))
