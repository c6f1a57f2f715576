"""Outbox relay and idempotent consumer: exactly-once effects, DLQ, broker wipe replay (plus pure-logic units)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from google.protobuf import struct_pb2, wrappers_pb2
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import REGISTRY
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.orm import Session

from schoolkit.config import ConfigError, load_config
from schoolkit.db import make_engine, make_session_factory, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import Consumer, dlq_headers, remember_event
from schoolkit.events.outbox import record_event
from schoolkit.events.relay import Relay, detect_loss, headers_for, offset_regressions
from schoolkit.events.settings import KafkaConfig, KafkaSettings
from schoolkit.events.tables import inbox_table, outbox_table
from schoolkit.events.topics import NoAutoCreateClient, admin_client, dlq_topic, ensure_topics
from schoolkit.localbroker import LocalBroker
from schoolkit.testing import database_kinds, free_port, fresh_database, wait_for

STRUCT = "google.protobuf.Struct"
POISON = "google.protobuf.StringValue"


# -- pure logic ----------------------------------------------------------------------------------


def test_no_loss_when_the_broker_still_holds_the_recorded_events() -> None:
    assert not detect_loss({}, {}, set()).lost
    recorded = {("t", 0): (4, "e4"), ("t", 1): (9, "e9")}
    assert not detect_loss(recorded, {("t", 0): "e4", ("t", 1): "e9"}, {"t"}).lost


def test_missing_topic_counts_as_loss() -> None:
    verdict = detect_loss({("t", 0): (0, "a"), ("u", 0): (3, "b")}, {("u", 0): "b"}, {"u"})
    assert verdict.lost_topics == {"t"}
    assert "t is missing" in verdict.reasons[0]


def test_a_log_that_no_longer_reaches_the_recorded_offset_counts_as_loss() -> None:
    verdict = detect_loss({("t", 2): (7, "e7"), ("t", 0): (1, "e1")}, {("t", 2): None, ("t", 0): "e1"}, {"t"})
    assert verdict.lost_topics == {"t"}
    assert "t[2] no longer holds offset 7" in verdict.reasons[0]
    # A partition that was not read back at all (it does not exist any more) is lost too.
    assert detect_loss({("t", 3): (1, "x")}, {}, {"t"}).lost_topics == {"t"}


def test_a_refilled_log_with_another_event_at_the_offset_counts_as_loss() -> None:
    verdict = detect_loss(
        {("t", 0): (5, "ours"), ("v", 0): (2, "v2")}, {("t", 0): "theirs", ("v", 0): "v2"}, {"t", "v"}
    )
    assert verdict.lost_topics == {"t"}
    assert "another event" in verdict.reasons[0]


def test_offset_regressions_flag_partitions_that_went_backwards() -> None:
    assert offset_regressions({("t", 0): 10}, [("t", 0, 11), ("t", 0, 12)]) == []
    assert offset_regressions({("t", 0): 10}, [("t", 0, 0), ("t", 1, 0)]) == [("t", 0)]
    assert offset_regressions({}, [("t", 0, 5), ("t", 0, 3)]) == [("t", 0)]


def test_headers_carry_the_outbox_row_as_a_cloudevent() -> None:
    row = SimpleNamespace(
        seq=42,
        event_id="e-1",
        source="/schools/s1/students",
        event_type="school.students.v1.StudentEnrolled",
        subject="st-1",
        payload=b"\x01",
        extensions={"correlationid": "r-1", "actor": "", "partitionkey": "st-1"},
        occurred_at=datetime(2026, 9, 5, 7, 30),  # naive, as SQLite returns it: means UTC
    )
    event = CloudEvent.from_headers(headers_for(row), row.payload)
    assert event.id == "e-1"
    assert event.type == "school.students.v1.StudentEnrolled"
    assert event.subject == "st-1"
    assert event.time == datetime(2026, 9, 5, 7, 30, tzinfo=UTC)
    assert event.extensions["sequence"] == "42"
    assert event.extensions["correlationid"] == "r-1"
    assert "actor" not in event.extensions


def test_dlq_headers_keep_the_original_and_replace_earlier_reasons() -> None:
    headers = dlq_headers(
        [("ce_id", b"e-1"), ("dlq_error", b"old")],
        topic="t",
        partition=2,
        offset=17,
        error="ValueError: boom",
        event_id="e-1",
        attempts=3,
        group="g.x",
    )
    h = dict(headers)
    assert h["ce_id"] == b"e-1"
    assert h["dlq_error"] == b"ValueError: boom"
    assert [k for k, _ in headers].count("dlq_error") == 1
    assert (h["dlq_original_topic"], h["dlq_original_partition"], h["dlq_original_offset"]) == (b"t", b"2", b"17")
    assert (h["dlq_event_id"], h["dlq_attempts"], h["dlq_consumer"]) == (b"e-1", b"3", b"g.x")
    assert dlq_topic("school.students.v1") == "school.students.v1.dlq"


def test_kafka_settings_defaults_and_overrides() -> None:
    class Settings(KafkaSettings):
        pass

    defaults = KafkaConfig.from_config(load_config(Settings, "t", {}))
    assert defaults == KafkaConfig()
    assert defaults.max_poll_interval_ms == 300_000
    assert defaults.session_timeout_ms == 45_000
    env = {"KAFKA_BOOTSTRAP_SERVERS": "a:1,b:2", "KAFKA_MAX_POLL_INTERVAL_MS": "3000", "RELAY_POLL_INTERVAL_MS": "50"}
    cfg = KafkaConfig.from_config(load_config(Settings, "t", env))
    assert cfg.bootstrap_servers == "a:1,b:2"
    assert cfg.max_poll_interval_ms == 3000
    assert cfg.relay_poll_interval_s == pytest.approx(0.05)


def test_kafka_settings_list_every_problem() -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "nohost,x:99999", "RELAY_BATCH_SIZE": "0", "CONSUMER_MAX_ATTEMPTS": "many"}
    with pytest.raises(ConfigError) as err:
        load_config(KafkaSettings, "t", env)
    assert set(err.value.problems) == {"KAFKA_BOOTSTRAP_SERVERS", "RELAY_BATCH_SIZE", "CONSUMER_MAX_ATTEMPTS"}
    assert "nohost" in err.value.problems["KAFKA_BOOTSTRAP_SERVERS"][0]


def test_retention_deletes_only_rows_published_long_ago(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    md = MetaData()
    outbox = outbox_table(md)
    md.create_all(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for i, published in enumerate(
            [now - timedelta(days=40), now - timedelta(days=31), now - timedelta(days=2), None]
        ):
            conn.execute(
                insert(outbox).values(
                    event_id=f"e{i}",
                    topic="t",
                    event_key="k",
                    event_type="x",
                    source="/s",
                    subject="k",
                    payload=b"",
                    extensions={},
                    occurred_at=now - timedelta(days=50),
                    published_at=published,
                )
            )
    relay = Relay(engine, outbox, bootstrap_servers="127.0.0.1:1", topics=["t"], retention_days=30)
    assert relay.apply_retention(chunk=1) == 2
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(outbox.c.event_id))) == ["e2", "e3"]
    engine.dispose()


# -- with a broker -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    b = LocalBroker(free_port(), log_path=tmp_path_factory.mktemp("broker") / "tansu.log")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker this test may restart (wipe) without disturbing the others."""
    b = LocalBroker(free_port(), log_path=tmp_path / "tansu.log")
    b.start()
    yield b
    b.stop()


