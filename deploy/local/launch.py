"""Local launcher behind `make run` and the end-to-end tests.

Prepares keys and databases, migrates every service, seeds the demo school, then runs the broker,
every service with its relay or consumer, and the gateway under honcho (the Procfile runner).
Ctrl-C (or SIGTERM) stops everything. Data lives in SQLite files under the var directory, so it
survives a restart; the broker is in memory, and the relays replay what it lost from the outboxes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
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
# Roles that must pass a second factor (identity's MFA_REQUIRED_ROLES default: HT, PHT, VP, KT, TB, YT, QTHT).
DEMO_MFA_USERS = frozenset({"hieutruong", "phohieutruong", "vanphong", "ketoan", "thietbi", "yte", "quantri"})
# A small but realistic demo: one class per grade level, a few pupils each.
# Birthdays are month-day only: a pupil of grade g was born in the year the school year starts
# minus 5 minus g (grade 1 at 6, counted by calendar year).
DEMO_CLASSES = {
    "1A": (1, [("Nguyễn Minh Anh", "03-14", "female"), ("Trần Gia Bảo", "07-02", "male")]),
    "2A": (2, [("Lê Hoàng Nam", "01-20", "male"), ("Phạm Ngọc Diệp", "11-05", "female")]),
    "3A": (3, [("Võ Thành Đạt", "05-09", "male"), ("Đặng Thu Hà", "09-30", "female")]),
    "4A": (4, [("Bùi Quang Huy", "02-17", "male"), ("Hoàng Khánh Linh", "08-23", "female")]),
    "5A": (5, [("Ngô Đức Mạnh", "04-11", "male"), ("Đỗ Phương Thảo", "12-01", "female")]),
}


def current_school_year(today: date | None = None) -> tuple[str, str, str]:
    """(name, first day, last day) of the school year running today: a year runs September to May,
    and from August on the coming year is the one being prepared."""
    today = today or date.today()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}", f"{start}-09-05", f"{start + 1}-05-31"


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
            MFA_KEY_FILE=str(keys / "mfa.key"),
            RECORDS_SIGNING_P12_FILE=str(keys / "records-signing.p12"),
            RECORDS_SIGNING_P12_PASSWORD_FILE=str(keys / "records-signing.pass"),
            RECORDS_TRUST_ROOT_FILE=str(keys / "records-ca.pem"),
            RECORDS_ARCHIVE_DIR=str(self.var / "grades" / "archive"),
            GATEWAY_SECRET_KEY=(keys / "gateway-secret").read_text().strip(),
            GATEWAY_BIND=f"127.0.0.1:{self.gateway_port}",
            GATEWAY_PLUGINS=env.get("GATEWAY_PLUGINS", "core,students,grades,staff,access"),
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
    # The school's records-signing certificate for the demo: a self-made CA and a school
    # certificate (issue 5 records); kept once made. A real school configures its own.
    from school_grades.adapters.signing import generate_demo_certificate

    generate_demo_certificate(keys, school_name="Trường Tiểu học Demo")
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


def demo_totp_secret(username: str) -> str:
    """The demo-only TOTP secret `seed-demo` enrols for MFA-required roles (shown in the banner)."""
    digest = hashlib.sha256(f"trung-vuong-demo:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


# A TOTP code works once: remember the last time step used per account in this process.
_last_step: dict[str, int] = {}


def demo_totp(username: str) -> str:
    """A fresh code for a demo account, waiting for the next 30 s step if this one was used."""
    import pyotp

    totp = pyotp.TOTP(demo_totp_secret(username))
    step = int(time.time()) // 30
    if _last_step.get(username) == step:
        time.sleep(30 - time.time() % 30 + 0.05)
        step = int(time.time()) // 30
    _last_step[username] = step
    return totp.now()


def spend_current_step(username: str) -> None:
    """Mark this 30 s step as used, so the next demo_totp() waits for a fresh code."""
    _last_step[username] = int(time.time()) // 30


class ApiClient:
    """Signs in through the gateway's JSON API the way any integration would (CSRF, MFA steps)."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.csrf = ""

    def login(self, username: str, password: str = DEMO_PASSWORD) -> requests.Response:
        """Sign in; answers an MFA challenge with the demo account's TOTP code when asked."""
        r = self.http.get(self.base + "/api/v1/session", timeout=10)
        if r.ok:
            self.csrf = r.json().get("csrf_token", "")
        r = self.post("/api/v1/auth/login", {"username": username, "password": password}, timeout=30)
        if r.ok:
            self.csrf = r.json().get("csrf_token", self.csrf)
            if r.json().get("outcome") == "mfa_required":
                r = self._second_factor(username)
        return r

    def _second_factor(self, username: str) -> requests.Response:
        # Another process (the launcher's seed, a parallel test) may have spent this 30 s step's
        # code already, and identity accepts each code once: then wait for the next step.
        for _ in range(2):
            r = self.post("/api/v1/auth/continue", {"totp_code": demo_totp(username)}, timeout=30)
            if r.ok:
                self.csrf = r.json().get("csrf_token", self.csrf)
                return r
            if r.status_code != 400:
                return r
            spend_current_step(username)
        return r

    def get(self, path: str, **params: object) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=15)  # type: ignore[arg-type]

    def post(self, path: str, body: dict, timeout: float = 15) -> requests.Response:
        return self.http.post(self.base + path, json=body, headers={"X-CSRFToken": self.csrf}, timeout=timeout)

    def items(self, path: str, **params: object) -> list[dict]:
        r = self.get(path, **params)
        r.raise_for_status()
        return list(r.json()["items"])

    def create(self, path: str, body: dict) -> dict:
        r = self.post(path, body)
        if not r.ok:
            raise RuntimeError(f"POST {path} failed with {r.status_code}: {r.text}")
        return dict(r.json())


