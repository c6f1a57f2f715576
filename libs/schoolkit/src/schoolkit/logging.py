"""JSON logs on stdout, one object a line, each carrying the request id and service name."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from schoolkit.context import request_id_var, traceparent_var

# Keys whose values never reach a log line, whatever the caller passes (children's data rule).
SENSITIVE_KEYS = frozenset(
    {"password", "new_password", "token", "session_id", "authorization", "citizen_id", "cccd", "otp", "secret"}
)


def _add_context(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    rid = request_id_var.get()
    if rid and "request_id" not in event:
        event["request_id"] = rid
    tp = traceparent_var.get()
    if tp and "traceparent" not in event:
        event["traceparent"] = tp
    return event


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if key.lower() in SENSITIVE_KEYS:
            event[key] = "[redacted]"
    return event


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route structlog and the standard library through one JSON renderer."""
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        timestamper,
        _add_context,
        _redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # kafka-python is chatty at INFO about every reconnect; warnings are what operators need.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
