"""Identity's settings: the only module that reads the environment; every problem is listed at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from school_identity.domain.passwords import ARGON2_MIN_MEMORY_KIB as MIN_MEMORY_KIB
from school_identity.domain.passwords import ARGON2_MIN_PARALLELISM as MIN_PARALLELISM
from school_identity.domain.passwords import ARGON2_MIN_TIME_COST as MIN_TIME_COST
from school_identity.domain.passwords import MIN_LENGTH_FLOOR as PASSWORD_MIN_FLOOR
from school_identity.domain.policy import DEFAULT_PASSWORD_MIN_LENGTH, IdentityRules
from school_identity.domain.roles import DEFAULT_SOD_RULES, parse_roles_setting, parse_sod_rules
from school_identity.domain.throttle import ThrottlePolicy
from schoolkit.config import EnvSchema, fields, load_config, validate

if TYPE_CHECKING:
    from schoolkit.events.settings import KafkaConfig

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _bind_address(value: str) -> bool:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise validate.ValidationError("expected host:port, e.g. 127.0.0.1:50051")
    return True


def _roles(value: str) -> bool:
    _, unknown = parse_roles_setting(value)
    if unknown:
        raise validate.ValidationError("unknown role codes: " + ", ".join(unknown))
    return True


def _sod(value: str) -> bool:
    _, bad = parse_sod_rules(value)
    if bad:
        raise validate.ValidationError(
            "expected permission pairs 'a|b' separated by ',' from the catalogue; bad: " + ", ".join(bad)
        )
    return True


class IdentityEnv(EnvSchema):
    """Field names are the environment variables; defaults suit a developer's machine."""

    DATABASE_URL = fields.String(load_default="sqlite:///var/identity/identity.db")
    GRPC_BIND = fields.String(load_default="127.0.0.1:50051", validate=_bind_address)
    INTERNAL_TOKEN_PUBLIC_KEY_FILE = fields.String(load_default="var/keys/internal.pub")
    KAFKA_BOOTSTRAP_SERVERS = fields.String(load_default="127.0.0.1:9092")
    LOG_LEVEL = fields.String(
        load_default="INFO", validate=validate.OneOf([*LOG_LEVELS, *(lvl.lower() for lvl in LOG_LEVELS)])
    )
    METRICS_PORT = fields.Integer(load_default=0, validate=validate.Range(min=0, max=65535))
    # Upper bounds are the staff limits of quality bar S7; configuration may tighten, never loosen.
    SESSION_IDLE_MINUTES = fields.Integer(load_default=30, validate=validate.Range(min=1, max=30))
    SESSION_ABSOLUTE_HOURS = fields.Integer(load_default=12, validate=validate.Range(min=1, max=12))
    # Lower bounds are the OWASP argon2id minimums of quality bar S4.
    ARGON2_MEMORY_KIB = fields.Integer(
        load_default=MIN_MEMORY_KIB, validate=validate.Range(min=MIN_MEMORY_KIB, max=4 * 1024 * 1024)
    )
    ARGON2_TIME_COST = fields.Integer(load_default=MIN_TIME_COST, validate=validate.Range(min=MIN_TIME_COST, max=20))
    ARGON2_PARALLELISM = fields.Integer(
        load_default=MIN_PARALLELISM, validate=validate.Range(min=MIN_PARALLELISM, max=16)
    )
    # NIST SP 800-63B: at least 8; the school's default is 12.
    PASSWORD_MIN_LENGTH = fields.Integer(
        load_default=DEFAULT_PASSWORD_MIN_LENGTH, validate=validate.Range(min=PASSWORD_MIN_FLOOR, max=64)
    )
    MFA_KEY_FILE = fields.String(load_default="var/keys/mfa.key")
    MFA_REQUIRED_ROLES = fields.String(load_default="HT,PHT,VP,KT,TB,YT,QTHT", validate=_roles)
    STEP_UP_MINUTES = fields.Integer(load_default=5, validate=validate.Range(min=1, max=15))
    SOD_RULES = fields.String(load_default=DEFAULT_SOD_RULES, validate=_sod)
    # Quality bar S5 asks for a lock after at most 100 failures; NIST recommends far fewer.
    LOGIN_LOCK_AFTER_FAILURES = fields.Integer(load_default=5, validate=validate.Range(min=3, max=100))
    LOGIN_LOCK_MAX_MINUTES = fields.Integer(load_default=60, validate=validate.Range(min=1, max=24 * 60))
    LOGIN_IP_FAILURE_LIMIT = fields.Integer(load_default=30, validate=validate.Range(min=5, max=10_000))
    LOGIN_IP_WINDOW_MINUTES = fields.Integer(load_default=10, validate=validate.Range(min=1, max=24 * 60))
    REVIEW_INACTIVE_DAYS = fields.Integer(load_default=90, validate=validate.Range(min=1, max=3650))
    REVIEW_PASSWORD_MAX_AGE_DAYS = fields.Integer(load_default=90, validate=validate.Range(min=1, max=3650))


