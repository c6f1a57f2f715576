"""Benchmark: an authenticated read through the gateway vs. the same query called in-process.

Through the gateway a request costs a session check (cached), an internal token, one gRPC call and
one indexed query; in-process it is the students use case alone. The ratio is the price of the
architecture. HTTP load comes from wrk (Debian package) on the same two cores, 8 connections.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stack import Api, Stack  # noqa: E402

DEMO_SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Đức"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hạnh", "Khoa", "Lan", "Minh", "Nga"]


def pupil_name(i: int) -> str:
    """300 distinct Vietnamese names (the register refuses a duplicate name and birth date in a class)."""
    return f"{FAMILY[i % 6]} {MIDDLE[(i // 6) % 5]} {GIVEN[(i // 30) % 10]}"


RESULTS = ROOT / "bench" / "results"


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict[str, float]:
    exe = shutil.which("wrk")
    if not exe:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    out = subprocess.run(
        [exe, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            raise RuntimeError(f"no {pct}% line in wrk output:\n{out}")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "requests_per_s": round(rps, 1),
        "p50_ms": round(latency("50"), 2),
        "p99_ms": round(latency("99"), 2),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def in_process(db_url: str, class_id: str, seconds: float, threads: int) -> dict[str, float]:
    from school_students.bootstrap import build
    from school_students.config import load_settings

    container = build(load_settings({"DATABASE_URL": db_url}))
    use_cases = container.use_cases
    stop = time.monotonic() + seconds
    samples: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            page = use_cases.list_students(DEMO_SCHOOL_ID, class_id, 50, "")
            mine.append((time.perf_counter() - t0) * 1000)
            assert page.items
        with lock:
            samples.extend(mine)

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    samples.sort()
    return {
        "requests_per_s": round(len(samples) / elapsed, 1),
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--class-size", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp) / "var", Path(tmp) / "stack.log")
        stack.start()
        try:
            api = Api(stack.url)
            api.login("hieutruong").raise_for_status()
            year = api.get("/api/v1/school-years").json()["items"][0]
            cls = next(
                c for c in api.get("/api/v1/classes", school_year_id=year["id"]).json()["items"] if c["name"] == "1A"
            )
            have = len(api.get(f"/api/v1/classes/{cls['id']}/students").json()["items"])
            for i in range(have, args.class_size):
                r = api.post(
                    "/api/v1/students",
                    {
                        "class_id": cls["id"],
                        "full_name": pupil_name(i),
                        "date_of_birth": "2019-05-05",
                        "gender": "male" if i % 2 else "female",
                    },
                )
                assert r.ok, r.text
            student_id = api.get(f"/api/v1/classes/{cls['id']}/students").json()["items"][0]["id"]
            cookie = "; ".join(f"{c.name}={c.value}" for c in api.http.cookies)
            targets = {
                "api_class_students": f"/api/v1/classes/{cls['id']}/students",
                "api_student": f"/api/v1/students/{student_id}",
                "page_class": f"/classes/{cls['id']}",
                "api_roster_from_grades": f"/api/v1/classes/{cls['id']}/roster",
            }
            results: dict[str, object] = {"connections": args.connections, "seconds": args.seconds}
            for name, path in targets.items():
                wrk(stack.url + path, cookie, 3, args.connections)  # warm-up: caches, channels, JIT-free paths
                results[name] = wrk(stack.url + path, cookie, args.seconds, args.connections)
            db_url = f"sqlite:///{stack.var / 'students' / 'students.db'}"
            results["in_process_list_students"] = in_process(db_url, cls["id"], args.seconds, args.connections)
            gw = results["api_class_students"]
            ip = results["in_process_list_students"]
            assert isinstance(gw, dict)
            assert isinstance(ip, dict)
            results["ratio_in_process_over_gateway_rps"] = round(ip["requests_per_s"] / gw["requests_per_s"], 2)
            results["ratio_gateway_over_in_process_p50"] = round(gw["p50_ms"] / ip["p50_ms"], 2)
        finally:
            stack.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gateway_read.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
