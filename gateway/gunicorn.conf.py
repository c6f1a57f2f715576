"""gunicorn settings for the gateway: run with `gunicorn -c gateway/gunicorn.conf.py`.

gunicorn reads this file itself, so it takes its few process settings straight from the
environment (the application's own settings are read by school_gateway.config). No gRPC object is
created here or in the master: each worker builds the app after the fork and opens its channels on
first use, because gRPC is not fork-safe.
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "school_gateway.app:create_app()"
bind = [os.environ.get("GATEWAY_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads let one worker overlap requests that wait on gRPC; every per-request object lives in
# flask.g and contextvars, and the shared caches are locked.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# The app is built in each worker, never in the master: nothing gRPC exists before the fork.
preload_app = False
# Quality bar R9: in-flight requests get 30 s to finish on SIGTERM.
graceful_timeout = 30
timeout = 30
keepalive = 5
# One JSON line per request comes from the app (with request id); gunicorn's own access log would
# duplicate it without the request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "school-gateway"
# Refuse oversized request lines and headers early.
limit_request_line = 8190
limit_request_fields = 100


# Imported here, in the master before any fork, not inside the hook: an import that a signal
# interrupts during shutdown leaves a half-initialised module behind.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    from prometheus_client import multiprocess as _multiprocess
else:
    _multiprocess = None


def child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead worker's samples when /metrics aggregates workers (PROMETHEUS_MULTIPROC_DIR)."""
    if _multiprocess is not None:
        _multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