@dataclass(frozen=True)
class Settings:
    database_url: str
    grpc_bind: str
    internal_token_public_key_file: str
    kafka_bootstrap_servers: str
    log_level: str
    metrics_port: int
    session_idle: timedelta
    session_absolute: timedelta
    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int
    mfa_key_file: str
    rules: IdentityRules


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the environment; raises schoolkit's ConfigError naming every bad variable."""
    raw: dict[str, Any] = load_config(IdentityEnv, "identity", environ)
    return Settings(
        database_url=raw["DATABASE_URL"],
        grpc_bind=raw["GRPC_BIND"],
        internal_token_public_key_file=raw["INTERNAL_TOKEN_PUBLIC_KEY_FILE"],
        kafka_bootstrap_servers=raw["KAFKA_BOOTSTRAP_SERVERS"],
        log_level=raw["LOG_LEVEL"].upper(),
        metrics_port=raw["METRICS_PORT"],
        session_idle=timedelta(minutes=raw["SESSION_IDLE_MINUTES"]),
        session_absolute=timedelta(hours=raw["SESSION_ABSOLUTE_HOURS"]),
        argon2_memory_kib=raw["ARGON2_MEMORY_KIB"],
        argon2_time_cost=raw["ARGON2_TIME_COST"],
        argon2_parallelism=raw["ARGON2_PARALLELISM"],
        mfa_key_file=raw["MFA_KEY_FILE"],
        rules=IdentityRules(
            password_min_length=raw["PASSWORD_MIN_LENGTH"],
            mfa_required_roles=frozenset(str(r) for r in parse_roles_setting(raw["MFA_REQUIRED_ROLES"])[0]),
            step_up=timedelta(minutes=raw["STEP_UP_MINUTES"]),
            sod_rules=parse_sod_rules(raw["SOD_RULES"])[0],
            throttle=ThrottlePolicy(
                lock_after=raw["LOGIN_LOCK_AFTER_FAILURES"],
                max_lock=timedelta(minutes=raw["LOGIN_LOCK_MAX_MINUTES"]),
                ip_limit=raw["LOGIN_IP_FAILURE_LIMIT"],
                ip_window=timedelta(minutes=raw["LOGIN_IP_WINDOW_MINUTES"]),
            ),
            inactive_days=raw["REVIEW_INACTIVE_DAYS"],
            password_max_age_days=raw["REVIEW_PASSWORD_MAX_AGE_DAYS"],
        ),
    )


def load_kafka_config(environ: Mapping[str, str] | None = None) -> KafkaConfig:
    """The event-bus knobs the relay needs (batch size, poll interval, retention, partitions).

    They are schoolkit's shared KafkaSettings, so every service's relay reads the same variables;
    imported here rather than at the top because only the relay command needs them.
    """
    from schoolkit.events.settings import KafkaConfig, KafkaSettings

    return KafkaConfig.from_config(load_config(KafkaSettings, "identity", environ))