def seed_school(layout: Layout) -> bool:
    """Create the demo year, classes and pupils through the gateway, once. True if it seeded."""
    marker = layout.var / "demo-seeded"
    if marker.exists():
        return False
    api = ApiClient(layout.gateway_url)
    api.login("hieutruong").raise_for_status()
    name, first_day, last_day = current_school_year()
    year = api.create("/api/v1/school-years", {"name": name, "start_date": first_day, "end_date": last_day})
    start_year = int(first_day[:4])
    class_ids: dict[str, str] = {}
    for name, (grade, pupils) in DEMO_CLASSES.items():
        cls = api.create("/api/v1/classes", {"school_year_id": year["id"], "name": name, "grade_level": grade})
        class_ids[name] = cls["id"]
        for full_name, birthday, gender in pupils:
            dob = f"{start_year - 5 - grade}-{birthday}"
            api.create(
                "/api/v1/students",
                {"class_id": cls["id"], "full_name": full_name, "date_of_birth": dob, "gender": gender},
            )
    grant_demo_assignments(api, year["id"], class_ids)
    link_demo_parent(api, class_ids)
    marker.write_text(name + "\n")
    return True


def grant_demo_assignments(api: ApiClient, year_id: str, class_ids: dict[str, str]) -> None:
    """Phân công for the demo teachers: GVCN of 1A (who also teaches Tiếng Việt and Toán there, as
    GVBM-role assignments, so the demo can fill a grade book grid), GVBM of Ngoại ngữ 1 (English) in
    2A and 3A, TTCM of Tổ 1. Subject codes are the programme's (school_grades data/programme_*.json).

    Identity learns the new year and classes from students' events, so a grant is retried until
    identity's copy has caught up (a few seconds after the classes were created).
    """
    accounts = {a["username"]: a["id"] for a in api.items("/api/v1/accounts", page_size=200)}
    departments = {d["name"]: d["id"] for d in api.items("/api/v1/departments")}
    grants = [
        {"user_id": accounts["gvcn"], "role": "GVCN", "class_id": class_ids["1A"]},
        {"user_id": accounts["gvcn"], "role": "GVBM", "class_id": class_ids["1A"], "subject_code": "TIENG_VIET"},
        {"user_id": accounts["gvcn"], "role": "GVBM", "class_id": class_ids["1A"], "subject_code": "TOAN"},
        {"user_id": accounts["gvbm"], "role": "GVBM", "class_id": class_ids["2A"], "subject_code": "NGOAI_NGU_1"},
        {"user_id": accounts["gvbm"], "role": "GVBM", "class_id": class_ids["3A"], "subject_code": "NGOAI_NGU_1"},
        {"user_id": accounts["totruong"], "role": "TTCM", "department_id": departments["Tổ 1"]},
    ]
    for grant in grants:
        body = {**grant, "school_year_id": year_id}
        deadline = time.monotonic() + 90
        while True:
            r = api.post("/api/v1/assignments", body)
            if r.ok:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"demo assignment refused: {r.status_code} {r.text}")
            time.sleep(1)