class Tables(SimpleNamespace):
    engine: Engine
    outbox: Table
    inbox: Table
    effects: Table


@pytest.fixture(params=database_kinds())
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tables]:
    with fresh_database(request.param, tmp_path, "events") as url:
        engine = make_engine(url)
        md = MetaData()
        t = Tables(
            engine=engine,
            outbox=outbox_table(md),
            inbox=inbox_table(md),
            # No unique constraint on event_id on purpose: a duplicate effect must show up as a row.
            effects=Table(
                "effects",
                md,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36), nullable=False),
                Column("key", String(50), nullable=False),
                Column("n", Integer, nullable=False),
            ),
        )
        md.create_all(engine)
        yield t
        engine.dispose()


def names() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"school.test{suffix}.v1", f"test.g{suffix}"


def write(db: Tables, topic: str, items: list[tuple[str, int]], poison: bool = False) -> list[str]:
    """Record one event per (key, n), each in its own transaction, as a service would."""
    ids = []
    factory = make_session_factory(db.engine)
    for key, n in items:
        msg: Any = wrappers_pb2.StringValue(value=key) if poison else struct_pb2.Struct()
        if not poison:
            msg.update({"key": key, "n": n})
        with transaction(factory) as s:
            ids.append(record_event(s, db.outbox, topic=topic, key=key, message=msg, service="test", school_id="s1"))
    return ids


