"""Event-bus settings (broker, consumer timeouts, relay and outbox knobs) shared by every service.

A service's settings schema inherits them::

    from schoolkit.config import fields, load_config
    from schoolkit.events.settings import KafkaConfig, KafkaSettings

    class StudentsSettings(KafkaSettings):          # KafkaSettings is an EnvSchema
        DATABASE_URL = fields.String(required=True)

    cfg = load_config(StudentsSettings, "students")  # a dict keyed by variable name
    kafka = KafkaConfig.from_config(cfg)             # typed view used to build Relay / Consumer

Several setting mixins combine the same way (``class S(KafkaSettings, OtherSettings)``): marshmallow
collects declared fields along the whole MRO. The defaults are Kafka's own production values;
development and tests set KAFKA_MAX_POLL_INTERVAL_MS=3000 and KAFKA_SESSION_TIMEOUT_MS=6000,
because a consumer-group join waits one max-poll interval (see docs/toolchain.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, validate

from schoolkit.config import EnvSchema

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


def _validate_bootstrap(value: str) -> None:
    problems = []
    for item in value.split(","):
        host, sep, port = item.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            problems.append(item.strip() or "(empty)")
    if problems:
        raise ValidationError(f"expected host:port[,host:port...]; bad entries: {', '.join(problems)}")


def _positive(maximum: int | None = None) -> validate.Range:
    return validate.Range(min=1, max=maximum)


class KafkaSettings(EnvSchema):
    """The event-bus variables; inherit from this instead of EnvSchema to include them."""

    KAFKA_BOOTSTRAP_SERVERS = fields.String(load_default=DEFAULT_BOOTSTRAP, validate=_validate_bootstrap)
    KAFKA_MAX_POLL_INTERVAL_MS = fields.Integer(load_default=300_000, validate=_positive())
    KAFKA_SESSION_TIMEOUT_MS = fields.Integer(load_default=45_000, validate=_positive())
    KAFKA_TOPIC_PARTITIONS = fields.Integer(load_default=3, validate=_positive(10_000))
    OUTBOX_RETENTION_DAYS = fields.Integer(load_default=30, validate=_positive())
    RELAY_BATCH_SIZE = fields.Integer(load_default=500, validate=_positive(100_000))
    RELAY_POLL_INTERVAL_MS = fields.Integer(load_default=200, validate=_positive())
    CONSUMER_MAX_ATTEMPTS = fields.Integer(load_default=3, validate=_positive(100))


@dataclass(frozen=True)
class KafkaConfig:
    """Typed view of the loaded KafkaSettings values, in the units Relay and Consumer take."""

    bootstrap_servers: str = DEFAULT_BOOTSTRAP
    max_poll_interval_ms: int = 300_000
    session_timeout_ms: int = 45_000
    topic_partitions: int = 3
    outbox_retention_days: int = 30
    relay_batch_size: int = 500
    relay_poll_interval_ms: int = 200
    consumer_max_attempts: int = 3

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> KafkaConfig:
        return cls(
            bootstrap_servers=cfg["KAFKA_BOOTSTRAP_SERVERS"],
            max_poll_interval_ms=cfg["KAFKA_MAX_POLL_INTERVAL_MS"],
            session_timeout_ms=cfg["KAFKA_SESSION_TIMEOUT_MS"],
            topic_partitions=cfg["KAFKA_TOPIC_PARTITIONS"],
            outbox_retention_days=cfg["OUTBOX_RETENTION_DAYS"],
            relay_batch_size=cfg["RELAY_BATCH_SIZE"],
            relay_poll_interval_ms=cfg["RELAY_POLL_INTERVAL_MS"],
            consumer_max_attempts=cfg["CONSUMER_MAX_ATTEMPTS"],
        )

    @property
    def relay_poll_interval_s(self) -> float:
        return self.relay_poll_interval_ms / 1000
