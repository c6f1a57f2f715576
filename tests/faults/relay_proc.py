"""Relay process for the fault tests: runs Relay.run_forever until SIGTERM (the tests also SIGKILL it)."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from sqlalchemy import MetaData

from schoolkit.db import make_engine
from schoolkit.events.relay import Relay
from schoolkit.events.tables import outbox_table
from schoolkit.logging import configure_logging


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--poll-interval-ms", type=int, default=50)
    args = parser.parse_args()

    configure_logging("fault-relay")
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    engine = make_engine(args.database_url)
    relay = Relay(
        engine,
        outbox_table(MetaData()),
        bootstrap_servers=args.bootstrap,
        topics=[args.topic],
        batch_size=args.batch_size,
        poll_interval_s=args.poll_interval_ms / 1000,
        client_id="fault-relay",
    )
    relay.run_forever(stop)
    engine.dispose()


if __name__ == "__main__":
    main()