def apply_effect(db: Tables) -> Any:
    def handler(session: Session, event: CloudEvent) -> None:
        msg = struct_pb2.Struct()
        msg.ParseFromString(event.data)
        session.execute(
            insert(db.effects).values(
                event_id=event.id, key=msg.fields["key"].string_value, n=int(msg.fields["n"].number_value)
            )
        )

    return handler


def effects(db: Tables) -> list[tuple[str, str, int]]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(db.effects.c.event_id, db.effects.c.key, db.effects.c.n).order_by(db.effects.c.id))
        return [(r[0], r[1], r[2]) for r in rows]


def effect_count(db: Tables) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(db.effects)) or 0)


def assert_per_key_order(rows: list[tuple[str, str, int]]) -> None:
    last: dict[str, int] = {}
    for _, key, n in rows:
        assert n > last.get(key, -1), f"key {key}: {n} applied after {last[key]}"
        last[key] = n


def drain(relay: Relay, timeout_s: float = 30) -> None:
    wait_for(lambda: relay.publish_pending() == 0 and relay.backlog() == 0, timeout_s, 0.05, "relay backlog 0")


def consume_until(consumer: Consumer, predicate: Any, timeout_s: float = 40, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        consumer.poll_once(200)
        if predicate():
            return
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def make_consumer(db: Tables, broker: LocalBroker, topic: str, group: str, handlers: dict[str, Any]) -> Consumer:
    return Consumer(
        engine=db.engine,
        inbox=db.inbox,
        group=group,
        topics=[topic],
        bootstrap_servers=broker.bootstrap,
        handlers=handlers,
        max_attempts=3,
        max_poll_interval_ms=3000,
        session_timeout_ms=6000,
    )


def read_topic(bootstrap: str, topic: str, expect: int, timeout_s: float = 15) -> list[Any]:
    """Every record of ``topic`` from the beginning (no group), once ``expect`` of them arrived."""
    admin = admin_client(bootstrap, client_id="test-reader")
    partitions = [p["partition_index"] for p in admin.describe_topics([topic])[0]["partitions"]]
    admin.close()
    reader = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        allow_auto_create_topics=False,
        kafka_client=NoAutoCreateClient,
    )
    tps = [TopicPartition(topic, p) for p in partitions]
    reader.assign(tps)
    reader.seek_to_beginning(*tps)
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    while len(records) < expect and time.monotonic() < deadline:
        for batch in reader.poll(timeout_ms=200).values():
            records.extend(batch)
    reader.close()
    return records


@pytest.mark.integration
def test_inbox_remembers_an_event_once_per_consumer_and_forgets_it_on_rollback(db: Tables) -> None:
    event = CloudEvent(id="e-1", source="/schools/s1/test", type="t", data=b"")
    factory = make_session_factory(db.engine)
    with transaction(factory) as s:
        assert remember_event(s, db.inbox, "g.a", event)
        assert not remember_event(s, db.inbox, "g.a", event)
    with transaction(factory) as s:
        assert not remember_event(s, db.inbox, "g.a", event)
        assert remember_event(s, db.inbox, "g.b", event)

    def effect_fails_after_remembering() -> None:
        with transaction(factory) as s:
            assert remember_event(s, db.inbox, "g.c", event)
            raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError, match="the effect failed"):
        effect_fails_after_remembering()
    with transaction(factory) as s:
        assert remember_event(s, db.inbox, "g.c", event)


