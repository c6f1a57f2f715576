"""Configuration fails fast and names every bad variable at once."""

from __future__ import annotations

import pytest

from schoolkit.config import ConfigError, EnvSchema, fields, load_config, validate


class Sample(EnvSchema):
    DATABASE_URL = fields.String(required=True)
    GRPC_PORT = fields.Integer(load_default=50051, validate=validate.Range(1, 65535))
    LOG_LEVEL = fields.String(load_default="INFO", validate=validate.OneOf(["DEBUG", "INFO", "WARNING"]))


def test_defaults_and_unknown_variables_ignored() -> None:
    cfg = load_config(Sample, "svc", {"DATABASE_URL": "sqlite://", "PATH": "/bin"})
    assert cfg == {"DATABASE_URL": "sqlite://", "GRPC_PORT": 50051, "LOG_LEVEL": "INFO"}


def test_every_problem_listed() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(Sample, "svc", {"GRPC_PORT": "70000", "LOG_LEVEL": "LOUD"})
    err = info.value
    assert set(err.problems) == {"DATABASE_URL", "GRPC_PORT", "LOG_LEVEL"}
    text = str(err)
    assert "3 problem(s)" in text
    assert "DATABASE_URL" in text
    assert "GRPC_PORT" in text
    assert "LOG_LEVEL" in text


def test_empty_value_means_unset() -> None:
    cfg = load_config(Sample, "svc", {"DATABASE_URL": "x", "GRPC_PORT": ""})
    assert cfg["GRPC_PORT"] == 50051
