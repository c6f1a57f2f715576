"""Settings of the students service: the only module that reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schoolkit.config import EnvSchema, fields, load_config, validate

SERVICE = "students"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class StudentsEnv(EnvSchema):
    """Every variable the service reads, with its default; the field names are the variable names."""

    DATABASE_URL = fields.String(load_default="sqlite:///var/students/students.db")
    GRPC_BIND = fields.String(load_default="127.0.0.1:50052", validate=validate.Regexp(r"^.+:\d+$"))
    INTERNAL_TOKEN_PUBLIC_KEY_FILE = fields.String(load_default="var/keys/internal.pub")
    KAFKA_BOOTSTRAP_SERVERS = fields.String(load_default="127.0.0.1:9092")
    # Kafka's own defaults; development and tests set small values (see docs on the local broker).
    KAFKA_MAX_POLL_INTERVAL_MS = fields.Integer(load_default=300_000, validate=validate.Range(min=1000))
    KAFKA_SESSION_TIMEOUT_MS = fields.Integer(load_default=45_000, validate=validate.Range(min=1000))
    LOG_LEVEL = fields.String(load_default="INFO", validate=validate.OneOf(LOG_LEVELS))
    METRICS_PORT = fields.Integer(load_default=0, validate=validate.Range(min=0, max=65535))
    CLASS_MAX_SIZE_DEFAULT = fields.Integer(load_default=35, validate=validate.Range(min=1, max=60))
    # TT 28/2020 Điều 36: working days the sending school has to hand over a transfer dossier.
    TRANSFER_HANDOVER_WORKING_DAYS = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30))
    # A JSON file {kind: {code: label}} replacing the built-in movement reason lists; empty keeps them.
    MOVEMENT_REASONS_FILE = fields.String(load_default="")
    # Public holidays (ISO dates, comma-separated) skipped when counting working days, e.g. Tết.
    SCHOOL_HOLIDAYS = fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^$|^\d{4}-\d{2}-\d{2}(,\d{4}-\d{2}-\d{2})*$", error="comma-separated YYYY-MM-DD dates"
        ),
    )


@dataclass(frozen=True)
class Settings:
    database_url: str
    grpc_bind: str
    internal_token_public_key_file: str
    kafka_bootstrap_servers: str
    kafka_max_poll_interval_ms: int
    kafka_session_timeout_ms: int
    log_level: str
    metrics_port: int
    class_max_size_default: int
    transfer_handover_working_days: int = 3
    movement_reasons_file: str = ""
    school_holidays: str = ""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment; ConfigError lists every bad variable at once."""
    raw = load_config(StudentsEnv, SERVICE, environ)
    return Settings(**{name.lower(): value for name, value in raw.items()})
