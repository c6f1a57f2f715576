"""Command line: ``python -m school_grades serve | consume | relay | migrate``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from school_grades.config import SERVICE, Settings, load_settings
from schoolkit.config import ConfigError
from schoolkit.logging import configure_logging, get_logger

log = get_logger(__name__)


def serve(settings: Settings) -> None:
    """Run the gRPC server; health says NOT_SERVING until the database is reachable and migrated."""
    from prometheus_client import start_http_server

    from school_grades.bootstrap import build
    from schoolkit.grpc_server import run_until_signal, start_server
    from schoolkit.tokens import TokenVerifier, load_public_key

    container = build(settings)
    verifier = TokenVerifier(load_public_key(settings.internal_token_public_key_file), audience=SERVICE)
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    server = start_server(
        register=container.registrations,
        caller_view=container.caller_view,
        verifier=verifier,
        bind=settings.grpc_bind,
        readiness=container.ready,
    )
    run_until_signal(server)
    container.engine.dispose()


def consume(settings: Settings) -> None:
    """Keep the roster from school.students.v1 (group grades.roster) until SIGTERM/SIGINT."""
    from school_grades.adapters.tables import inbox
    from school_grades.events.inbound import CONSUMER_GROUP, HANDLERS, TOPIC
    from schoolkit.db import make_engine
    from schoolkit.events.consumer import Consumer  # type: ignore[import-not-found,unused-ignore]

    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = _stop_on_signal()
    Consumer(
        engine=engine,
        inbox=inbox,
        group=CONSUMER_GROUP,
        topics=[TOPIC],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        handlers=HANDLERS,
        max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
    ).run_forever(stop)
    engine.dispose()


def relay(settings: Settings) -> None:
    """Publish the outbox (year results and decisions, period locks, ...) to school.grades.v1 in order
    until SIGTERM/SIGINT."""
    from school_grades.adapters.tables import outbox
    from school_grades.events.results_outbound import TOPIC
    from schoolkit.db import make_engine
    from schoolkit.events.relay import Relay  # type: ignore[import-not-found,unused-ignore]

    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = _stop_on_signal()
    Relay(
        engine, outbox, bootstrap_servers=settings.kafka_bootstrap_servers, topics=[TOPIC], client_id="grades-relay"
    ).run_forever(stop)
    engine.dispose()


def migrate(settings: Settings) -> None:
    """Upgrade the database to the newest schema (safe to run again)."""
    from school_grades.bootstrap import MIGRATIONS_DIR
    from schoolkit.db import run_migrations

    run_migrations(MIGRATIONS_DIR, settings.database_url)
    log.info("migrations.done")


def _stop_on_signal() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", signal=signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


COMMANDS = {"serve": serve, "consume": consume, "relay": relay, "migrate": migrate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m school_grades", description="Grades service")
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    configure_logging(SERVICE, settings.log_level)
    COMMANDS[args.command](settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
