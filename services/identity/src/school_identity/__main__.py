"""Command line: python -m school_identity serve | relay | consume | migrate | seed-demo [--json]."""

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

    from school_identity.api.access import AccessServicer
    from school_identity.api.servicer import IdentityServicer
    from school_identity.api.staff import StaffServicer
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
    servicers = [IdentityServicer(container.deps), StaffServicer(container.deps), AccessServicer(container.deps)]
    # Health stays NOT_SERVING until the database answers, is migrated to the newest revision, and
    # the MFA key file can be read.
    gs = start_server(
        register=[s.register for s in servicers],
        verifier=verifier,
        bind=settings.grpc_bind,
        readiness=container.readiness(),
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


def _consume(settings: Settings) -> int:
    """Keep the school-year and class copies from school.students.v1 (group identity.schoolyears)."""
    from prometheus_client import start_http_server

    from school_identity.adapters.tables import inbox
    from school_identity.config import load_kafka_config
    from school_identity.events.inbound import CONSUMER_GROUP, HANDLERS, TOPIC
    from schoolkit.db import make_engine
    from schoolkit.events.consumer import Consumer

    kafka = load_kafka_config()
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = threading.Event()

    def handle(signum: int, _frame: Any) -> None:
        log.info("consumer.stopping", signal=signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    try:
        Consumer(
            engine=engine,
            inbox=inbox,
            group=CONSUMER_GROUP,
            topics=[TOPIC],
            bootstrap_servers=settings.kafka_bootstrap_servers,
            handlers=HANDLERS,
            max_attempts=kafka.consumer_max_attempts,
            max_poll_interval_ms=kafka.max_poll_interval_ms,
            session_timeout_ms=kafka.session_timeout_ms,
            client_id=f"{SERVICE_NAME}.{CONSUMER_GROUP}",
        ).run_forever(stop)
    finally:
        engine.dispose()
    return 0


def _prepare_storage(settings: Settings) -> None:
    """Migrate the database and create the MFA key file if it is missing (both idempotent)."""
    from school_identity.adapters.secret_box import ensure_key_file
    from school_identity.bootstrap import MIGRATIONS_DIR
    from schoolkit.db import run_migrations

    run_migrations(MIGRATIONS_DIR, settings.database_url)
    if ensure_key_file(settings.mfa_key_file):
        log.info("identity.mfa_key_created", path=settings.mfa_key_file)


def _migrate(settings: Settings) -> int:
    _prepare_storage(settings)
    log.info("identity.migrated")
    return 0


def _seed_demo(settings: Settings, as_json: bool = False) -> int:
    from school_identity.bootstrap import build
    from school_identity.seed import format_json, format_table, seed_demo

    # Upgrading is idempotent, and a seed on an empty database should just work.
    _prepare_storage(settings)
    container = build(settings)
    try:
        seeded = seed_demo(container.deps)
    finally:
        container.engine.dispose()
    print(format_json(seeded) if as_json else format_table(seeded))
    return 0


COMMANDS = {"serve": _serve, "relay": _relay, "consume": _consume, "migrate": _migrate, "seed-demo": _seed_demo}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m school_identity", description="Identity service: accounts, sessions, roles, staff records."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC server (health NOT_SERVING until migrations are current)")
    sub.add_parser("relay", help="publish outbox events to Kafka topic " + TOPIC)
    sub.add_parser("consume", help="keep school years and classes from school.students.v1 (identity.schoolyears)")
    sub.add_parser("migrate", help="upgrade the database to the newest migration (creates the MFA key if missing)")
    seed = sub.add_parser("seed-demo", help="create the demo school, accounts, staff records (idempotent)")
    seed.add_argument("--json", action="store_true", help="print the demo credentials as JSON")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    quiet = args.command == "seed-demo" and args.json
    # Logs share stdout with the JSON the launcher parses: keep them to warnings in that mode.
    configure_logging(SERVICE_NAME, "WARNING" if quiet else settings.log_level)
    # Alembic announces every plugin it loads at INFO; operators only need the upgrade lines.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        if args.command == "seed-demo":
            return _seed_demo(settings, as_json=args.json)
        return COMMANDS[args.command](settings)
    except ConfigError as err:  # the relay's event-bus variables are only read by the relay
        print(err, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
