"""Benchmark (P4): 200 staff sign in within 60 seconds while other staff keep working.

Set-up creates 200 staff accounts through the gateway (as the principal) and takes each through
its first sign-in (one-time code, then a new password). The storm then signs all 200 in, spread
evenly over 60 s, through the JSON API (argon2id verification included), while 4 other signed-in
users read a class list in a loop. Reported: sign-in latency p50/p95/p99, refused sign-ins
(lock-outs, 429s), and the class-list p99 before and during the storm.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.local.launch import ApiClient  # noqa: E402
from tests.stack import Stack  # noqa: E402

RESULTS = ROOT / "bench" / "results"
NEW_PASSWORD = "Sổ-điểm-điện-tử-2026!"


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1)


def create_accounts(head: ApiClient, base: str, n: int) -> list[str]:
    names = []
    for i in range(n):
        username = f"gvbench{i:03d}"
        r = head.post("/api/v1/staff", {"full_name": "Giáo Viên Thử", "create_account_username": username})
        if r.status_code != 201:
            raise RuntimeError(f"creating {username}: {r.text}")
        code = r.json()["one_time_code"]
        first = ApiClient(base)
        r = first.login(username, code)
        if not r.ok or r.json()["outcome"] != "password_change_required":
            raise RuntimeError(f"first sign-in of {username}: {r.text}")
        r = first.post("/api/v1/auth/continue", {"new_password": NEW_PASSWORD})
        if not r.ok or r.json()["outcome"] != "signed_in":
            raise RuntimeError(f"password change of {username}: {r.text}")
        names.append(username)
    return names


class Readers:
    """Signed-in staff each reading a class list in a loop, recording every latency with its time."""

    def __init__(self, users: list[tuple[ApiClient, str]]):
        self.samples: list[tuple[float, float]] = []
        self.errors = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=u, daemon=True) for u in users]

    def _run(self, api: ApiClient, path: str) -> None:
        while not self._stop.is_set():
            t0 = time.perf_counter()
            r = api.get(path)
            self.samples.append((time.monotonic(), (time.perf_counter() - t0) * 1000))
            if r.status_code != 200:
                self.errors += 1
            time.sleep(0.05)  # a person's click rate, not a flood

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def between(self, start: float, end: float) -> list[float]:
        return [ms for at, ms in self.samples if start <= at <= end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp) / "var", Path(tmp) / "stack.log")
        stack.start()
        try:
            head = ApiClient(stack.url)
            head.login("hieutruong").raise_for_status()
            t0 = time.monotonic()
            usernames = create_accounts(head, stack.url, args.users)
            setup_s = time.monotonic() - t0

            users = []
            for username in ("gvcn", "gvbm", "thuvien", "ketoan"):
                api = ApiClient(stack.url)
                api.login(username).raise_for_status()
                # GVCN and GVBM reach only their own classes: each reads a class it may see.
                visible = api.items("/api/v1/classes")
                if not visible:
                    raise RuntimeError(f"{username} sees no class to read")
                users.append((api, f"/api/v1/classes/{visible[0]['id']}/students"))
            readers = Readers(users)
            readers.start()
            time.sleep(15)
            base_start, base_end = time.monotonic() - 15, time.monotonic()

            latencies: list[float] = []
            refused: list[int] = []
            lock = threading.Lock()
            interval = args.seconds / args.users

            def sign_in(i: int, username: str) -> None:
                time.sleep(max(0.0, storm_start + i * interval - time.monotonic()))
                api = ApiClient(stack.url)
                s = time.perf_counter()
                r = api.login(username, NEW_PASSWORD)
                ms = (time.perf_counter() - s) * 1000
                with lock:
                    if r.ok and r.json().get("outcome") == "signed_in":
                        latencies.append(ms)
                    else:
                        refused.append(r.status_code)

            storm_start = time.monotonic()
            with ThreadPoolExecutor(max_workers=32) as pool:
                list(pool.map(sign_in, range(len(usernames)), usernames))
            storm_end = time.monotonic()
            readers.stop()
        finally:
            stack.stop()

    base = readers.between(base_start, base_end)
    during = readers.between(storm_start, storm_end)
    results = {
        "accounts": args.users,
        "setup_seconds_create_and_first_sign_in": round(setup_s, 1),
        "storm_seconds": round(storm_end - storm_start, 1),
        "signed_in": len(latencies),
        "refused": len(refused),
        "refused_statuses": sorted(set(refused)),
        "login_ms": {
            "p50": pct(latencies, 0.50),
            "p95": pct(latencies, 0.95),
            "p99": pct(latencies, 0.99),
            "max": round(max(latencies), 1),
            "mean": round(statistics.mean(latencies), 1),
        },
        "class_list_ms_baseline": {"requests": len(base), "p50": pct(base, 0.5), "p99": pct(base, 0.99)},
        "class_list_ms_during_storm": {"requests": len(during), "p50": pct(during, 0.5), "p99": pct(during, 0.99)},
        "class_list_errors": readers.errors,
    }
    results["class_list_p99_ratio"] = round(
        results["class_list_ms_during_storm"]["p99"] / results["class_list_ms_baseline"]["p99"], 2
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "login_storm.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
