"""Internal tokens: only a fresh, correctly signed token for this audience is accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schoolkit.tokens import TokenError, TokenIssuer


def test_round_trip(issuer, verifier_for, teacher) -> None:
    token = issuer.issue(teacher, audience="students", request_id="r1")
    caller = verifier_for("students").verify(token)
    assert caller == teacher


def test_scopes_and_step_up_round_trip(issuer, verifier_for) -> None:
    from schoolkit.context import Caller

    gvcn = Caller(subject="u-2", school_id="s-1", roles=("GVCN",), scopes=frozenset({"class:c1"}), stepped_up_until=99)
    caller = verifier_for("students").verify(issuer.issue(gvcn, audience="students"))
    assert caller.scopes == frozenset({"class:c1"})
    assert caller.stepped_up_until == 99
    assert caller.reaches_class("c1")
    assert not caller.reaches_class("c2")


def test_class_subject_and_school_scopes() -> None:
    from schoolkit.context import Caller

    gvbm = Caller(subject="u", school_id="s", scopes=frozenset({"class_subject:c3:TOAN"}))
    assert gvbm.reaches_class("c3")
    assert not gvbm.reaches_class("c33")
    head = Caller(subject="u", school_id="s", scopes=frozenset({"school"}))
    assert head.reaches_class("anything")


def test_expired_refused(issuer, verifier_for, teacher) -> None:
    token = issuer.issue(teacher, audience="students", now=time.time() - 40)
    with pytest.raises(TokenError, match="expired"):
        verifier_for("students").verify(token)


def test_wrong_audience_refused(issuer, verifier_for, teacher) -> None:
    token = issuer.issue(teacher, audience="grades")
    with pytest.raises(TokenError, match=r"(?i)audience"):
        verifier_for("students").verify(token)


def test_forged_signature_refused(verifier_for, teacher) -> None:
    forger = TokenIssuer(Ed25519PrivateKey.generate())
    with pytest.raises(TokenError):
        verifier_for("students").verify(forger.issue(teacher, audience="students"))


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_alg_none_refused(verifier_for) -> None:
    now = int(time.time())
    claims = {"iss": "school-gateway", "aud": "students", "sub": "u", "sch": "s", "iat": now, "exp": now + 30}
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    with pytest.raises(TokenError):
        verifier_for("students").verify(token)


def test_hmac_swap_refused(keypair, verifier_for) -> None:
    # Classic key-confusion attack: sign HS256 with the public key's bytes.
    now = int(time.time())
    claims = {"iss": "school-gateway", "aud": "students", "sub": "u", "sch": "s", "iat": now, "exp": now + 30}
    secret = keypair[1].read_bytes()
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
    with pytest.raises(TokenError):
        verifier_for("students").verify(token)


def test_missing_token_refused(verifier_for) -> None:
    with pytest.raises(TokenError, match="missing"):
        verifier_for("students").verify("")


def test_lifetime_capped(issuer) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        TokenIssuer(issuer.private_key, lifetime_s=3600)
