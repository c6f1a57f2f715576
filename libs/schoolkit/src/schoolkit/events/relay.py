"""Outbox relay: publishes outbox rows to Kafka in ``seq`` order and replays them after broker data loss.

Delivery is at least once. A row is marked published only after the broker acknowledged it
(acks=all), so a crash at any point can duplicate events (consumers dedupe with their inbox) but
never lose one. Run one relay per outbox: two relays would publish the same rows concurrently.

On PostgreSQL, ``seq`` is handed out at insert time while transactions commit in any order, so a
row with a lower ``seq`` can become visible after a higher one was published. Events of one key
stay in order as long as writes to one aggregate are serialised, which the services' optimistic
concurrency (a version column per aggregate) already guarantees.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError, OffsetOutOfRangeError
from prometheus_client import Counter, Gauge
from sqlalchemy import Engine, Row, Table, and_, bindparam, delete, func, select, update
from sqlalchemy.exc import DBAPIError

from schoolkit.db import make_session_factory, read_only, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.topics import NoAutoCreateClient, admin_client, ensure_topics
from schoolkit.logging import get_logger

log = get_logger(__name__)

PUBLISHED = Counter("relay_published_total", "Outbox events published, re-publications included.", ["relay"])
BACKLOG = Gauge("relay_backlog", "Outbox rows not yet published.", ["relay"])
REWINDS = Counter("relay_rewinds_total", "Replays started because the broker was behind the outbox.", ["relay"])

PartitionId = tuple[str, int]


@dataclass(frozen=True)
class LossVerdict:
    """Which topics lost data on the broker, and why (for the log line)."""

    lost_topics: frozenset[str]
    reasons: tuple[str, ...]

    @property
    def lost(self) -> bool:
        return bool(self.lost_topics)


def detect_loss(
    recorded: Mapping[PartitionId, tuple[int, str]],
    found: Mapping[PartitionId, str | None],
    existing_topics: Collection[str],
) -> LossVerdict:
    """Decide whether the broker lost events the outbox says it acknowledged.

    ``recorded`` maps (topic, partition) to the highest offset the outbox recorded for it and the
    event id it recorded there; ``found`` is the event id the broker holds at that offset (None
    when the partition does not reach that offset). A partition lost data when its topic or
    the partition is gone, when it no longer reaches the offset, or when another event sits
    there (the log was recreated and refilled).

    The check reads the record back instead of comparing end offsets because Tansu's
    ListOffsets(latest) answers with the base offset of the last record batch plus one, which
    is lower than the true end whenever that batch held several records.
    """
    lost: set[str] = set()
    reasons: list[str] = []
    for (topic, partition), (offset, event_id) in sorted(recorded.items()):
        there = found.get((topic, partition))
        if topic not in existing_topics:
            reason = f"{topic} is missing"
        elif there is None:
            reason = f"{topic}[{partition}] no longer holds offset {offset}"
        elif there != event_id:
            reason = f"{topic}[{partition}] holds another event at offset {offset}"
        else:
            continue
        if topic not in lost:
            reasons.append(reason)
        lost.add(topic)
    return LossVerdict(frozenset(lost), tuple(reasons))


def offset_regressions(
    high_water: Mapping[PartitionId, int], acknowledged: Iterable[tuple[str, int, int]]
) -> list[PartitionId]:
    """Partitions where the broker acknowledged an offset not beyond one it acknowledged before."""
    seen = dict(high_water)
    bad: list[PartitionId] = []
    for topic, partition, offset in acknowledged:
        key = (topic, partition)
        if key in seen and offset <= seen[key] and key not in bad:
            bad.append(key)
        seen[key] = max(offset, seen.get(key, offset))
    return bad


def _ce_id(record: Any) -> str:
    for key, value in record.headers or ():
        if key == "ce_id":
            return (value or b"").decode(errors="replace")
    return ""


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; the outbox only ever stores UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def headers_for(row: Any) -> list[tuple[str, bytes]]:
    """CloudEvents binary-mode headers of an outbox row; ``sequence`` lets subscribers resume by seq."""
    extensions = {str(k): str(v) for k, v in (row.extensions or {}).items() if v is not None and v != ""}
    extensions["sequence"] = str(row.seq)
    event = CloudEvent(
        id=row.event_id,
        source=row.source,
        type=row.event_type,
        subject=row.subject or "",
        data=row.payload,
        time=_utc(row.occurred_at),
        extensions=extensions,
    )
    return event.to_headers()


class Relay:
    """Publishes one outbox's rows in ``seq`` order; see the module docstring for the guarantees.

    ``topics`` are the topics this outbox publishes to (created with ``partitions`` and
    ``replication_factor`` when missing); ``send_timeout_s`` bounds one batch's wait for
    acknowledgements; retention runs every ``retention_interval_s``.
    """

    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        *,
        bootstrap_servers: str,
        topics: Iterable[str],
        batch_size: int = 500,
        poll_interval_s: float = 0.2,
        retention_days: int = 30,
        client_id: str = "relay",
        partitions: int = 3,
        replication_factor: int = 1,
        send_timeout_s: float = 15.0,
        retention_interval_s: float = 600.0,
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._sessions = make_session_factory(engine)
        self._bootstrap = bootstrap_servers
        self._topics = set(topics)
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._retention = timedelta(days=retention_days)
        self._retention_interval_s = retention_interval_s
        self._next_retention = 0.0
        self._client_id = client_id
        self._partitions = partitions
        self._replication_factor = replication_factor
        self._send_timeout_s = send_timeout_s
        self._producer: Any = None
        self._admin: Any = None
        # Highest offset acknowledged per partition: a later acknowledgement at or below it means
        # the log was replaced under us (see offset_regressions).
        self._high_water: dict[PartitionId, int] = {}
        # Topic ids as of the last reconcile; a different id means the topic was recreated.
        self._topic_ids: dict[str, str] = {}
        # Until the broker has been compared with the outbox we must not publish anything: at
        # start-up and after any failed send or other Kafka error (a lost connection included).
        self._needs_check = True
        self._published = PUBLISHED.labels(relay=client_id)
        self._backlog = BACKLOG.labels(relay=client_id)
        self._rewinds = REWINDS.labels(relay=client_id)

    # -- the loop ---------------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set; broker and database outages are waited out, not fatal.

        Signal handling belongs to the process entry point, which sets ``stop`` on SIGTERM.
        """
        delay = self._poll_interval_s
        try:
            while not stop.is_set():
                try:
                    published = self.publish_pending()
                except (KafkaError, DBAPIError, TimeoutError) as exc:
                    log.warning("relay.pass_failed", relay=self._client_id, error=repr(exc), retry_in_s=delay)
                    self._drop_clients()
                    self._needs_check = True
                    stop.wait(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                delay = self._poll_interval_s
                if published < self._batch_size:
                    stop.wait(self._poll_interval_s)
        finally:
            self.close()

    def close(self) -> None:
        """Flush and close the Kafka clients (every send was already awaited, so flush is quick)."""
        if self._producer is not None:
            try:
                self._producer.flush(timeout=self._send_timeout_s)
            except KafkaError as exc:
                log.warning("relay.flush_failed", relay=self._client_id, error=repr(exc))
        self._drop_clients(timeout_s=self._send_timeout_s)

    def publish_pending(self) -> int:
        """One pass: publish up to ``batch_size`` unpublished rows in ``seq`` order; return how many.

        Raises KafkaError when the broker cannot be reached for the pre-publish check.
        """
        if self._needs_check:
            self.reconcile()
        self._maybe_apply_retention()
        rows = self._fetch_batch()
        if rows and ({r.topic for r in rows} - self._topics or not self._guard()):
            # A topic we never checked, or one that is gone or was recreated since the last check:
            # compare with the outbox (which creates and rewinds as needed) and read the batch again.
            self._topics |= {r.topic for r in rows}
            self.reconcile()
            rows = self._fetch_batch()
        published = self._send(rows) if rows else []
        if published:
            self._mark(published)
            self._published.inc(len(published))
            regressed = offset_regressions(self._high_water, ((t, p, o) for _, t, p, o in published))
            for _, topic, partition, offset in published:
                self._high_water[(topic, partition)] = max(offset, self._high_water.get((topic, partition), -1))
            if regressed:
                # The broker lost data and something else recreated our topics between the guard
                # and this batch. The rows just sent may now precede older, unseen rows of their
                # key; replaying everything at once keeps every event, and the inbox drops the
                # repeats, but that per-key order cannot be restored after the fact.
                log.error("relay.offset_regression", relay=self._client_id, partitions=regressed)
                self._needs_check = True
        self._backlog.set(self.backlog())
        return len(published)

    def backlog(self) -> int:
        with read_only(self._sessions) as s:
            return int(
                s.scalar(select(func.count()).select_from(self._outbox).where(self._outbox.c.published_at.is_(None)))
                or 0
            )

    # -- loss detection and replay -----------------------------------------------------------------

    def reconcile(self) -> LossVerdict:
        """Compare the broker with the outbox; create missing topics and rewind the lost ones.

        This is the only code path that creates topics. Producing to a topic the broker lost fails
        (our clients never ask the broker to auto-create), which sends the relay here before it can
        put a new event on a freshly wiped broker. If new rows went first, a subscriber could apply
        a later event of a key before an earlier one it had not seen yet: the earlier one would
        only come back with the replay.
        """
        recorded = self._recorded_offsets()
        topics = self._topics | {topic for topic, _ in recorded}
        described = self._describe(topics)
        targets = {
            (t, p): offset for (t, p), (offset, _) in recorded.items() if t in described and p in described[t][1]
        }
        verdict = detect_loss(recorded, self._read_back(targets), set(described))
        missing = topics - set(described)
        if missing or verdict.lost:
            # The producer's idempotence state (producer id, sequence numbers) belongs to the old log.
            self._drop_producer()
        if missing:
            ensure_topics(self._bootstrap, sorted(missing), self._partitions, self._replication_factor)
        if verdict.lost:
            rewound = self._rewind(verdict.lost_topics)
            self._rewinds.inc()
            log.warning(
                "relay.broker_data_loss",
                relay=self._client_id,
                reasons=list(verdict.reasons),
                topics=sorted(verdict.lost_topics),
                rows_to_replay=rewound,
            )
        self._high_water = {k: off for k, (off, _) in recorded.items() if k[0] not in verdict.lost_topics}
        now = self._describe(topics)
        self._topic_ids = {t: topic_id for t, (topic_id, _) in now.items()}
        for topic, (_, partitions) in now.items():
            if len(partitions) != self._partitions:
                log.warning("relay.partition_count", relay=self._client_id, topic=topic, partitions=len(partitions))
        self._topics = topics
        self._needs_check = False
        return verdict

    def _guard(self) -> bool:
        """True when every topic is still the one the last reconcile saw (same topic id).

        One metadata request per batch. It catches a broker that lost its data while the relay
        was idle: the topic is gone, or something else recreated it under a new id since (a stock
        kafka-python client auto-creates topics it merely looks at).
        """
        described = self._describe(self._topics)
        return all(t in described and described[t][0] == self._topic_ids.get(t) for t in self._topics)

    def _describe(self, topics: Collection[str]) -> dict[str, tuple[str, list[int]]]:
        """Existing topics among ``topics``: their id ("-" from brokers without ids) and partitions."""
        if not topics:
            return {}
        admin = self._admin_client()
        try:
            described = admin.describe_topics(sorted(topics))
        except KafkaError:
            self._drop_admin()
            raise
        return {
            t["name"]: (str(t.get("topic_id") or "-"), sorted(p["partition_index"] for p in t.get("partitions", [])))
            for t in described
            if t.get("error_code", 0) == 0
        }

    def _read_back(self, targets: Mapping[PartitionId, int]) -> dict[PartitionId, str | None]:
        """The event id the broker holds at each target offset, None where it holds nothing there."""
        if not targets:
            return {}
        wanted = {TopicPartition(t, p): offset for (t, p), offset in targets.items()}
        reader = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._client_id}-check",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="none",
            fetch_max_wait_ms=100,
            allow_auto_create_topics=False,
            kafka_client=NoAutoCreateClient,
            bootstrap_timeout_ms=5000,
            request_timeout_ms=5000,
        )
        found: dict[Any, str | None] = {}
        try:
            reader.assign(list(wanted))
            for tp, offset in wanted.items():
                reader.seek(tp, offset)
            deadline = time.monotonic() + self._send_timeout_s
            while len(found) < len(wanted):
                if time.monotonic() > deadline:
                    raise KafkaTimeoutError(f"could not read back {sorted(set(wanted) - set(found))}")
                try:
                    batches = reader.poll(timeout_ms=200)
                except OffsetOutOfRangeError as exc:
                    # Kafka says so for an offset past the end; Tansu answers with an empty fetch.
                    gone = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else dict(wanted)
                    batches = {}
                    for tp in gone:
                        found.setdefault(tp, None)
                for tp, records in batches.items():
                    first = next((r for r in records if r.offset >= wanted[tp]), None)
                    if first is not None and tp not in found:
                        found[tp] = _ce_id(first) if first.offset == wanted[tp] else None
                for tp, offset in wanted.items():
                    end = reader.highwater(tp)
                    if tp not in found and end is not None and end <= offset:
                        found[tp] = None
                reader.pause(*[tp for tp in found if tp in wanted])
        finally:
            reader.close()
        return {(tp.topic, tp.partition): event_id for tp, event_id in found.items()}

    def _recorded_offsets(self) -> dict[PartitionId, tuple[int, str]]:
        """Per partition, the highest offset the outbox recorded and the event it recorded there."""
        o = self._outbox.c
        top = (
            select(o.topic, o.kafka_partition, func.max(o.kafka_offset).label("top"))
            .where(o.kafka_offset.is_not(None))
            .group_by(o.topic, o.kafka_partition)
            .subquery()
        )
        stmt = select(o.topic, o.kafka_partition, o.kafka_offset, o.event_id).join(
            top,
            and_(o.topic == top.c.topic, o.kafka_partition == top.c.kafka_partition, o.kafka_offset == top.c.top),
        )
        with read_only(self._sessions) as s:
            return {(t, int(p)): (int(off), str(eid)) for t, p, off, eid in s.execute(stmt)}

    def _rewind(self, topics: Collection[str]) -> int:
        """Mark every retained row of ``topics`` unpublished, so all of it goes out again in seq order."""
        o = self._outbox.c
        stmt = (
            update(self._outbox)
            .where(o.topic.in_(sorted(topics)), o.published_at.is_not(None))
            .values(published_at=None, kafka_partition=None, kafka_offset=None)
        )
        with transaction(self._sessions) as s:
            return int(s.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]

    # -- publishing --------------------------------------------------------------------------------

    def _fetch_batch(self) -> Sequence[Row[Any]]:
        o = self._outbox.c
        stmt = (
            select(o.seq, o.event_id, o.topic, o.event_key, o.event_type, o.source, o.subject, o.payload, o.extensions)
            .add_columns(o.occurred_at)
            .where(o.published_at.is_(None))
            .order_by(o.seq)
            .limit(self._batch_size)
        )
        with read_only(self._sessions) as s:
            return list(s.execute(stmt))

    def _send(self, rows: Sequence[Row[Any]]) -> list[tuple[int, str, int, int]]:
        """Send ``rows`` and return (seq, topic, partition, offset) of the acknowledged prefix."""
        producer = self._producer_client()
        futures: list[Any] = []
        failure: Exception | None = None
        for row in rows:
            try:
                futures.append(
                    producer.send(
                        row.topic, key=row.event_key.encode(), value=bytes(row.payload), headers=headers_for(row)
                    )
                )
            except KafkaError as exc:
                failure = exc
                break
        acknowledged: list[tuple[int, str, int, int]] = []
        deadline = time.monotonic() + self._send_timeout_s
        for row, future in zip(rows, futures, strict=False):
            try:
                meta = future.get(timeout=max(0.0, deadline - time.monotonic()))
            except KafkaError as exc:
                failure = exc
                break
            acknowledged.append((row.seq, meta.topic, meta.partition, meta.offset))
        if failure is not None:
            # Only the prefix before the first failure is marked: later rows may have reached the
            # broker too and will go out again (duplicates, never gaps). The producer is replaced
            # because its pending sends and idempotence state are no longer trustworthy.
            log.warning(
                "relay.send_failed",
                relay=self._client_id,
                acknowledged=len(acknowledged),
                batch=len(rows),
                error=repr(failure),
            )
            self._drop_producer()
            self._needs_check = True
        return acknowledged

    def _mark(self, published: Sequence[tuple[int, str, int, int]]) -> None:
        o = self._outbox.c
        stmt = (
            update(self._outbox)
            .where(o.seq == bindparam("b_seq"))
            .values(published_at=bindparam("b_at"), kafka_partition=bindparam("b_p"), kafka_offset=bindparam("b_o"))
        )
        now = datetime.now(UTC)
        params = [{"b_seq": seq, "b_at": now, "b_p": p, "b_o": off} for seq, _, p, off in published]
        with self._engine.begin() as conn:
            conn.execute(stmt, params)

    # -- retention ---------------------------------------------------------------------------------

    def _maybe_apply_retention(self) -> None:
        if time.monotonic() < self._next_retention:
            return
        self._next_retention = time.monotonic() + self._retention_interval_s
        deleted = self.apply_retention()
        if deleted:
            log.info("relay.retention", relay=self._client_id, deleted=deleted)

    def apply_retention(self, now: datetime | None = None, chunk: int = 5000) -> int:
        """Delete rows published longer ago than the retention period, in short transactions."""
        cutoff = (now or datetime.now(UTC)) - self._retention
        o = self._outbox.c
        total = 0
        while True:
            victims = select(o.seq).where(o.published_at.is_not(None), o.published_at < cutoff).limit(chunk)
            with transaction(self._sessions) as s:
                seqs = list(s.scalars(victims))
                if seqs:
                    s.execute(delete(self._outbox).where(o.seq.in_(seqs)))
            total += len(seqs)
            if len(seqs) < chunk:
                return total

    # -- clients -----------------------------------------------------------------------------------

    def _producer_client(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                acks="all",
                enable_idempotence=True,
                # Five in-flight requests is the most idempotence allows while keeping per-partition order.
                max_in_flight_requests_per_connection=5,
                linger_ms=2,
                allow_auto_create_topics=False,
                kafka_client=NoAutoCreateClient,
                request_timeout_ms=int(self._send_timeout_s * 1000 / 2),
                delivery_timeout_ms=int(self._send_timeout_s * 1000),
                max_block_ms=int(self._send_timeout_s * 1000 / 2),
                bootstrap_timeout_ms=5000,
            )
        return self._producer

    def _admin_client(self) -> Any:
        if self._admin is None:
            self._admin = admin_client(self._bootstrap, client_id=f"{self._client_id}-admin")
        return self._admin

    def _drop_producer(self, timeout_s: float = 0.0) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                producer.close(timeout=timeout_s)
            except Exception as exc:  # noqa: BLE001 - a broken client must not stop the relay from replacing it
                log.warning("relay.producer_close_failed", relay=self._client_id, error=repr(exc))

    def _drop_admin(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            try:
                admin.close()
            except Exception as exc:  # noqa: BLE001 - as above
                log.warning("relay.admin_close_failed", relay=self._client_id, error=repr(exc))

    def _drop_clients(self, timeout_s: float = 0.0) -> None:
        self._drop_producer(timeout_s)
        self._drop_admin()
