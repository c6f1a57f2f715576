"""Topic administration for the event bus: create missing topics, name dead-letter topics."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import RetriableError, TopicAlreadyExistsError, for_code
from kafka.net.compat import KafkaNetClient

from schoolkit.logging import get_logger

log = get_logger(__name__)

DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic paired with ``topic``."""
    return f"{topic}{DLQ_SUFFIX}"


class NoAutoCreateClient(KafkaNetClient):
    """A kafka-python network client whose metadata requests really ask for no topic auto-creation.

    kafka-python 3.0.12 accepts ``allow_auto_create_topics`` on the producer and consumer but never
    hands it to its cluster metadata, so every metadata request asks the broker to create unknown
    topics. Tansu honours that and creates them with its own default partition count. After a
    broker wipe that would silently bring our topics back (with the wrong partition count) before
    the relay has noticed the loss, which is exactly what the relay's ordering argument forbids.
    Pass this class as ``kafka_client=`` together with ``allow_auto_create_topics=False``.
    """

    def __init__(self, net: Any = None, manager: Any = None, **configs: Any) -> None:
        super().__init__(net=net, manager=manager, **configs)
        self._manager.cluster.config["allow_auto_create_topics"] = bool(configs.get("allow_auto_create_topics", True))


def admin_client(bootstrap_servers: str, *, client_id: str, timeout_ms: int = 5000) -> Any:
    """A KafkaAdminClient with short timeouts; raises KafkaError when the broker is unreachable."""
    return KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
    )


def _missing_topics(admin: Any, topics: list[str]) -> list[str]:
    described = {t["name"]: t for t in admin.describe_topics(topics)}
    return [t for t in topics if t not in described or described[t].get("error_code", 0) != 0]


def _create(admin: Any, topics: list[str], partitions: int, replication_factor: int) -> None:
    spec = {t: {"num_partitions": partitions, "replication_factor": replication_factor} for t in topics}
    result = admin.create_topics(spec, raise_errors=False)
    for item in result.get("topics", []):
        error = for_code(item.get("error_code", 0))
        # Another process (a second relay, an operator) may have created it meanwhile: that is success.
        if item.get("error_code", 0) != 0 and error is not TopicAlreadyExistsError:
            raise error(f"creating topic {item.get('name')}: {item.get('error_message')}")
    admin.wait_for_topics(topics, timeout_ms=10000)


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    partitions: int = 3,
    replication_factor: int = 1,
    timeout_s: float = 30,
) -> None:
    """Create every topic in ``topics`` that does not exist yet; existing topics are left alone.

    Retries while the broker is unreachable (it may be starting next to us); raises TimeoutError
    after ``timeout_s``. Errors other than "unreachable" and "already exists" are raised at once.
    """
    wanted = list(dict.fromkeys(topics))
    if not wanted:
        return
    deadline = time.monotonic() + timeout_s
    delay = 0.1
    while True:
        remaining_ms = max(500, int((deadline - time.monotonic()) * 1000))
        try:
            admin = admin_client(bootstrap_servers, client_id="schoolkit-topics", timeout_ms=min(remaining_ms, 5000))
            try:
                missing = _missing_topics(admin, wanted)
                if missing:
                    _create(admin, missing, partitions, replication_factor)
                    log.info("topics.created", topics=missing, partitions=partitions)
                return
            finally:
                admin.close()
        except RetriableError as exc:
            # kafka-python reports an unreachable or restarting broker as retriable errors
            # (connection errors, bootstrap timeouts, leader not yet elected).
            if time.monotonic() >= deadline:
                raise TimeoutError(f"could not ensure topics {wanted} on {bootstrap_servers}: {exc!r}") from exc
            log.warning("topics.broker_unreachable", bootstrap=bootstrap_servers, error=repr(exc))
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