@pytest.mark.integration
def test_topics_are_created_once_and_existing_ones_tolerated(broker: LocalBroker) -> None:
    topic, _ = names()
    ensure_topics(broker.bootstrap, [topic, topic], partitions=2)
    ensure_topics(broker.bootstrap, [topic, dlq_topic(topic)], partitions=2)
    admin = admin_client(broker.bootstrap, client_id="test")
    described = {t["name"]: t for t in admin.describe_topics([topic, dlq_topic(topic)])}
    admin.close()
    assert [len(described[t]["partitions"]) for t in (topic, dlq_topic(topic))] == [2, 2]


@pytest.mark.integration
def test_ensure_topics_waits_for_a_broker_that_starts_late(tmp_path: Path) -> None:
    late = LocalBroker(free_port(), log_path=tmp_path / "late.log")
    with pytest.raises(TimeoutError):
        ensure_topics(late.bootstrap, ["t.never"], timeout_s=1)
    done = threading.Event()

    def create() -> None:
        ensure_topics(late.bootstrap, ["t.late"], timeout_s=20)
        done.set()

    worker = threading.Thread(target=create, daemon=True)
    worker.start()
    time.sleep(1.0)
    assert not done.is_set()
    late.start()
    try:
        assert done.wait(15)
    finally:
        late.stop()


@pytest.mark.integration
def test_every_event_takes_effect_exactly_once_even_when_replayed(broker: LocalBroker, db: Tables) -> None:
    topic, group = names()
    items = [(f"st-{k}", n) for n in range(6) for k in range(40)]
    ids = write(db, topic, items)
    relay = Relay(
        db.engine, db.outbox, bootstrap_servers=broker.bootstrap, topics=[topic], batch_size=100, client_id=group
    )
    drain(relay)
    assert sample("relay_published_total", relay=group) == len(items)
    assert sample("relay_backlog", relay=group) == 0
    consumer = make_consumer(db, broker, topic, group, {STRUCT: apply_effect(db)})
    try:
        consume_until(consumer, lambda: effect_count(db) >= len(items), what="all effects")
        rows = effects(db)
        assert sorted(r[0] for r in rows) == sorted(ids)
        assert_per_key_order(rows)

        # Replay: the outbox forgets it published anything, so every event is delivered again.
        dup_before = sample("consumer_duplicates_total", group=group, topic=topic)
        with db.engine.begin() as conn:
            conn.execute(update(db.outbox).values(published_at=None, kafka_partition=None, kafka_offset=None))
        drain(relay)
        consume_until(
            consumer,
            lambda: sample("consumer_duplicates_total", group=group, topic=topic) - dup_before >= len(items),
            what="redeliveries",
        )
        assert len(effects(db)) == len(items)
    finally:
        consumer.close()
        relay.close()


@pytest.mark.integration
def test_poison_messages_are_dead_lettered_and_later_events_still_flow(broker: LocalBroker, db: Tables) -> None:
    topic, group = names()
    calls: list[str] = []

    def always_fails(session: Session, event: CloudEvent) -> None:
        calls.append(event.id)
        raise ValueError("cannot apply this event")

    handlers = {STRUCT: apply_effect(db), POISON: always_fails}
    relay = Relay(db.engine, db.outbox, bootstrap_servers=broker.bootstrap, topics=[topic])
    good_before = write(db, topic, [("st-1", 0), ("st-2", 0)])
    [poison_id] = write(db, topic, [("st-1", 1)], poison=True)
    drain(relay)
    raw = KafkaProducer(bootstrap_servers=broker.bootstrap, kafka_client=NoAutoCreateClient)
    bad = raw.send(topic, key=b"st-2", value=b"not a cloudevent", headers=[("ce_id", b"bad-1")]).get(10)
    raw.close()
    good_after = write(db, topic, [("st-1", 2), ("st-2", 1), ("st-3", 0)])
    drain(relay)

    consumer = make_consumer(db, broker, topic, group, handlers)
    try:
        consume_until(consumer, lambda: effect_count(db) >= 5, what="the good events")
    finally:
        consumer.close()
        relay.close()
    assert sorted(r[0] for r in effects(db)) == sorted(good_before + good_after)
    assert calls == [poison_id] * 3
    with db.engine.connect() as conn:
        # Not in the inbox, so a DLQ replay can deliver it once the fix is in.
        assert conn.scalar(select(func.count()).select_from(db.inbox).where(db.inbox.c.event_id == poison_id)) == 0
    assert sample("consumer_dead_lettered_total", group=group, topic=topic) == 2

    dead = read_topic(broker.bootstrap, dlq_topic(topic), expect=2)
    by_id = {dict(r.headers)["dlq_event_id"].decode(): r for r in dead}
    assert set(by_id) == {poison_id, "bad-1"}
    poison = dict(by_id[poison_id].headers)
    assert poison["dlq_original_topic"] == topic.encode()
    assert poison["dlq_attempts"] == b"3"
    assert b"cannot apply this event" in poison["dlq_error"]
    assert poison["ce_id"] == poison_id.encode()
    assert int(poison["dlq_original_partition"]) >= 0
    assert int(poison["dlq_original_offset"]) >= 0
    envelope = dict(by_id["bad-1"].headers)
    assert envelope["dlq_attempts"] == b"1"
    assert envelope["dlq_error"].startswith(b"EnvelopeError")
    assert (int(envelope["dlq_original_partition"]), int(envelope["dlq_original_offset"])) == (
        bad.partition,
        bad.offset,
    )
    assert by_id["bad-1"].value == b"not a cloudevent"
    assert by_id["bad-1"].key == b"st-2"