def link_demo_parent(api: ApiClient, class_ids: dict[str, str]) -> None:
    """The demo parent "phuhuynh" is the mother of the first pupil of 1A (class-list order).

    Students records the guardian and emits GuardianLinked; identity's consumer then gives the
    parent account the scope of that child (a few seconds later).
    """
    accounts = {a["username"]: a["id"] for a in api.items("/api/v1/accounts", page_size=200)}
    child = api.items(f"/api/v1/classes/{class_ids['1A']}/students")[0]
    mother = api.create(
        f"/api/v1/students/{child['id']}/guardians",
        {"full_name": "Lê Thị Hạnh", "relation": "ME", "phone": "0912 345 678", "birth_year": "1990"},
    )
    r = api.http.put(
        f"{api.base}/api/v1/students/{child['id']}/guardians/{mother['id']}/account",
        json={"parent_account_id": accounts["phuhuynh"]},
        headers={"X-CSRFToken": api.csrf},
        timeout=15,
    )
    if not r.ok:
        raise RuntimeError(f"demo parent link refused: {r.status_code} {r.text}")


def banner(layout: Layout, seeded: bool) -> str:
    rows = "\n".join(
        f"    {user:<14} {role:<30} {demo_totp_secret(user) if user in DEMO_MFA_USERS else ''}"
        for user, role in DEMO_ACCOUNTS
    )
    note = "Đã tạo dữ liệu mẫu." if seeded else "Dữ liệu mẫu đã có từ lần chạy trước."
    return (
        f"\n  Trường Tiểu học Trung Vương — hệ thống quản lý trường học đang chạy.\n"
        f"  Mở trình duyệt: {layout.gateway_url}\n  {note}\n"
        f"  Tài khoản mẫu (mật khẩu: {DEMO_PASSWORD}); cột cuối là khóa xác thực hai lớp (TOTP) của các vai trò\n"
        f"  bắt buộc 2FA — nhập khóa vào ứng dụng xác thực (Google Authenticator, …) để lấy mã 6 số:\n{rows}\n"
        f"  Nhấn Ctrl-C để dừng.\n"
    )


def _parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has Linux send the child SIGTERM when the process that started it dies.

    honcho runs in its own session (so Ctrl-C reaches it once, through the launcher), which also
    means nothing would stop it if the launcher were killed outright; a test or benchmark that
    starts the launcher uses this for the same reason. The C function is looked up here, before
    the fork, so the child only makes the one system call. None elsewhere than Linux.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def set_signal() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return set_signal


die_with_parent = _parent_death_signal()
# Set by a test run or benchmark that starts the launcher: the launcher asks for the parent-death
# signal itself rather than through a preexec_fn, because a process with gRPC threads (a test
# run) must not run Python code between fork and exec (gRPC's fork handling can abort the child).
PARENT_PID_ENV = "SCHOOL_LAUNCHER_PARENT_PID"


def follow_parent() -> None:
    """Die with the process named in SCHOOL_LAUNCHER_PARENT_PID, if set; exit at once when it is
    already gone (it died between the spawn and this call)."""
    expected = os.environ.pop(PARENT_PID_ENV, "")
    if not expected.isdecimal() or die_with_parent is None:
        return
    die_with_parent()
    if os.getppid() != int(expected):
        raise SystemExit("launcher: the process that started me is gone")


def run(layout: Layout, ready_timeout_s: float) -> int:
    prepare(layout)
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    proc = subprocess.Popen(
        [honcho, "--no-colour", "-f", str(ROOT / "Procfile"), "-d", str(ROOT), "start"],
        env=layout.environment(),
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=die_with_parent,
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
    follow_parent()
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
