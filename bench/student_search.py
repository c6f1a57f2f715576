"""Benchmark of finding students over 100,000 students: a class list and a diacritic-free search.

Builds a migrated students SQLite database (``python -m school_students migrate``'s migrations)
holding N students (default 100,000) with realistic Vietnamese names drawn from family, middle and
given name lists, spread over schools of 30 classes each (about 1,000 students per school, a large
primary school), inserted in bulk with SQLAlchemy Core. Then measures, for random schools:

(a) a class list: ListStudents of one class (one page of 50, i.e. the whole class);
(b) a name search: SearchStudents with diacritic-free queries such as "nguyen van an";

each both in-process (the use case, no transport) and over real gRPC (the servicer served by
schoolkit.grpc_server.start_server, one client, internal token verified on every call).

Prints one JSON line and writes bench/results/student_search.json (p50/p99 ms, requests/s).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
from sqlalchemy import insert

from school.students.v1 import students_pb2, students_pb2_grpc
from school_students.adapters.tables import classes, enrolments, school_years, students
from school_students.api.permissions import ALL
from school_students.bootstrap import MIGRATIONS_DIR, build
from school_students.config import load_settings
from school_students.domain.names import fold, name_sort_key
from schoolkit.context import Caller
from schoolkit.db import make_engine, run_migrations
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, generate_keypair, load_private_key, load_public_key

RESULTS = Path(__file__).resolve().parent / "results" / "student_search.json"
CLASSES_PER_SCHOOL = 30
# Family names with rough national frequencies (Nguyễn ~38 %, Trần ~11 %, Lê ~9.5 %, ...).
FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4),
    ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 1), ("Dương", 1),
    ("Lý", 1), ("Đinh", 1), ("Trương", 1), ("Lương", 1), ("Mai", 1),
]  # fmt: skip
MIDDLE_MALE = ["Văn", "Minh", "Đức", "Quang", "Hữu", "Gia", "Thành", "Công", "Anh", "Tuấn", "Hoàng", "Bảo"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Phương", "Bảo", "Khánh", "Hồng", "Mai", "Diệu"]
GIVEN_MALE = [
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khang", "Khoa", "Long",
    "Minh", "Nam", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Tiến", "Trung", "Tùng", "Việt", "Vinh",
]  # fmt: skip
GIVEN_FEMALE = [
    "An", "Anh", "Chi", "Diệp", "Giang", "Hà", "Hân", "Hoa", "Hương", "Lan", "Linh", "Mai", "My",
    "Ngân", "Ngọc", "Nhi", "Phương", "Quỳnh", "Thảo", "Trang", "Trâm", "Uyên", "Vy", "Yến",
]  # fmt: skip
QUERIES = [
    "nguyen van an", "tran thi anh", "le minh", "pham ngoc lan", "hoang duc", "nguyen thi mai",
    "vo quang huy", "do", "bui gia", "dang thu trang", "nguyen an", "linh",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def random_name(rng: random.Random) -> tuple[str, str]:
    family = rng.choices([f for f, _ in FAMILY], weights=[w for _, w in FAMILY])[0]
    if rng.random() < 0.5:
        return f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}", "male"
    return f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}", "female"


def populate(url: str, total: int, per_school: int, rng: random.Random) -> dict[str, list[str]]:
    """Insert schools, one year each, 30 classes each and ``total`` students; return class ids by school."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    class_ids: dict[str, list[str]] = {}
    schools = -(-total // per_school)
    made = 0
    with engine.begin() as conn:
        for s in range(schools):
            school_id = f"school-{s:04d}"
            year_id = str(uuid.uuid4())
            conn.execute(
                insert(school_years).values(
                    id=year_id,
                    school_id=school_id,
                    name="2025-2026",
                    start_date=date(2025, 9, 5),
                    end_date=date(2026, 5, 31),
                    created_at=now,
                )
            )
            class_rows = [
                {
                    "id": str(uuid.uuid4()),
                    "school_id": school_id,
                    "school_year_id": year_id,
                    "name": f"{1 + c // 6}{'ABCDEF'[c % 6]}",
                    "grade_level": 1 + c // 6,
                    "max_size": 45,
                    "created_at": now,
                }
                for c in range(CLASSES_PER_SCHOOL)
            ]
            conn.execute(insert(classes), class_rows)
            class_ids[school_id] = [r["id"] for r in class_rows]
            student_rows, enrolment_rows = [], []
            for i in range(min(per_school, total - made)):
                full_name, gender = random_name(rng)
                student_id = str(uuid.uuid4())
                student_rows.append(
                    {
                        "id": student_id,
                        "school_id": school_id,
                        "student_code": f"HS{i + 1:06d}",
                        "full_name": full_name,
                        "full_name_search": fold(full_name),
                        "name_sort_key": name_sort_key(full_name),
                        "date_of_birth": date(2015 + rng.randrange(5), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                        "gender": gender,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                enrolment_rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "school_id": school_id,
                        "student_id": student_id,
                        "class_id": class_rows[i % CLASSES_PER_SCHOOL]["id"],
                        "enrolled_on": date(2025, 9, 5),
                        "left_on": None,
                        "created_at": now,
                    }
                )
            made += len(student_rows)
            conn.execute(insert(students), student_rows)
            conn.execute(insert(enrolments), enrolment_rows)
    engine.dispose()
    return class_ids


def measure(call: Callable[[], Any], count: int) -> dict[str, float]:
    for _ in range(min(20, count)):  # warm caches and connections
        call()
    timings: list[float] = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        call()
        timings.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    return {
        "requests": count,
        "p50_ms": round(percentile(timings, 0.50), 3),
        "p99_ms": round(percentile(timings, 0.99), 3),
        "mean_ms": round(statistics.fmean(timings), 3),
        "requests_per_s": round(count / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--per-school", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'students.db'}"
        t0 = time.perf_counter()
        run_migrations(MIGRATIONS_DIR, url)
        class_ids = populate(url, args.students, args.per_school, rng)
        build_s = time.perf_counter() - t0
        schools = sorted(class_ids)

        container = build(load_settings({"DATABASE_URL": url}))
        uc = container.use_cases
        picks = random.Random(args.seed + 1)
        matched: list[int] = []

        def class_list_inproc() -> None:
            school = picks.choice(schools)
            uc.list_students(school, picks.choice(class_ids[school]), 50, "")

        def search_inproc() -> None:
            page = uc.search_students(picks.choice(schools), picks.choice(QUERIES), "", "", 50, "")
            matched.append(len(page.items))

        results: dict[str, Any] = {
            "in_process": {
                "class_list": measure(class_list_inproc, args.requests),
                "search": measure(search_inproc, args.requests),
            }
        }

        keys = Path(tmp) / "keys"
        keys.mkdir()
        generate_keypair(keys / "internal.key", keys / "internal.pub")
        issuer = TokenIssuer(load_private_key(keys / "internal.key"))
        verifier = TokenVerifier(load_public_key(keys / "internal.pub"), audience="students")
        server = start_server(
            register=[container.servicer.register], verifier=verifier, bind=f"127.0.0.1:{free_port()}"
        )
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        stub = students_pb2_grpc.StudentsServiceStub(channel)
        # One token per school, issued up front: the server still verifies it on every call.
        tokens = {
            s: issuer.issue(
                Caller(subject="bench", school_id=s, permissions=frozenset(ALL), scopes=frozenset({"school"})),
                "students",
            )
            for s in schools
        }

        def auth(school: str) -> list[tuple[str, str]]:
            return [("authorization", f"Bearer {tokens[school]}")]

        def class_list_grpc() -> None:
            school = picks.choice(schools)
            request = students_pb2.ListStudentsRequest(class_id=picks.choice(class_ids[school]), page_size=50)
            stub.ListStudents(request, metadata=auth(school), timeout=10)

        def search_grpc() -> None:
            school = picks.choice(schools)
            request = students_pb2.SearchStudentsRequest(query=picks.choice(QUERIES), page_size=50)
            stub.SearchStudents(request, metadata=auth(school), timeout=10)

        try:
            results["grpc"] = {
                "class_list": measure(class_list_grpc, args.requests),
                "search": measure(search_grpc, args.requests),
            }
        finally:
            channel.close()
            server.stop(0)
            container.engine.dispose()

    report = {
        "bench": "student_search",
        "students": args.students,
        "schools": len(schools),
        "classes_per_school": CLASSES_PER_SCHOOL,
        "database": "sqlite",
        "build_seconds": round(build_s, 1),
        "search_mean_results_per_page": round(statistics.fmean(matched), 1) if matched else 0,
        "queries": QUERIES,
        **results,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