@pytest.mark.integration
def test_broker_wipe_is_detected_and_history_replayed_in_order(own_broker: LocalBroker, db: Tables) -> None:
    topic, group = names()
    keys = [f"st-{k}" for k in range(20)]
    relay = Relay(db.engine, db.outbox, bootstrap_servers=own_broker.bootstrap, topics=[topic], batch_size=50)
    consumer = make_consumer(db, own_broker, topic, group, {STRUCT: apply_effect(db)})
    rewinds_before = sample("relay_rewinds_total", relay="relay")
    try:
        first = write(db, topic, [(k, n) for n in range(4) for k in keys])
        drain(relay)
        consume_until(consumer, lambda: effect_count(db) >= len(first), what="first phase")
        # Published but not consumed when the broker loses everything: only a replay brings these back.
        second = write(db, topic, [(k, n) for n in range(4, 7) for k in keys])
        drain(relay)
        own_broker.restart()
        third = write(db, topic, [(k, n) for n in range(7, 10) for k in keys])
        drain(relay)
        assert sample("relay_rewinds_total", relay="relay") == rewinds_before + 1

        # The new log holds the whole history in seq order per partition: nothing new went first,
        # and the topic came back with our partition count, not the broker's default.
        log = read_topic(own_broker.bootstrap, topic, expect=len(first + second + third))
        assert len(log) == len(first + second + third)
        per_partition: dict[int, list[int]] = {}
        for r in sorted(log, key=lambda r: (r.partition, r.offset)):
            per_partition.setdefault(r.partition, []).append(int(dict(r.headers)["ce_sequence"]))
        assert sorted(per_partition) == [0, 1, 2]
        assert all(seqs == sorted(seqs) for seqs in per_partition.values())

        total = len(first + second + third)
        consume_until(consumer, lambda: effect_count(db) >= total, timeout_s=60, what="all phases")
        consumer.poll_once(500)
        rows = effects(db)
        assert sorted(r[0] for r in rows) == sorted(first + second + third)
        assert_per_key_order(rows)
        assert sample("consumer_duplicates_total", group=group, topic=topic) > 0
    finally:
        consumer.close()
        relay.close()


@pytest.mark.integration
def test_a_restarted_relay_replays_when_it_finds_the_broker_behind(own_broker: LocalBroker, db: Tables) -> None:
    topic, _ = names()
    ids = write(db, topic, [(f"st-{k}", 0) for k in range(30)])
    first = Relay(db.engine, db.outbox, bootstrap_servers=own_broker.bootstrap, topics=[topic], client_id="first")
    drain(first)
    first.close()
    own_broker.restart()

    second = Relay(db.engine, db.outbox, bootstrap_servers=own_broker.bootstrap, topics=[topic], client_id="second")
    verdict = second.reconcile()
    assert verdict.lost_topics == {topic}
    assert second.backlog() == len(ids)
    drain(second)
    second.close()
    assert sorted(
        dict(r.headers)["ce_id"].decode() for r in read_topic(own_broker.bootstrap, topic, len(ids))
    ) == sorted(ids)
    # Nothing lost this time: a third start finds the broker in step and replays nothing.
    third = Relay(db.engine, db.outbox, bootstrap_servers=own_broker.bootstrap, topics=[topic], client_id="third")
    assert not third.reconcile().lost
    assert third.backlog() == 0
    third.close()


