"""Settings of the students service: the only module that reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from marshmallow import ValidationError, validates_schema

from school_students.domain.completeness import DEFAULT_REQUIRED, unknown_required
from schoolkit.config import EnvSchema, fields, load_config, validate

SERVICE = "students"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def required_field_names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _requirable(value: str) -> None:
    unknown = unknown_required(required_field_names(value))
    if unknown:
        raise validate.ValidationError(f"unknown record fields: {', '.join(unknown)}")


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
    # School structure (issue 4): the upper bound of a class's size limit (TT 28: 35, [B]) and the
    # yearly framework's semester defaults (domain-vn §3.1; the framework changes every year).
    CLASS_MAX_SIZE_LIMIT = fields.Integer(load_default=35, validate=validate.Range(min=1, max=60))
    # Day and month HK I ends, in the year's second calendar year ("17/01"); HK II starts the next day.
    SEMESTER1_END = fields.String(
        load_default="17/01",
        validate=validate.Regexp(r"^(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])$", error="Expected dd/mm, e.g. 17/01."),
    )
    SEMESTER1_TEACHING_WEEKS = fields.Integer(load_default=18, validate=validate.Range(min=0, max=30))
    SEMESTER2_TEACHING_WEEKS = fields.Integer(load_default=17, validate=validate.Range(min=0, max=30))

    @validates_schema
    def _class_sizes(self, data: dict[str, object], **_: object) -> None:
        default, limit = data.get("CLASS_MAX_SIZE_DEFAULT"), data.get("CLASS_MAX_SIZE_LIMIT")
        if isinstance(default, int) and isinstance(limit, int) and default > limit:
            raise ValidationError("Must not exceed CLASS_MAX_SIZE_LIMIT.", "CLASS_MAX_SIZE_DEFAULT")

    # Start-of-year completeness (R-REC1): the record fields every student must have, by name
    # (see domain/completeness.py REQUIRABLE_FIELDS), comma-separated.
    REQUIRED_RECORD_FIELDS = fields.String(load_default=",".join(DEFAULT_REQUIRED), validate=_requirable)

    # Attendance (issue 4): ISO weekdays without school (1 = Monday … 7 = Sunday; "none") and the
    # repeated-absence alert thresholds; holidays are SCHOOL_HOLIDAYS below.
    ATTENDANCE_NON_SCHOOL_WEEKDAYS = fields.String(
        load_default="6,7", validate=validate.Regexp(r"^(none|\s*|[1-7](,[1-7])*)$", error="e.g. 6,7 or none")
    )
    ATTENDANCE_ALERT_CONSECUTIVE_DAYS = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30))
    ATTENDANCE_ALERT_WINDOW_ABSENCES = fields.Integer(load_default=5, validate=validate.Range(min=1, max=60))
    ATTENDANCE_ALERT_WINDOW_DAYS = fields.Integer(load_default=30, validate=validate.Range(min=7, max=120))

    # TT 28/2020 Điều 36: working days the sending school has to hand over a transfer dossier.
    TRANSFER_HANDOVER_WORKING_DAYS = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30))
    # A JSON file {kind: {code: label}} replacing the built-in movement reason lists; empty keeps them.
    MOVEMENT_REASONS_FILE = fields.String(load_default="")
    # Days without school (Tết, 30/4, 1/5, 2/9 …, ISO dates, comma-separated): no attendance is
    # taken on them, and they are not working days when a transfer's hand-over deadline is counted.
    SCHOOL_HOLIDAYS = fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^$|^\d{4}-\d{2}-\d{2}(,\s*\d{4}-\d{2}-\d{2})*$", error="comma-separated YYYY-MM-DD dates"
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
    class_max_size_limit: int
    semester1_end: str
    semester1_teaching_weeks: int
    semester2_teaching_weeks: int
    required_record_fields: str

    attendance_non_school_weekdays: str = "6,7"
    attendance_alert_consecutive_days: int = 3
    attendance_alert_window_absences: int = 5
    attendance_alert_window_days: int = 30

    transfer_handover_working_days: int = 3
    movement_reasons_file: str = ""
    school_holidays: str = ""

    @property
    def required_fields(self) -> tuple[str, ...]:
        return required_field_names(self.required_record_fields)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment; ConfigError lists every bad variable at once."""
    raw = load_config(StudentsEnv, SERVICE, environ)
    return Settings(**{name.lower(): value for name, value in raw.items()})
