"""Settings come only from the environment, with documented defaults, and fail listing every problem."""

from __future__ import annotations

import pytest

from school_students.config import load_settings
from schoolkit.config import ConfigError


def test_defaults() -> None:
    s = load_settings({})
    assert s.database_url == "sqlite:///var/students/students.db"
    assert s.grpc_bind == "127.0.0.1:50052"
    assert s.internal_token_public_key_file == "var/keys/internal.pub"
    assert s.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert s.metrics_port == 0
    assert s.class_max_size_default == 35
    assert s.class_max_size_limit == 35
    assert (s.semester1_end, s.semester1_teaching_weeks, s.semester2_teaching_weeks) == ("17/01", 18, 17)


def test_class_size_default_may_not_exceed_the_limit() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"CLASS_MAX_SIZE_DEFAULT": "36"})
    assert set(info.value.problems) == {"CLASS_MAX_SIZE_DEFAULT"}
    assert load_settings({"CLASS_MAX_SIZE_DEFAULT": "40", "CLASS_MAX_SIZE_LIMIT": "40"}).class_max_size_limit == 40


@pytest.mark.parametrize("value", ["1/17", "32/01", "17-01", "00/01"])
def test_semester_end_must_be_a_day_and_month(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"SEMESTER1_END": value})
    assert set(info.value.problems) == {"SEMESTER1_END"}


def test_semester_defaults_reach_the_domain() -> None:
    from school_students.bootstrap import structure_settings

    defaults, limits = structure_settings(load_settings({"SEMESTER1_END": "18/01", "SEMESTER2_TEACHING_WEEKS": "16"}))
    assert (defaults.hk1_end_day, defaults.hk1_end_month, defaults.hk2_weeks) == (18, 1, 16)
    assert (limits.default_max_size, limits.max_size_limit) == (35, 35)


def test_every_problem_is_listed() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"CLASS_MAX_SIZE_DEFAULT": "61", "METRICS_PORT": "x", "LOG_LEVEL": "LOUD"})
    assert set(info.value.problems) == {"CLASS_MAX_SIZE_DEFAULT", "METRICS_PORT", "LOG_LEVEL"}
