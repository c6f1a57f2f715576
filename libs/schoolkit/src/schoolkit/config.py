"""Configuration from the environment: load once, fail fast, list every problem at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

__all__ = ["ConfigError", "EnvSchema", "fields", "load_config", "validate"]


class ConfigError(RuntimeError):
    """The environment does not describe a runnable process; the message lists every problem."""

    def __init__(self, service: str, problems: Mapping[str, list[str]]):
        self.problems = dict(problems)
        lines = [f"  {name}: {'; '.join(msgs)}" for name, msgs in sorted(self.problems.items())]
        super().__init__(f"{service}: invalid configuration ({len(lines)} problem(s)):\n" + "\n".join(lines))


class EnvSchema(Schema):
    """Base for a service's settings schema: field names are the environment variable names.

    Unknown variables are ignored (the environment holds far more than our settings).
    """

    class Meta:
        unknown = "exclude"


def load_config(schema: type[EnvSchema], service: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Validate the environment against ``schema``; raise ConfigError naming every bad variable."""
    env = os.environ if environ is None else environ
    # Empty strings mean "not set": a blank line in an .env file must not override a default.
    raw = {k: v for k, v in env.items() if v != ""}
    try:
        return schema().load(raw)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        problems = {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in messages.items()}
        raise ConfigError(service, problems) from None
