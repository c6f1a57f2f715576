"""Settings validation (limits of S4 and S7) and the outbound event mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from school.identity.v1 import events_pb2
from school_identity.config import load_settings
from school_identity.domain.events import AccountCreated, UserLoggedIn
from school_identity.events.outbound import to_outbound
from schoolkit.config import ConfigError


def test_defaults() -> None:
    s = load_settings({})
    assert s.database_url == "sqlite:///var/identity/identity.db"
    assert s.grpc_bind == "127.0.0.1:50051"
    assert s.internal_token_public_key_file == "var/keys/internal.pub"
    assert s.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert s.metrics_port == 0
    assert s.session_idle == timedelta(minutes=30)
    assert s.session_absolute == timedelta(hours=12)
    assert (s.argon2_memory_kib, s.argon2_time_cost, s.argon2_parallelism) == (19456, 2, 1)


def test_tighter_values_are_accepted() -> None:
    s = load_settings({"SESSION_IDLE_MINUTES": "15", "SESSION_ABSOLUTE_HOURS": "8", "LOG_LEVEL": "debug"})
    assert s.session_idle == timedelta(minutes=15)
    assert s.log_level == "DEBUG"


def test_every_problem_is_listed_at_once() -> None:
    env = {
        "SESSION_IDLE_MINUTES": "31",
        "SESSION_ABSOLUTE_HOURS": "13",
        "ARGON2_MEMORY_KIB": "4096",
        "ARGON2_TIME_COST": "1",
        "ARGON2_PARALLELISM": "0",
        "GRPC_BIND": "nowhere",
        "METRICS_PORT": "-1",
        "LOG_LEVEL": "LOUD",
    }
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert set(info.value.problems) == set(env)


def test_blank_values_fall_back_to_defaults() -> None:
    assert load_settings({"DATABASE_URL": ""}).database_url == "sqlite:///var/identity/identity.db"


def test_outbound_events_are_keyed_by_user() -> None:
    out = to_outbound(AccountCreated(user_id="u-1", school_id="s-1", username="gvcn", full_name="A", roles=("GVCN",)))
    assert (out.topic, out.key, out.school_id) == ("school.identity.v1", "u-1", "s-1")
    assert isinstance(out.message, events_pb2.AccountCreated)
    assert list(out.message.roles) == ["GVCN"]
    out = to_outbound(UserLoggedIn(user_id="u-2", school_id="s-1"))
    assert out.message == events_pb2.UserLoggedIn(user_id="u-2", school_id="s-1")
    assert out.key == "u-2"
