"""The gateway under gunicorn with several workers: fork-safe gRPC, shared metrics, graceful stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from schoolkit.testing import free_port, wait_for

pytestmark = pytest.mark.integration

GATEWAY = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(environ: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        **environ,
        "GATEWAY_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "-c", str(GATEWAY / "gunicorn.conf.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(base + "/healthz", timeout=1).ok, timeout_s=30, what="gunicorn gateway")
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""


def test_workers_talk_to_upstreams_after_fork(served: str, upstreams) -> None:
    assert requests.get(served + "/readyz", timeout=5).status_code == 200
    http = requests.Session()
    token = http.get(served + "/api/v1/session", timeout=5).json()["csrf_token"]
    login = http.post(
        served + "/api/v1/auth/login",
        json={"username": "hieutruong", "password": "TrungVuong@2026"},
        headers={"X-CSRFToken": token},
        timeout=5,
    )
    assert login.status_code == 200, login.text
    assert login.json()["outcome"] == "mfa_required"  # the principal's role needs a second factor
    # The pending step lives in the signed cookie, so any worker can take the answer.
    login = http.post(
        served + "/api/v1/auth/continue",
        json={"totp_code": upstreams.identity.fresh_code("hieutruong")},
        headers={"X-CSRFToken": login.json()["csrf_token"]},
        timeout=5,
    )
    assert login.json()["outcome"] == "signed_in", login.text
    token = login.json()["csrf_token"]
    created = http.post(
        served + "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers={"X-CSRFToken": token},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    # Many requests, spread over both workers (and their threads), all succeed.
    for _ in range(40):
        assert http.get(served + "/api/v1/school-years", timeout=5).status_code == 200
    metrics = requests.get(served + "/metrics", timeout=5).text
    assert 'gateway_http_requests_total{endpoint="students_api.list_school_years",status="200"} 40.0' in metrics


def test_sigterm_stops_cleanly(served: str) -> None:
    # The fixture's teardown sends SIGTERM and requires exit code 0 within graceful_timeout.
    assert requests.get(served + "/healthz", timeout=5).json() == {"status": "ok"}
    time.sleep(0.1)
