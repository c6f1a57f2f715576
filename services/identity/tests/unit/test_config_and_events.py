"""Settings validation (limits of S4 and S7) and the outbound event mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from school.identity.v1 import events_pb2
from school_identity.config import load_settings
from school_identity.domain import events as ev
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
    assert s.mfa_key_file == "var/keys/mfa.key"
    rules = s.rules
    assert rules.password_min_length == 12
    assert rules.mfa_required_roles == {"HT", "PHT", "VP", "KT", "TB", "YT", "QTHT"}
    assert rules.step_up == timedelta(minutes=5)
    assert rules.sod_rules == (
        ("grades:score:write", "grades:period:lock"),
        ("grades:score:correct", "grades:period:lock"),
    )
    assert (rules.throttle.lock_after, rules.throttle.max_lock) == (5, timedelta(minutes=60))
    assert (rules.throttle.ip_limit, rules.throttle.ip_window) == (30, timedelta(minutes=10))
    assert (rules.inactive_days, rules.password_max_age_days) == (90, 90)


def test_identity_rules_from_the_environment() -> None:
    s = load_settings(
        {
            "PASSWORD_MIN_LENGTH": "16",
            "MFA_REQUIRED_ROLES": "HT,VP,TB",
            "STEP_UP_MINUTES": "3",
            "SOD_RULES": "none",
            "LOGIN_LOCK_AFTER_FAILURES": "10",
            "LOGIN_IP_FAILURE_LIMIT": "100",
        }
    )
    assert s.rules.password_min_length == 16
    assert s.rules.mfa_required_roles == {"HT", "VP", "TB"}
    assert s.rules.step_up == timedelta(minutes=3)
    assert s.rules.sod_rules == ()
    assert s.rules.throttle.lock_after == 10
    assert s.rules.throttle.ip_limit == 100


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
        "PASSWORD_MIN_LENGTH": "6",
        "MFA_REQUIRED_ROLES": "HT,BOSS",
        "SOD_RULES": "grades:score:write|nothing",
        "STEP_UP_MINUTES": "60",
    }
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert set(info.value.problems) == set(env)


def test_blank_values_fall_back_to_defaults() -> None:
    assert load_settings({"DATABASE_URL": ""}).database_url == "sqlite:///var/identity/identity.db"


def test_outbound_events_are_keyed_by_their_aggregate() -> None:
    out = to_outbound(AccountCreated(user_id="u-1", school_id="s-1", username="gvcn", full_name="A", roles=("GVCN",)))
    assert (out.topic, out.key, out.school_id) == ("school.identity.v1", "u-1", "s-1")
    assert isinstance(out.message, events_pb2.AccountCreated)
    assert list(out.message.roles) == ["GVCN"]
    out = to_outbound(UserLoggedIn(user_id="u-2", school_id="s-1"))
    assert out.message == events_pb2.UserLoggedIn(user_id="u-2", school_id="s-1")
    assert out.key == "u-2"
    staff = to_outbound(
        ev.StaffCreated(staff_id="st-1", school_id="s-1", full_name="A", position="GV", department_id="d", user_id="")
    )
    assert (staff.key, type(staff.message).__name__) == ("st-1", "StaffCreated")
    role = to_outbound(ev.RolePermissionsChanged(school_id="s-1", role="KT", permissions=("a:b:c",)))
    assert role.key == "s-1"


@pytest.mark.parametrize(
    "event",
    [
        ev.AccountDisabled("u", "s"),
        ev.AccountEnabled("u", "s"),
        ev.AccountLocked("u", "s", "2026-01-05T07:31:00Z"),
        ev.AccountReminderSent("u", "s", "PASSWORD_OLD"),
        ev.StaffUpdated("st", "s", "A", "GV", "d", "ACTIVE"),
        ev.RoleAssigned("a", "s", "u", "GVCN", "y", "CLASS", "", "c", "", "2025-09-05", "2026-05-31"),
        ev.AssignmentEnded("a", "s", "u", "GVCN", "2026-01-05"),
        ev.MfaEnrolled("u", "s"),
        ev.PasswordChanged("u", "s", by_reset=True),
    ],
)
def test_every_event_has_a_message_of_its_own_name(event: ev.DomainEvent) -> None:
    out = to_outbound(event)
    assert out.message.DESCRIPTOR.full_name == f"school.identity.v1.{type(event).__name__}"
    assert out.school_id == "s"
