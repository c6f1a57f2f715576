"""Configuration: defaults, and start-up refusals that list every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from school_gateway.config import ConfigError, load_settings


def test_defaults(keys: tuple[Path, Path]) -> None:
    settings = load_settings({"GATEWAY_SECRET_KEY": "s" * 32, "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(keys[0])})
    assert settings.plugins == ("core", "students", "grades", "staff", "access")
    assert settings.addr("IDENTITY_GRPC_ADDR") == "127.0.0.1:50051"
    assert settings.addr("STUDENTS_GRPC_ADDR") == "127.0.0.1:50052"
    assert settings.addr("GRADES_GRPC_ADDR") == "127.0.0.1:50053"
    assert settings.grpc_timeout_s == 5.0
    assert settings.session_cache_seconds == 2.0
    assert settings.session_cookie_secure is False
    assert settings.default_locale == "vi"
    assert settings.log_level == "INFO"


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            {
                "GATEWAY_SECRET_KEY": "short",
                "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(tmp_path / "missing.key"),
                "STUDENTS_GRPC_ADDR": "not an address",
                "SESSION_CACHE_SECONDS": "30",
                "SESSION_COOKIE_SECURE": "maybe",
                "DEFAULT_LOCALE": "fr",
                "HEALTH_GRPC_ADDR": "nope",
            }
        )
    problems = info.value.problems
    assert set(problems) >= {
        "GATEWAY_SECRET_KEY",
        "STUDENTS_GRPC_ADDR",
        "SESSION_CACHE_SECONDS",
        "SESSION_COOKIE_SECURE",
        "DEFAULT_LOCALE",
        "HEALTH_GRPC_ADDR",
    }
    assert "at least 32 characters" in str(info.value)


def test_secret_is_required(keys: tuple[Path, Path]) -> None:
    with pytest.raises(ConfigError, match="GATEWAY_SECRET_KEY"):
        load_settings({"INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(keys[0])})


def test_missing_key_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INTERNAL_TOKEN_PRIVATE_KEY_FILE: no such file"):
        load_settings({"GATEWAY_SECRET_KEY": "s" * 32, "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(tmp_path / "x.key")})


def test_plugins_and_flags_are_parsed(keys: tuple[Path, Path]) -> None:
    settings = load_settings(
        {
            "GATEWAY_SECRET_KEY": "s" * 32,
            "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(keys[0]),
            "GATEWAY_PLUGINS": " core , grades,core ",
            "SESSION_COOKIE_SECURE": "TRUE",
            "HEALTH_GRPC_ADDR": "health.internal:50056",
            "LOG_LEVEL": "debug",
            "GRPC_TIMEOUT_S": "",  # blank lines in .env files mean "use the default"
        }
    )
    assert settings.plugins == ("core", "grades")
    assert settings.session_cookie_secure is True
    assert settings.addr("HEALTH_GRPC_ADDR") == "health.internal:50056"
    assert settings.log_level == "DEBUG"
    assert settings.grpc_timeout_s == 5.0


@pytest.mark.parametrize("value", ["", " , ", "Core", "core;students"])
def test_bad_plugin_lists_are_refused(keys: tuple[Path, Path], value: str) -> None:
    env = {"GATEWAY_SECRET_KEY": "s" * 32, "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(keys[0]), "GATEWAY_PLUGINS": value}
    if value == "":
        assert load_settings(env).plugins == ("core", "students", "grades", "staff", "access")
        return
    with pytest.raises(ConfigError, match="GATEWAY_PLUGINS"):
        load_settings(env)
