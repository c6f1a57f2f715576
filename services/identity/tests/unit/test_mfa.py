"""TOTP rules: RFC 6238 parameters, only the current 30-second step, each code once; recovery codes."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from school_identity.domain import mfa

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # RFC 6238 test key "12345678901234567890"
NOW = datetime(2026, 1, 5, 7, 30, 10, tzinfo=UTC)


def code(at: datetime, secret: str = SECRET) -> str:
    return mfa.code_at(secret, mfa.time_step(at))


def test_parameters_are_rfc_6238_sha1_six_digits_thirty_seconds() -> None:
    # An authenticator app configured with the defaults shows the same code.
    assert code(NOW) == pyotp.TOTP(SECRET).at(NOW)
    assert re.fullmatch(r"\d{6}", code(NOW))
    assert mfa.time_step(NOW) == int(NOW.timestamp()) // 30


def test_rfc_6238_test_vector() -> None:
    # RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s → 94287082 (8 digits).
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert pyotp.TOTP(secret, digits=8).at(59) == "94287082"
    assert mfa.code_at(secret, 1) == "287082"


def test_a_code_works_in_its_own_step_only() -> None:
    current = code(NOW)
    assert mfa.accept_totp(SECRET, current, NOW, None) == mfa.time_step(NOW)
    step_start = datetime.fromtimestamp(mfa.time_step(NOW) * 30, UTC)
    assert mfa.accept_totp(SECRET, current, step_start, None) is not None
    assert mfa.accept_totp(SECRET, current, step_start + timedelta(seconds=29), None) is not None
    # Valid window 0: neither the previous nor the next step's code is accepted.
    assert mfa.accept_totp(SECRET, current, step_start + timedelta(seconds=30), None) is None
    assert mfa.accept_totp(SECRET, current, step_start - timedelta(seconds=1), None) is None
    assert mfa.accept_totp(SECRET, code(NOW - timedelta(seconds=30)), NOW, None) is None
    assert mfa.accept_totp(SECRET, code(NOW + timedelta(seconds=30)), NOW, None) is None


def test_each_code_works_once() -> None:
    step = mfa.accept_totp(SECRET, code(NOW), NOW, None)
    assert step is not None
    assert mfa.accept_totp(SECRET, code(NOW), NOW, step) is None  # replay in the same step
    later = NOW + timedelta(seconds=30)
    assert mfa.accept_totp(SECRET, code(later), later, step) == step + 1
    # A step before the last used one is refused too (clock games).
    assert mfa.accept_totp(SECRET, code(NOW), NOW, step + 1) is None


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(bad: str) -> None:
    assert mfa.accept_totp(SECRET, bad, NOW, None) is None


def test_spaces_inside_a_code_are_ignored() -> None:
    c = code(NOW)
    assert mfa.accept_totp(SECRET, f"{c[:3]} {c[3:]}", NOW, None) is not None


def test_new_secrets_are_160_bit_base32_and_fresh() -> None:
    a, b = mfa.new_secret(), mfa.new_secret()
    assert a != b
    assert len(base64.b32decode(a)) == 20


def test_demo_secrets_are_deterministic_and_documented() -> None:
    expected = base64.b32encode(hashlib.sha256(b"trung-vuong-demo:hieutruong").digest()[:20]).decode()
    assert mfa.demo_secret("hieutruong") == expected
    assert mfa.demo_secret("hieutruong") != mfa.demo_secret("ketoan")


def test_provisioning_uri_names_the_school_and_the_user() -> None:
    uri = mfa.provisioning_uri(SECRET, "hieutruong", "Trường Tiểu học Trung Vương")
    assert uri.startswith("otpauth://totp/")
    assert "hieutruong" in uri
    assert "secret=" + SECRET in uri
    assert "issuer=Tr%C6%B0%E1%BB%9Dng" in uri


def test_recovery_codes_are_ten_distinct_80_bit_codes() -> None:
    codes = mfa.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    for c in codes:
        assert re.fullmatch(r"[0-9a-z]{4}(-[0-9a-z]{4}){3}", c)
        assert not set(c) & set("ilou")


def test_recovery_code_hash_ignores_case_spaces_and_dashes_and_is_salted() -> None:
    c = "ab12-cd34-ef56-gh78"
    assert mfa.hash_recovery_code("acc-1", c) == mfa.hash_recovery_code("acc-1", " AB12 CD34EF56-gh78 ")
    assert mfa.hash_recovery_code("acc-1", c) != mfa.hash_recovery_code("acc-2", c)
    assert c not in mfa.hash_recovery_code("acc-1", c)
