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


def test_every_problem_is_listed() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"CLASS_MAX_SIZE_DEFAULT": "61", "METRICS_PORT": "x", "LOG_LEVEL": "LOUD"})
    assert set(info.value.problems) == {"CLASS_MAX_SIZE_DEFAULT", "METRICS_PORT", "LOG_LEVEL"}
