"""Fault test: 2,000 outbox events survive relay SIGKILLs and a broker wipe with no loss, no duplicate, in key order."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from kafka.errors import KafkaError
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from schoolkit.db import make_engine, make_session_factory, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import Consumer
from schoolkit.events.outbox import record_event
from schoolkit.events.tables import inbox_table, outbox_table
from schoolkit.localbroker import LocalBroker
from schoolkit.testing import database_kinds, free_port, fresh_database, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.timeout(240)]

RELAY_SCRIPT = Path(__file__).with_name("relay_proc.py")
TOPIC = "school.faulttest.v1"
GROUP = "faulttest.effects"
KEYS = 400
EVENTS_PER_KEY = 5
TOTAL = KEYS * EVENTS_PER_KEY
KILL_RELAY_AT = (250, 650, 1100, 1600)  # events written when the relay gets SIGKILL
WIPE_BROKER_AT = 900
WIPE_MIN_APPLIED = 500


class RelayProcess:
    """The relay as a separate OS process, so SIGKILL hits it at arbitrary points."""

    def __init__(self, url: str, bootstrap: str, log_path: Path) -> None:
        self._cmd = [
            sys.executable,
            str(RELAY_SCRIPT),
            "--database-url",
            url,
            "--bootstrap",
            bootstrap,
            "--topic",
            TOPIC,
        ]
        self._log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        with open(self._log_path, "ab") as out:
            self._proc = subprocess.Popen(self._cmd, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))

    def kill(self) -> None:
        assert self._proc is not None
        assert self._proc.poll() is None, "relay died on its own"
        self._proc.send_signal(signal.SIGKILL)
        assert self._proc.wait(10) == -signal.SIGKILL
        self.kills += 1

    def terminate(self) -> int:
        assert self._proc is not None
        self._proc.terminate()
        try:
            return self._proc.wait(20)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            raise

    def ensure_dead(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


@pytest.fixture(params=database_kinds())
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        producer = stack.enter_context(fresh_database(request.param, tmp_path, "faultproducer"))
        consumer = stack.enter_context(fresh_database(request.param, tmp_path, "faultconsumer"))
        yield producer, consumer


def test_outbox_relay_consumer_survive_relay_kills_and_broker_wipe(urls: tuple[str, str], tmp_path: Path) -> None:
    producer_url, consumer_url = urls
    started = time.monotonic()

    # Producer side: a business table and the outbox, written in one transaction per event.
    producer_md = MetaData()
    outbox = outbox_table(producer_md)
    grades = Table(
        "fault_grades",
        producer_md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("student_id", String(20), nullable=False),
        Column("n", Integer, nullable=False),
        Column("event_id", String(36), nullable=False),
    )
    producer_engine = make_engine(producer_url)
    producer_md.create_all(producer_engine)

    # Consumer side: its own database with the inbox and the effect table. event_id is not unique
    # there on purpose, so a duplicated effect shows up as a second row instead of an error.
    consumer_md = MetaData()
    inbox = inbox_table(consumer_md)
    effects = Table(
        "fault_effects",
        consumer_md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, index=True),
        Column("student_id", String(20), nullable=False),
        Column("n", Integer, nullable=False),
    )
    consumer_engine = make_engine(consumer_url)
    consumer_md.create_all(consumer_engine)

    broker = LocalBroker(free_port(), log_path=tmp_path / "tansu.log")
    broker.start()
    relay = RelayProcess(producer_url, broker.bootstrap, tmp_path / "relay.log")
    relay.start()

    def apply(session: Session, event: CloudEvent) -> None:
        msg = struct_pb2.Struct()
        msg.ParseFromString(event.data)
        session.execute(
            insert(effects).values(
                event_id=event.id, student_id=msg.fields["student_id"].string_value, n=int(msg.fields["n"].number_value)
            )
        )

    consumer = Consumer(
        engine=consumer_engine,
        inbox=inbox,
        group=GROUP,
        topics=[TOPIC],
        bootstrap_servers=broker.bootstrap,
        handlers={"google.protobuf.Struct": apply},
        max_poll_interval_ms=3000,
        session_timeout_ms=6000,
    )
    duplicates_before = REGISTRY.get_sample_value("consumer_duplicates_total", {"group": GROUP, "topic": TOPIC}) or 0
    stop_consumer = threading.Event()
    paused = threading.Event()
    consumer_errors: list[BaseException] = []

    def consume() -> None:
        try:
            while not stop_consumer.is_set():
                if paused.is_set():
                    time.sleep(0.05)
                    continue
                try:
                    consumer.poll_once(200)
                except KafkaError:
                    # The broker is restarting; the next poll builds fresh clients.
                    consumer.close()
                    time.sleep(0.2)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            consumer_errors.append(exc)
        finally:
            consumer.close()

    written = 0
    writer_errors: list[BaseException] = []
    ids: list[str] = []

    def write() -> None:
        nonlocal written
        factory = make_session_factory(producer_engine)
        students = [f"hs-{k:04d}" for k in range(KEYS)]
        try:
            for n in range(EVENTS_PER_KEY):
                random.Random(n).shuffle(students)
                for student in students:
                    msg = struct_pb2.Struct()
                    msg.update({"student_id": student, "n": n})
                    with transaction(factory) as s:
                        event_id = record_event(
                            s, outbox, topic=TOPIC, key=student, message=msg, service="grades", school_id="s1"
                        )
                        s.execute(insert(grades).values(student_id=student, n=n, event_id=event_id))
                    ids.append(event_id)
                    written += 1
                    time.sleep(0.004)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            writer_errors.append(exc)

    def effect_rows() -> int:
        with consumer_engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(effects)) or 0)

    def reached(count: int, applied: int = 0) -> bool:
        return (written >= count and effect_rows() >= applied) or bool(writer_errors)

    consumer_thread = threading.Thread(target=consume, name="fault-consumer", daemon=True)
    writer_thread = threading.Thread(target=write, name="fault-writer", daemon=True)
    consumer_thread.start()
    writer_thread.start()
    try:
        faults = sorted([(at, "kill") for at in KILL_RELAY_AT] + [(WIPE_BROKER_AT, "wipe")])
        for at, fault in faults:
            # The wipe waits until the consumer has applied a good part of the history, so the
            # replay after it is redelivered, not merely delivered late.
            min_applied = WIPE_MIN_APPLIED if fault == "wipe" else 0
            wait_for(partial(reached, at, min_applied), 60, 0.01, f"{at} events written, {min_applied} applied")
            if fault == "kill":
                time.sleep(random.uniform(0, 0.2))
                relay.kill()
                relay.start()
            else:
                # Let the relay publish what the consumer has not read yet, then wipe the broker:
                # only the outbox replay can bring those events back.
                paused.set()
                time.sleep(0.5)
                broker.restart()
                paused.clear()
        writer_thread.join(60)
        assert not writer_errors, writer_errors
        assert written == TOTAL

        def outbox_backlog() -> int:
            with producer_engine.connect() as conn:
                return int(
                    conn.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) or 0
                )

        wait_for(lambda: outbox_backlog() == 0, 60, 0.2, "relay backlog to drain")
        with contextlib.suppress(TimeoutError):
            # A shortfall is reported below as lost events, with the count.
            wait_for(lambda: effect_rows() >= TOTAL, 45, 0.2, "every effect applied")
        # Keep consuming a little so late redeliveries would show up as extra rows.
        time.sleep(1.5)
    finally:
        stop_consumer.set()
        consumer_thread.join(30)
        relay_exit = relay.terminate() if relay._proc and relay._proc.poll() is None else None
        relay.ensure_dead()
        broker.stop()

    assert not consumer_errors, consumer_errors
    assert relay_exit == 0, "relay did not stop cleanly on SIGTERM"
    assert relay.kills >= 3

    with consumer_engine.connect() as conn:
        in_order = select(effects.c.event_id, effects.c.student_id, effects.c.n).order_by(effects.c.id)
        applied = [(r[0], r[1], r[2]) for r in conn.execute(in_order)]
    with producer_engine.connect() as conn:
        business = conn.scalar(select(func.count()).select_from(grades))
        outbox_ids = set(conn.scalars(select(outbox.c.event_id)))

    applied_ids = [r[0] for r in applied]
    lost = outbox_ids - set(applied_ids)
    duplicated = len(applied_ids) - len(set(applied_ids))
    assert business == TOTAL
    assert outbox_ids == set(ids)
    assert len(set(applied_ids)) == TOTAL, f"{len(lost)} events lost"
    assert not lost
    assert duplicated == 0
    assert len(applied) == TOTAL

    per_key: dict[str, list[int]] = {}
    for _, student, n in applied:
        per_key.setdefault(student, []).append(n)
    out_of_order = {k: seq for k, seq in per_key.items() if seq != list(range(EVENTS_PER_KEY))}
    assert not out_of_order, f"{len(out_of_order)} keys applied out of order, e.g. {next(iter(out_of_order.items()))}"

    relay_log = (tmp_path / "relay.log").read_text()
    assert "relay.broker_data_loss" in relay_log, "the relay never noticed the broker wipe"
    redeliveries = (
        REGISTRY.get_sample_value("consumer_duplicates_total", {"group": GROUP, "topic": TOPIC}) or 0
    ) - duplicates_before
    summary: dict[str, Any] = {
        "events": TOTAL,
        "relay_kills": relay.kills,
        "broker_wipes": 1,
        "redeliveries_skipped_by_inbox": int(redeliveries),
        "rewinds_logged": relay_log.count("relay.broker_data_loss"),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(f"\nfault-test summary: {summary}")
    producer_engine.dispose()
    consumer_engine.dispose()
