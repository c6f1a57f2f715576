"""Local launcher behind `make run` and the end-to-end tests.

Prepares keys and databases, migrates every service, seeds the demo school, then runs the broker,
every service with its relay or consumer, and the gateway under honcho (the Procfile runner).
Ctrl-C (or SIGTERM) stops everything. Data lives in SQLite files under the var directory, so it
survives a restart; the broker is in memory, and the relays replay what it lost from the outboxes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "students", "grades")
DEMO_PASSWORD = "TrungVuong@2026"  # noqa: S105 - published demo credential for the local demo only
DEMO_ACCOUNTS = (
    ("hieutruong", "Hiệu trưởng (HT)"),
    ("phohieutruong", "Phó Hiệu trưởng (PHT)"),
    ("totruong", "Tổ trưởng chuyên môn (TTCM)"),
    ("gvcn", "Giáo viên chủ nhiệm (GVCN)"),
    ("gvbm", "Giáo viên bộ môn (GVBM)"),
    ("vanphong", "Văn phòng / văn thư"),
    ("ketoan", "Kế toán"),
    ("thuvien", "Thư viện"),
    ("thietbi", "Thiết bị / CNTT"),
    ("yte", "Y tế trường học"),
    ("phuhuynh", "Cha mẹ học sinh"),
    ("quantri", "Quản trị hệ thống"),
)
# A small but realistic demo: one class per grade level, a few pupils each.
DEMO_CLASSES = {
    "1A": (1, [("Nguyễn Minh Anh", "2019-03-14", "female"), ("Trần Gia Bảo", "2019-07-02", "male")]),
    "2A": (2, [("Lê Hoàng Nam", "2018-01-20", "male"), ("Phạm Ngọc Diệp", "2018-11-05", "female")]),
    "3A": (3, [("Võ Thành Đạt", "2017-05-09", "male"), ("Đặng Thu Hà", "2017-09-30", "female")]),
    "4A": (4, [("Bùi Quang Huy", "2016-02-17", "male"), ("Hoàng Khánh Linh", "2016-08-23", "female")]),
    "5A": (5, [("Ngô Đức Mạnh", "2015-04-11", "male"), ("Đỗ Phương Thảo", "2015-12-01", "female")]),
}


@dataclass(frozen=True)
class Layout:
    """Where every process listens and keeps its data for one local run."""

    var: Path
    gateway_port: int = 8000
    grpc_base: int = 50051
    broker_port: int = 9092
    metrics_base: int = 9101

    def grpc_addr(self, svc: str) -> str:
        return f"127.0.0.1:{self.grpc_base + SERVICES.index(svc)}"

    def database_url(self, svc: str) -> str:
        return f"sqlite:///{self.var / svc / (svc + '.db')}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def environment(self) -> dict[str, str]:
        keys = self.var / "keys"
        env = dict(os.environ)
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
            BROKER_PORT=str(self.broker_port),
            KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{self.broker_port}",
            # Small group timings: the local broker completes a join only after the rebalance
            # timeout, and Kafka's defaults (300 s) would make the first poll look hung.
            KAFKA_MAX_POLL_INTERVAL_MS=env.get("KAFKA_MAX_POLL_INTERVAL_MS", "3000"),
            KAFKA_SESSION_TIMEOUT_MS=env.get("KAFKA_SESSION_TIMEOUT_MS", "6000"),
            INTERNAL_TOKEN_PUBLIC_KEY_FILE=str(keys / "internal.pub"),
            INTERNAL_TOKEN_PRIVATE_KEY_FILE=str(keys / "internal.key"),
            GATEWAY_SECRET_KEY=(keys / "gateway-secret").read_text().strip(),
            GATEWAY_BIND=f"127.0.0.1:{self.gateway_port}",
            GATEWAY_PLUGINS=env.get("GATEWAY_PLUGINS", "core,students,grades"),
            SESSION_COOKIE_SECURE="false",
            GUNICORN_WORKERS=env.get("GUNICORN_WORKERS", "2"),
        )
        for i, svc in enumerate(SERVICES):
            up = svc.upper()
            env[f"{up}_DATABASE_URL"] = self.database_url(svc)
            env[f"{up}_GRPC_ADDR"] = self.grpc_addr(svc)
            env[f"{up}_METRICS_PORT"] = str(self.metrics_base + i)
        return env


def prepare(layout: Layout) -> None:
    """Create keys once, then migrate every service and seed identity's demo accounts."""
    from schoolkit.tokens import generate_keypair

    keys = layout.var / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    if not (keys / "internal.key").exists():
        generate_keypair(keys / "internal.key", keys / "internal.pub")
    secret = keys / "gateway-secret"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48))
        secret.chmod(0o600)
    env = layout.environment()
    for svc in SERVICES:
        (layout.var / svc).mkdir(parents=True, exist_ok=True)
        svc_env = {**env, "DATABASE_URL": layout.database_url(svc)}
        subprocess.run([sys.executable, "-m", f"school_{svc}", "migrate"], env=svc_env, cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "-m", "school_identity", "seed-demo"],
        env={**env, "DATABASE_URL": layout.database_url("identity")},
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_ready(layout: Layout, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"launcher: a process exited during start-up (code {proc.returncode})")
        try:
            if requests.get(layout.gateway_url + "/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"launcher: the gateway was not ready within {timeout_s:.0f}s")


class ApiClient:
    """Signs in through the gateway's JSON API the way any integration would."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.csrf = ""

    def login(self, username: str, password: str) -> None:
        r = self.http.get(self.base + "/api/v1/session", timeout=10)
        if r.ok:
            self.csrf = r.json().get("csrf_token", "")
        r = self.http.post(
            self.base + "/api/v1/auth/login",
            json={"username": username, "password": password},
            headers={"X-CSRFToken": self.csrf},
            timeout=30,
        )
        r.raise_for_status()
        self.csrf = r.json()["csrf_token"]

    def get(self, path: str) -> dict:
        r = self.http.get(self.base + path, timeout=10)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: dict) -> dict:
        r = self.http.post(self.base + path, json=body, headers={"X-CSRFToken": self.csrf}, timeout=10)
        r.raise_for_status()
        return r.json()


def seed_school(layout: Layout) -> bool:
    """Create the demo year, classes and pupils through the gateway, once. True if it seeded."""
    api = ApiClient(layout.gateway_url)
    api.login("hieutruong", DEMO_PASSWORD)
    if api.get("/api/v1/school-years")["items"]:
        return False
    year = api.post("/api/v1/school-years", {"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"})
    for name, (grade, pupils) in DEMO_CLASSES.items():
        cls = api.post("/api/v1/classes", {"school_year_id": year["id"], "name": name, "grade_level": grade})
        for full_name, dob, gender in pupils:
            api.post(
                "/api/v1/students",
                {"class_id": cls["id"], "full_name": full_name, "date_of_birth": dob, "gender": gender},
            )
    return True


def banner(layout: Layout, seeded: bool) -> str:
    rows = "\n".join(f"    {user:<14} {role}" for user, role in DEMO_ACCOUNTS)
    note = "Đã tạo dữ liệu mẫu." if seeded else "Dữ liệu mẫu đã có từ lần chạy trước."
    return (
        f"\n  Trường Tiểu học Trung Vương — hệ thống quản lý trường học đang chạy.\n"
        f"  Mở trình duyệt: {layout.gateway_url}\n  {note}\n"
        f"  Tài khoản mẫu (mật khẩu: {DEMO_PASSWORD}):\n{rows}\n"
        f"  Nhấn Ctrl-C để dừng.\n"
    )


def run(layout: Layout, ready_timeout_s: float) -> int:
    prepare(layout)
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    proc = subprocess.Popen(
        [honcho, "--no-colour", "-f", str(ROOT / "Procfile"), "-d", str(ROOT), "start"],
        env=layout.environment(),
        cwd=ROOT,
        start_new_session=True,
    )

    def stop(signum: int, _frame: object) -> None:
        # honcho forwards the signal to every process and exits when they are all gone.
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        wait_ready(layout, proc, ready_timeout_s)
        seeded = seed_school(layout)
        print(banner(layout, seeded), flush=True)
        print("launcher: ready", flush=True)
    except BaseException:
        stop(signal.SIGTERM, None)
        proc.wait(30)
        raise
    code = proc.wait()
    print("launcher: stopped", flush=True)
    # 0 on a requested stop; honcho reports the signal-driven exit of its children otherwise.
    return 0 if code in (0, -signal.SIGTERM, 128 + signal.SIGTERM, 130) else code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "prepare"])
    parser.add_argument("--var", type=Path, default=Path(os.environ.get("SCHOOL_VAR_DIR", ROOT / "var")))
    parser.add_argument("--gateway-port", type=int, default=8000)
    parser.add_argument("--grpc-base", type=int, default=50051)
    parser.add_argument("--broker-port", type=int, default=9092)
    parser.add_argument("--metrics-base", type=int, default=9101)
    parser.add_argument("--ready-timeout", type=float, default=240.0)
    args = parser.parse_args(argv)
    layout = Layout(args.var.resolve(), args.gateway_port, args.grpc_base, args.broker_port, args.metrics_base)
    if args.command == "prepare":
        prepare(layout)
        return 0
    return run(layout, args.ready_timeout)


if __name__ == "__main__":
    sys.exit(main())
