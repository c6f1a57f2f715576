"""Idempotent event consumer: inbox row and effect in one transaction, offset committed after it, DLQ.

Delivery into the handler is at least once; the inbox (consumer group, event id) turns that into
exactly-once effects. Records of one partition are handled strictly in order. A record whose
envelope is invalid, or whose handler keeps failing, goes to ``<topic>.dlq`` with the reason in
its headers, and the partition moves on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from kafka.structs import MemberState, OffsetAndMetadata
from prometheus_client import Counter
from sqlalchemy import Engine, Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from schoolkit.db import make_session_factory, transaction
from schoolkit.events.cloudevents import CloudEvent, EnvelopeError
from schoolkit.events.topics import NoAutoCreateClient, admin_client, dlq_topic, ensure_topics
from schoolkit.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[Session, CloudEvent], None]

CONSUMED = Counter("consumer_events_total", "Events applied (unknown types included).", ["group", "topic"])
DUPLICATES = Counter("consumer_duplicates_total", "Redelivered events the inbox skipped.", ["group", "topic"])
DEAD_LETTERED = Counter("consumer_dead_lettered_total", "Records sent to the dead-letter topic.", ["group", "topic"])

# Errors that say the database, not the event, is the problem: wait and retry without counting
# an attempt, so an outage never sends good events to the dead-letter topic.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError, DisconnectionError)

DLQ_HEADER_PREFIX = "dlq_"


def dlq_headers(
    original: list[tuple[str, bytes]] | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    error: str,
    event_id: str,
    attempts: int,
    group: str,
) -> list[tuple[str, bytes]]:
    """The original headers plus the dead-letter reason (earlier ``dlq_*`` headers are replaced)."""
    kept = [(k, v) for k, v in (original or []) if not k.startswith(DLQ_HEADER_PREFIX)]
    extra = {
        "original_topic": topic,
        "original_partition": str(partition),
        "original_offset": str(offset),
        "error": error[:2000],
        "event_id": event_id,
        "attempts": str(attempts),
        "consumer": group,
        "failed_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    return kept + [(DLQ_HEADER_PREFIX + k, v.encode()) for k, v in extra.items()]


def _header(record: Any, name: str) -> str:
    for key, value in record.headers or ():
        if key == name:
            return (value or b"").decode(errors="replace")
    return ""


def remember_event(session: Session, inbox: Table, consumer: str, event: CloudEvent) -> bool:
    """Add (consumer, event id) to the inbox in the caller's transaction; False if it was there already."""
    values = {
        "consumer": consumer,
        "event_id": event.id,
        "event_type": event.type[:200],
        "processed_at": datetime.now(UTC),
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        # ON CONFLICT DO NOTHING also waits for a concurrent insert of the same event (a
        # rebalance can briefly hand a partition to two members) and then inserts nothing.
        # RETURNING says which happened: drivers do not report a row count for INSERT reliably
        # (psycopg through SQLAlchemy 2.1 answers -1 either way).
        make = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = make(inbox).values(**values).on_conflict_do_nothing().returning(inbox.c.event_id)
        return session.execute(stmt).first() is not None
    try:
        with session.begin_nested():
            session.execute(insert(inbox).values(**values))
    except IntegrityError:
        return False
    return True


class _RetryLaterError(Exception):
    """The database or the dead-letter topic failed; the record must be retried later, not skipped."""


class Consumer:
    """One consumer-group member applying events through ``handlers`` (keyed by CloudEvents type).

    ``max_records`` bounds one poll; ``retry_backoff_s`` is the first pause between handler
    attempts (doubling); ``dlq=False`` logs and skips poison records instead of dead-lettering
    them; ``unassigned_rejoin_s`` overrides how long a member may sit without partitions before
    it rejoins (default: twice the max-poll interval or the session timeout, plus one second).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        inbox: Table,
        group: str,
        topics: list[str],
        bootstrap_servers: str,
        handlers: Mapping[str, Handler],
        max_attempts: int = 3,
        max_poll_interval_ms: int = 300_000,
        session_timeout_ms: int = 45_000,
        dlq: bool = True,
        client_id: str | None = None,
        max_records: int = 100,
        retry_backoff_s: float = 0.05,
        dlq_partitions: int = 1,
        unassigned_rejoin_s: float | None = None,
    ) -> None:
        self._engine = engine
        self._inbox = inbox
        self._sessions = make_session_factory(engine)
        self._group = group
        self._topics = list(topics)
        self._bootstrap = bootstrap_servers
        self._handlers = dict(handlers)
        self._max_attempts = max(1, max_attempts)
        self._max_poll_interval_ms = max_poll_interval_ms
        self._session_timeout_ms = session_timeout_ms
        self._dlq = dlq
        self._client_id = client_id or group
        self._max_records = max_records
        self._retry_backoff_s = retry_backoff_s
        self._dlq_partitions = dlq_partitions
        self._event_id_length = getattr(inbox.c.event_id.type, "length", None)
        self._consumer: Any = None
        self._producer: Any = None
        self._admin: Any = None
        self._dlq_ready: set[str] = set()
        # Topic ids seen per topic. A Kafka-protocol broker that lost its data (Tansu restarts
        # empty) gets the topics back under new ids; our in-memory fetch positions then point
        # into a different log and must start over from its beginning (the inbox skips repeats).
        self._topic_ids: dict[str, str | None] = {}
        # Processing a poll's records must leave time to poll again before the group evicts us.
        self._batch_budget_s = max_poll_interval_ms / 1000 / 2
        self._dlq_timeout_s = max(1.0, min(10.0, max_poll_interval_ms / 1000 / 2))
        # Tansu answers the rejoin of a group's only member (same member id, same generation) with
        # the previous assignment. A member that joined while a topic was missing therefore keeps
        # an empty assignment after the topic appears. A member with no partitions for this long,
        # while every topic exists, leaves and joins again as a new member (see _watch_assignment).
        self._unassigned_rejoin_s = (
            unassigned_rejoin_s
            if unassigned_rejoin_s is not None
            else max(2 * max_poll_interval_ms, session_timeout_ms) / 1000 + 1
        )
        self._rejoin_after_s = self._unassigned_rejoin_s
        self._unassigned_since: float | None = None
        self._next_topic_check = 0.0
        self._next_wait_log = 0.0

    # -- the loop ---------------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; broker and database outages are logged and waited out."""
        delay = 0.2
        try:
            while not stop.is_set():
                try:
                    self.poll_once(timeout_ms=500)
                    delay = 0.2
                except KafkaError as exc:
                    log.warning("consumer.poll_failed", group=self._group, error=repr(exc), retry_in_s=delay)
                    self._drop_clients()
                    stop.wait(delay)
                    delay = min(delay * 2, 5.0)
        finally:
            self.close()

    def close(self) -> None:
        """Leave the group and close the clients (offsets are committed after every poll already)."""
        self._drop_clients()

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Poll once and handle what arrived; return how many records were completed.

        Completed means applied, skipped as a duplicate, or dead-lettered; their offsets are
        committed before this returns (a failed commit only causes redelivery).
        """
        consumer = self._kafka()
        if consumer is None:
            time.sleep(timeout_ms / 1000)
            return 0
        try:
            batches: dict[Any, list[Any]] = consumer.poll(timeout_ms=timeout_ms, max_records=self._max_records)
        except KafkaError as exc:
            # Connection loss, coordinator moves and out-of-range offsets all surface here; the
            # client recovers on the next poll (auto_offset_reset=earliest for out-of-range).
            log.warning("consumer.poll_error", group=self._group, error=repr(exc))
            time.sleep(0.2)
            return 0
        if not batches:
            self._watch_assignment(consumer)
            return 0
        batches = self._drop_records_of_recreated_topics(batches)
        started = time.monotonic()
        done = 0
        to_commit: dict[Any, Any] = {}
        stalled = False
        for tp, records in batches.items():
            for record in records:
                if stalled or time.monotonic() - started > self._batch_budget_s:
                    # Hand the rest back to the fetcher: the next poll returns it in order.
                    self._seek(tp, record.offset)
                    break
                try:
                    self._handle(record)
                except _RetryLaterError:
                    self._seek(tp, record.offset)
                    stalled = True
                    break
                to_commit[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
                done += 1
        self._commit(consumer, to_commit)
        if stalled:
            time.sleep(min(1.0, self._batch_budget_s))
        return done

    # -- one record ---------------------------------------------------------------------------------

    def _handle(self, record: Any) -> None:
        """Apply, skip or dead-letter one record; raise _RetryLaterError to retry it later."""
        try:
            event = self._parse(record)
        except EnvelopeError as exc:
            self._dead_letter(record, f"EnvelopeError: {exc}", attempts=1, event_id=_header(record, "ce_id"))
            return
        handler = self._handlers.get(event.type)
        if handler is None:
            # Subscribers routinely ignore most types of a topic (students reads school.grades.v1
            # for two of its events among every saved score): no effect, so no inbox row and no
            # write transaction; only the offset moves on.
            CONSUMED.labels(group=self._group, topic=record.topic).inc()
            log.debug("consumer.unknown_type_skipped", group=self._group, event_id=event.id, event_type=event.type)
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                applied = self._apply(event, handler)
            except INFRASTRUCTURE_ERRORS as exc:
                log.warning("consumer.database_unavailable", group=self._group, event_id=event.id, error=repr(exc))
                raise _RetryLaterError from exc
            except Exception as exc:  # noqa: BLE001 - any handler failure counts as an attempt
                if attempt >= self._max_attempts:
                    self._dead_letter(record, f"{type(exc).__name__}: {exc}", attempts=attempt, event_id=event.id)
                    return
                log.warning(
                    "consumer.handler_failed",
                    group=self._group,
                    event_id=event.id,
                    event_type=event.type,
                    attempt=attempt,
                    error=repr(exc),
                )
                time.sleep(self._retry_backoff_s * 2 ** (attempt - 1))
                continue
            if applied:
                CONSUMED.labels(group=self._group, topic=record.topic).inc()
            else:
                DUPLICATES.labels(group=self._group, topic=record.topic).inc()
            return

    def _parse(self, record: Any) -> CloudEvent:
        event = CloudEvent.from_headers(record.headers or [], record.value)
        if self._event_id_length and len(event.id) > self._event_id_length:
            raise EnvelopeError(f"ce_id longer than {self._event_id_length} characters")
        return event

    def _apply(self, event: CloudEvent, handler: Handler) -> bool:
        """Inbox row and effect in one transaction; False when the inbox already had the event."""
        with transaction(self._sessions) as session:
            if not remember_event(session, self._inbox, self._group, event):
                return False
            handler(session, event)
        return True

    def _dead_letter(self, record: Any, error: str, *, attempts: int, event_id: str) -> None:
        if not self._dlq:
            log.error("consumer.dropped", group=self._group, topic=record.topic, offset=record.offset, error=error)
            DEAD_LETTERED.labels(group=self._group, topic=record.topic).inc()
            return
        topic = dlq_topic(record.topic)
        headers = dlq_headers(
            record.headers,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=error,
            event_id=event_id,
            attempts=attempts,
            group=self._group,
        )
        try:
            if topic not in self._dlq_ready:
                ensure_topics(self._bootstrap, [topic], partitions=self._dlq_partitions, timeout_s=self._dlq_timeout_s)
                self._dlq_ready.add(topic)
            future = self._dlq_producer().send(topic, key=record.key, value=record.value, headers=headers)
            future.get(timeout=self._dlq_timeout_s)
        except (KafkaError, TimeoutError) as exc:
            # Without the dead-letter copy the record must not be skipped: retry it later.
            log.warning("consumer.dead_letter_failed", group=self._group, topic=topic, error=repr(exc))
            self._dlq_ready.discard(topic)
            self._drop_producer()
            raise _RetryLaterError from exc
        DEAD_LETTERED.labels(group=self._group, topic=record.topic).inc()
        log.error(
            "consumer.dead_lettered",
            group=self._group,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            event_id=event_id,
            attempts=attempts,
            error=error,
        )

    # -- offsets and broker data loss -------------------------------------------------------------

    def _seek(self, tp: Any, offset: int | None) -> None:
        """Move the fetch position of ``tp`` (None: to the beginning) if it is still ours."""
        try:
            if offset is None:
                self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)
        except ValueError:
            # A rebalance took the partition away; its next owner starts from the committed offset.
            log.info("consumer.seek_skipped", group=self._group, topic=tp.topic, partition=tp.partition)

    def _commit(self, consumer: Any, offsets: dict[Any, Any]) -> None:
        if not offsets:
            return
        try:
            consumer.commit(offsets=offsets)
        except KafkaError as exc:
            # The effects are committed already; the worst outcome is a redelivery the inbox skips.
            log.warning("consumer.commit_failed", group=self._group, error=repr(exc))

    def _drop_records_of_recreated_topics(self, batches: dict[Any, list[Any]]) -> dict[Any, list[Any]]:
        """Drop records fetched at positions that belong to a topic that has since been recreated."""
        current = self._current_topic_ids({tp.topic for tp in batches}) or {}
        kept: dict[Any, list[Any]] = {}
        recreated: set[str] = set()
        for tp, records in batches.items():
            now = current.get(tp.topic)
            known = self._topic_ids.get(tp.topic)
            if now is None:
                # Gone or unknown right now: give the records back and look again next poll.
                self._seek(tp, records[0].offset)
            elif known is not None and known != now:
                recreated.add(tp.topic)
            else:
                kept[tp] = records
        for topic in recreated:
            log.warning(
                "consumer.topic_recreated",
                group=self._group,
                topic=topic,
                old_id=self._topic_ids.get(topic),
                new_id=current[topic],
            )
            self._topic_ids[topic] = current[topic]
            for tp in self._consumer.assignment():
                if tp.topic == topic:
                    self._seek(tp, None)
        for topic, topic_id in current.items():
            if topic_id is not None and self._topic_ids.get(topic) is None:
                self._topic_ids[topic] = topic_id
        return kept

    def _current_topic_ids(self, topics: Collection[str]) -> dict[str, str | None] | None:
        """Topic id per topic (None: the topic does not exist); None when the broker did not answer."""
        try:
            if self._admin is None:
                self._admin = admin_client(self._bootstrap, client_id=f"{self._client_id}-admin")
            described = self._admin.describe_topics(sorted(topics))
        except KafkaError as exc:
            log.warning("consumer.describe_failed", group=self._group, error=repr(exc))
            self._drop_admin()
            return None
        ids: dict[str, str | None] = dict.fromkeys(topics)
        for t in described:
            if t.get("error_code", 0) == 0:
                # A broker without topic ids (Kafka < 2.8) reports none; use a constant so
                # nothing looks recreated.
                ids[t["name"]] = str(t.get("topic_id") or "-")
        return ids

    # -- clients ------------------------------------------------------------------------------------

    def _kafka(self) -> Any:
        """The group member, created once every topic exists; None while some are missing.

        Joining while a topic is missing would leave us with an empty assignment on Tansu (see
        _watch_assignment), and our clients never create topics: their owners' relays do.
        """
        if self._consumer is None:
            ids = self._current_topic_ids(self._topics)
            if ids is None:
                return None
            missing = sorted(t for t, topic_id in ids.items() if topic_id is None)
            if missing:
                if time.monotonic() >= self._next_wait_log:
                    log.info("consumer.waiting_for_topics", group=self._group, topics=missing)
                    self._next_wait_log = time.monotonic() + 30
                return None
            self._consumer = KafkaConsumer(
                *self._topics,
                bootstrap_servers=self._bootstrap,
                group_id=self._group,
                client_id=self._client_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_interval_ms=self._max_poll_interval_ms,
                session_timeout_ms=self._session_timeout_ms,
                heartbeat_interval_ms=max(100, min(3000, self._session_timeout_ms // 3)),
                allow_auto_create_topics=False,
                kafka_client=NoAutoCreateClient,
                bootstrap_timeout_ms=5000,
            )
            # Ids as of joining: positions fetched from now on refer to these logs.
            self._topic_ids = {t: topic_id for t, topic_id in ids.items() if topic_id is not None}
            self._unassigned_since = time.monotonic()
        return self._consumer

    def _watch_assignment(self, consumer: Any) -> None:
        """Leave and rejoin when the group left us without partitions for too long (Tansu quirk)."""
        if consumer.assignment():
            self._unassigned_since = None
            self._rejoin_after_s = self._unassigned_rejoin_s
            return
        now = time.monotonic()
        if self._unassigned_since is None:
            self._unassigned_since = now
        if now < self._next_topic_check or consumer.group_metadata().state != MemberState.STABLE:
            # Leaving in the middle of a join can leave a half-joined member behind on Tansu,
            # which then takes partitions in the next assignment.
            return
        self._next_topic_check = now + 1.0
        ids = self._current_topic_ids(self._topics)
        if ids is None:
            return
        topics_missing = any(topic_id is None for topic_id in ids.values())
        waited = now - self._unassigned_since
        if not topics_missing and waited < self._rejoin_after_s:
            return
        # Without partitions and with a topic gone (a wiped broker), or stuck for too long: leave
        # the group; _kafka joins again as a new member once every topic exists. The delay doubles
        # so a member that is idle by design (more members than partitions) rejoins rarely.
        log.warning(
            "consumer.rejoining", group=self._group, topics_missing=topics_missing, unassigned_s=round(waited, 1)
        )
        if not topics_missing:
            self._rejoin_after_s = min(self._rejoin_after_s * 2, 3600.0)
        self._drop_consumer()

    def _dlq_producer(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=f"{self._client_id}-dlq",
                acks="all",
                enable_idempotence=True,
                allow_auto_create_topics=False,
                kafka_client=NoAutoCreateClient,
                request_timeout_ms=int(self._dlq_timeout_s * 1000),
                delivery_timeout_ms=int(self._dlq_timeout_s * 1000) + 1000,
                max_block_ms=int(self._dlq_timeout_s * 1000),
                bootstrap_timeout_ms=5000,
            )
        return self._producer

    def _drop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            _close_quietly(lambda: producer.close(timeout=0))

    def _drop_admin(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            _close_quietly(admin.close)

    def _drop_consumer(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            _close_quietly(lambda: consumer.close(autocommit=False))
        self._unassigned_since = None

    def _drop_clients(self) -> None:
        self._drop_consumer()
        self._drop_producer()
        self._drop_admin()


def _close_quietly(close: Callable[[], object]) -> None:
    try:
        close()
    except Exception as exc:  # noqa: BLE001 - a client that fails to close is discarded anyway
        log.warning("consumer.close_failed", error=repr(exc))