@pytest.mark.integration
def test_relay_rewinds_before_publishing_when_something_else_recreated_the_topic(
    own_broker: LocalBroker, db: Tables
) -> None:
    topic, _ = names()
    history = write(db, topic, [(f"st-{k}", 0) for k in range(30)])
    relay = Relay(db.engine, db.outbox, bootstrap_servers=own_broker.bootstrap, topics=[topic], client_id="guarded")
    rewinds_before = sample("relay_rewinds_total", relay="guarded")
    drain(relay)
    # Without a producer whose stale idempotence state would make the first send fail, only the
    # pre-batch guard stands between the new rows and the recreated topic.
    relay.close()
    own_broker.restart()
    # Another client brings the topic back, empty, before the relay has anything to send.
    ensure_topics(own_broker.bootstrap, [topic])
    fresh = write(db, topic, [(f"st-{k}", 1) for k in range(5)])
    drain(relay)
    relay.close()
    assert sample("relay_rewinds_total", relay="guarded") == rewinds_before + 1
    log = read_topic(own_broker.bootstrap, topic, expect=len(history + fresh))
    assert sorted(dict(r.headers)["ce_id"].decode() for r in log) == sorted(history + fresh)
    # History went out before the new rows in every partition (sequence follows outbox seq).
    per_partition: dict[int, list[int]] = {}
    for r in sorted(log, key=lambda r: (r.partition, r.offset)):
        per_partition.setdefault(r.partition, []).append(int(dict(r.headers)["ce_sequence"]))
    assert all(seqs == sorted(seqs) for seqs in per_partition.values())


@pytest.mark.integration
def test_a_consumer_started_before_its_topic_exists_still_gets_every_event(broker: LocalBroker, db: Tables) -> None:
    topic, group = names()
    consumer = make_consumer(db, broker, topic, group, {STRUCT: apply_effect(db)})
    relay = Relay(db.engine, db.outbox, bootstrap_servers=broker.bootstrap, topics=[topic], client_id=group)
    try:
        # Long enough for a group join to finish without the topic: Tansu would then keep that
        # member on an empty assignment after the topic appears.
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            assert consumer.poll_once(200) == 0
        ids = write(db, topic, [(f"st-{k}", 0) for k in range(10)])
        drain(relay)
        consume_until(consumer, lambda: effect_count(db) >= len(ids), what="events of a late topic")
        assert sorted(r[0] for r in effects(db)) == sorted(ids)
    finally:
        consumer.close()
        relay.close()


@pytest.mark.integration
def test_types_without_a_handler_move_the_offset_and_write_nothing(broker: LocalBroker, db: Tables) -> None:
    """A subscriber ignores most types of a topic (students and every saved score): no inbox row,
    no transaction, the offset still moves on and the events after them still take effect."""
    topic, group = names()
    ignored = write(db, topic, [(f"st-{k}", 0) for k in range(5)], poison=True)  # StringValue: no handler
    wanted = write(db, topic, [("st-9", 1)])
    relay = Relay(
        db.engine, db.outbox, bootstrap_servers=broker.bootstrap, topics=[topic], batch_size=100, client_id=group
    )
    drain(relay)
    consumer = make_consumer(db, broker, topic, group, {STRUCT: apply_effect(db)})
    try:
        consume_until(consumer, lambda: effect_count(db) == 1, what="the handled event")
        assert [r[0] for r in effects(db)] == wanted
        assert sample("consumer_events_total", group=group, topic=topic) == len(ignored) + 1
        with db.engine.connect() as conn:
            remembered = set(conn.scalars(select(db.inbox.c.event_id)))
        assert remembered == set(wanted)
    finally:
        consumer.close()
        relay.close()
