"""Username normalisation and the rules for new usernames and passwords."""

from __future__ import annotations

import pytest

from school_identity.domain.passwords import password_problem
from school_identity.domain.usernames import normalise_username, username_problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GVCN", "gvcn"),
        ("  HieuTruong \t", "hieutruong"),
        ("ｇｖｃｎ", "gvcn"),  # full-width letters typed with a Vietnamese IME
        ("Nguyen.Van_A-1", "nguyen.van_a-1"),
        ("", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise_username(raw) == expected


@pytest.mark.parametrize("name", ["gvcn", "abc", "nguyen.van_a-1", "a" * 64, "2an"])
def test_valid_usernames(name: str) -> None:
    assert username_problem(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Vui lòng nhập"),
        ("ab", "ít nhất 3"),
        ("a" * 65, "dài quá 64"),
        ("hiệutrưởng", "không dấu"),
        ("gv cn", "không dấu"),
        ("-gvcn", "bắt đầu"),
        ("gvсn", "không dấu"),  # Cyrillic "с": a look-alike must not become a second account
    ],
)
def test_invalid_usernames(name: str, fragment: str) -> None:
    problem = username_problem(name)
    assert problem is not None
    assert fragment in problem


def test_password_rules_accept_long_passphrases() -> None:
    assert password_problem("TrungVuong@2026") is None
    assert password_problem("một câu mật khẩu rất dài " * 4) is None  # 64+ characters are welcome
    assert password_problem("") == "Vui lòng nhập mật khẩu"
    assert "ít nhất 8" in (password_problem("short") or "")
    assert "dài quá 1024" in (password_problem("x" * 1025) or "")
