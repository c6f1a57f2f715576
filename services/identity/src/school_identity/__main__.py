"""Command line: python -m school_identity serve | relay | migrate | seed-demo."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from school_identity import SERVICE_NAME, TOPIC
from school_identity.config import Settings, load_settings
from schoolkit.config import ConfigError
from schoolkit.logging import configure_logging, get_logger

log = get_logger(__name__)


def _serve(settings: Settings) -> int:
    from prometheus_client import start_http_server

    from school_identity.api.servicer import IdentityServicer
    from school_identity.bootstrap import build
    from schoolkit.grpc_server import run_until_signal, start_server
    from schoolkit.tokens import TokenVerifier, load_public_key

    key_file = Path(settings.internal_token_public_key_file)
    if not key_file.is_file():
        log.error("identity.no_public_key", path=str(key_file))
        print(f"identity: INTERNAL_TOKEN_PUBLIC_KEY_FILE {key_file} does not exist", file=sys.stderr)
        return 2
    verifier = TokenVerifier(load_public_key(key_file), audience=SERVICE_NAME)
    container = build(settings)
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    servicer = IdentityServicer(container.deps)
    # Health stays NOT_SERVING until the database answers and is migrated to the newest revision.
    gs = start_server(
        register=[servicer.register], verifier=verifier, bind=settings.grpc_bind, readiness=container.readiness()
    )
    try:
        run_until_signal(gs)
    finally:
        container.engine.dispose()
    return 0


def _relay(settings: Settings) -> int:
    # Imported here: the relay, topic helper and Kafka client are not needed by the other commands.
    from prometheus_client import start_http_server

    from school_identity.adapters.tables import outbox
    from school_identity.config import load_kafka_config
    from schoolkit.db import make_engine
    from schoolkit.events.relay import Relay
    from schoolkit.events.topics import ensure_topics

    kafka = load_kafka_config()
    if settings.metrics_port:
        # The container health probe of a worker is its /metrics endpoint.
        start_http_server(settings.metrics_port)
    try:
        ensure_topics(settings.kafka_bootstrap_servers, [TOPIC], partitions=kafka.topic_partitions)
    except TimeoutError as exc:
        # The relay creates missing topics itself once the broker answers; exiting here would take
        # the whole local process set down with it just because the broker starts slowly.
        log.warning("relay.topics_not_ensured", error=repr(exc))
    engine = make_engine(settings.database_url)
    relay = Relay(
        engine,
        outbox,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=[TOPIC],
        batch_size=kafka.relay_batch_size,
        poll_interval_s=kafka.relay_poll_interval_s,
        retention_days=kafka.outbox_retention_days,
        partitions=kafka.topic_partitions,
        client_id=f"{SERVICE_NAME}.relay",
    )
    stop = threading.Event()

    def handle(signum: int, _frame: Any) -> None:
        log.info("relay.stopping", signal=signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    try:
        relay.run_forever(stop)
    finally:
        engine.dispose()
    return 0


def _migrate(settings: Settings) -> int:
    from school_identity.bootstrap import MIGRATIONS_DIR
    from schoolkit.db import run_migrations

    run_migrations(MIGRATIONS_DIR, settings.database_url)
    log.info("identity.migrated")
    return 0


def _seed_demo(settings: Settings) -> int:
    from school_identity.bootstrap import MIGRATIONS_DIR, build
    from school_identity.seed import format_table, seed_demo
    from schoolkit.db import run_migrations

    # Upgrading is idempotent, and a seed on an empty database should just work.
    run_migrations(MIGRATIONS_DIR, settings.database_url)
    container = build(settings)
    try:
        seeded = seed_demo(container.deps)
    finally:
        container.engine.dispose()
    print(format_table(seeded))
    return 0


COMMANDS = {"serve": _serve, "relay": _relay, "migrate": _migrate, "seed-demo": _seed_demo}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m school_identity", description="Identity service: accounts, sessions, roles."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC server (health NOT_SERVING until migrations are current)")
    sub.add_parser("relay", help="publish outbox events to Kafka topic " + TOPIC)
    sub.add_parser("migrate", help="upgrade the database to the newest migration")
    sub.add_parser("seed-demo", help="create the demo school and one account per role (idempotent)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    configure_logging(SERVICE_NAME, settings.log_level)
    # Alembic announces every plugin it loads at INFO; operators only need the upgrade lines.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        return COMMANDS[args.command](settings)
    except ConfigError as err:  # the relay's event-bus variables are only read by the relay
        print(err, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
