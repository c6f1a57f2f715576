"""Starts the whole system with the same launcher as `make run`, on free ports, for cross-service tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from deploy.local.launch import DEMO_PASSWORD, PARENT_PID_ENV, ApiClient, demo_totp, spend_current_step
from schoolkit.testing import free_port

__all__ = ["DEMO_PASSWORD", "ROOT", "Api", "Stack", "demo_totp", "spend_current_step", "wait_until"]

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "deploy" / "local" / "launch.py"


class Stack:
    """One launcher process (honcho and every service under it) with its own ports and var dir."""

    def __init__(self, var: Path, log_path: Path):
        self.var = var
        self.log_path = log_path
        self.gateway_port = free_port()
        self.grpc_base = self._free_block(3)
        self.broker_port = free_port()
        self.metrics_base = self._free_block(3)
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()

    @staticmethod
    def _free_block(n: int) -> int:
        # A run of n consecutive free ports (the launcher numbers services from a base).
        for _ in range(50):
            base = free_port()
            if base + n < 65535 and all(Stack._port_free(base + i) for i in range(n)):
                return base
        raise RuntimeError("no block of free ports")

    @staticmethod
    def _port_free(port: int) -> bool:
        import socket

        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def start(self, timeout_s: float = 240) -> None:
        self._ready.clear()
        cmd = [
            sys.executable,
            str(LAUNCHER),
            "run",
            "--var",
            str(self.var),
            "--gateway-port",
            str(self.gateway_port),
            "--grpc-base",
            str(self.grpc_base),
            "--broker-port",
            str(self.broker_port),
            "--metrics-base",
            str(self.metrics_base),
            "--ready-timeout",
            str(timeout_s),
        ]
        # A killed test run or benchmark takes its stack down with it: the launcher follows this
        # process (deploy/local/launch.follow_parent) and stops honcho.
        env = {**os.environ, "GUNICORN_WORKERS": "2", PARENT_PID_ENV: str(os.getpid())}
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        if not self._ready.wait(timeout_s + 30):
            self.stop()
            raise RuntimeError(f"stack not ready; log tail:\n{self.tail()}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"launcher exited ({self.proc.returncode}); log tail:\n{self.tail()}")

    def _pump(self) -> None:
        assert self.proc
        assert self.proc.stdout
        with open(self.log_path, "a", encoding="utf-8") as log:
            for line in self.proc.stdout:
                self.lines.append(line)
                log.write(line)
                if "launcher: ready" in line:
                    self._ready.set()
        self._ready.set()

    def tail(self, n: int = 60) -> str:
        return "".join(self.lines[-n:])

    def stop(self, timeout_s: float = 60) -> int:
        """Ctrl-C, as a person would; returns the launcher's exit code."""
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        code = self.proc.returncode
        self.proc = None
        return code


# The JSON client of the launcher (CSRF and demo MFA codes included), used by tests as is.
Api = ApiClient


def wait_until(pred, timeout_s: float = 30, interval_s: float = 0.25):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval_s)
    return last
