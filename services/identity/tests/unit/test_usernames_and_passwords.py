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
    assert password_problem("Mật khẩu thử nghiệm 2026") is None
    passphrase = "buổi sáng ở Hồ Gươm có làn sương mỏng, chim hót trên cây lộc vừng già bên bờ nước xanh"
    assert len(passphrase) >= 64
    assert password_problem(passphrase) is None  # 64+ characters are welcome
    assert password_problem("x" * 30 + "Hồ Gươm buổi sáng 2026" + "z" * 76) is None  # 128 exactly
    assert "dài quá 128" in (password_problem("Hồ Gươm buổi sáng 2026 " * 6) or "")


def test_length_is_counted_in_characters_and_configurable() -> None:
    assert password_problem("") == "Vui lòng nhập mật khẩu mới"
    assert password_problem("Hồ Gươm 2026") is None  # 12 characters, diacritics count as one each
    assert password_problem("Gươm@2026!") == "Mật khẩu phải có ít nhất 12 ký tự"
    assert password_problem("TrungVuong@2026", min_length=16) == "Mật khẩu phải có ít nhất 16 ký tự"


def test_the_username_may_not_be_part_of_the_password() -> None:
    problem = password_problem("hieutruong-Trung-Vuong-2026", username="hieutruong")
    assert problem == "Mật khẩu không được chứa tên đăng nhập"
    assert password_problem("HIEUTRUONG và mùa thu Hà Nội", username="hieutruong") is not None
    assert password_problem("Hà Nội mùa thu lá vàng rơi", username="hieutruong") is None


@pytest.mark.parametrize(
    "common",
    ["password123456", "qwertyuiop123", "iloveyou12345", "1qaz2wsx3edc", "123qweasdzxc", "passwordpassword"],
)
def test_common_and_guessable_passwords_are_refused(common: str) -> None:
    problem = password_problem(common)
    assert problem is not None
    assert "phổ biến" in problem or "dễ đoán" in problem


def test_every_one_of_the_3000_most_common_passwords_is_refused() -> None:
    """Quality bar S4, checked against zxcvbn's own list (the library, not a list typed here)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    top = FREQUENCY_LISTS["passwords"][:3000]
    assert len(top) == 3000
    accepted = [p for p in top if password_problem(p, min_length=8) is None]
    assert accepted == []


def test_a_whole_dictionary_word_is_refused_even_when_long() -> None:
    assert "phổ biến" in (password_problem("internationalization", min_length=8) or "")
