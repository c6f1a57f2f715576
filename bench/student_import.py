"""Benchmark of importing 1,000 students from Excel through the whole system.

Starts the stack (`make run`'s launcher on free ports), signs in as the head teacher, opens a
throw-away school year with 30 classes (5 grades × 6, size limit 35), builds a workbook of N pupils
(default 1,000) in the school's template with realistic Vietnamese names, a citizen id, an
ethnicity, a permanent address and both parents for each, then measures through the gateway's
JSON API:

(a) the check (dry run): every row judged, nothing written;
(b) the import itself: rows judged again, students, records, guardians and N StudentEnrolled
    events written in one transaction;
(c) the time from the import's answer until grades' roster serves all N pupils (the events
    travelling through the outbox, the broker and grades' consumer).

Prints one JSON line and writes bench/results/student_import.json.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # type: ignore[import-untyped]  # noqa: E402

from deploy.local.launch import ApiClient  # noqa: E402
from school_students.app.student_sheet import HEADERS  # noqa: E402
from tests.stack import Stack  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "student_import.json"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = {"Nam": ["Văn", "Minh", "Đức", "Quang", "Hữu", "Gia"], "Nữ": ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bảo"]}
GIVEN = {
    "Nam": ["An", "Bình", "Cường", "Dũng", "Hải", "Huy", "Khang", "Long", "Nam", "Phúc", "Quân", "Sơn"],
    "Nữ": ["Anh", "Chi", "Giang", "Hà", "Hoa", "Lan", "Linh", "Mai", "My", "Ngọc", "Trang", "Vy"],
}
COMMUNES = ["Phường Hoàn Kiếm", "Phường Ba Đình", "Phường Đống Đa", "Xã Sóc Sơn", "Phường Cầu Giấy"]


def workbook(n: int, class_names: list[str], year_start: int, rng: random.Random) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "HocSinh"
    ws.append(list(HEADERS))
    index = {h: i for i, h in enumerate(HEADERS)}
    for k in range(n):
        gender = rng.choice(["Nam", "Nữ"])
        grade = k % 5 + 1
        birth_year = year_start - 5 - grade
        row = [""] * len(HEADERS)

        def put(header: str, value: object, row: list[object] = row) -> None:
            row[index[header]] = value

        family = rng.choice(FAMILY)
        put("Họ và tên", f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}")
        put("Ngày sinh (dd/mm/yyyy)", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{birth_year}")
        put("Giới tính (Nam/Nữ)", gender)
        put("Lớp", class_names[k % len(class_names)])
        put("Dân tộc", "Kinh")
        century_digit = ("2" if gender == "Nam" else "3") if birth_year >= 2000 else ("0" if gender == "Nam" else "1")
        put("Số định danh cá nhân", f"001{century_digit}{birth_year % 100:02d}{k:06d}")
        put("Tỉnh/thành phố thường trú", "Thành phố Hà Nội")
        put("Xã/phường thường trú", rng.choice(COMMUNES))
        put("Số nhà, đường, thôn (thường trú)", f"Số {rng.randint(1, 200)} phố Tràng Tiền")
        put("Họ tên cha", f"{family} Văn {rng.choice(GIVEN['Nam'])}")
        put("Điện thoại cha", f"09{rng.randint(10_000_000, 99_999_999)}")
        put("Họ tên mẹ", f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN['Nữ'])}")
        put("Điện thoại mẹ", f"08{rng.randint(10_000_000, 99_999_999)}")
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api: ApiClient, data: bytes, year_id: str, dry_run: bool) -> tuple[float, dict]:
    started = time.perf_counter()
    resp = api.http.post(
        f"{api.base}/api/v1/students/import",
        params={"dry_run": "true" if dry_run else "false"},
        data={"school_year_id": year_id},
        files={"workbook": ("hoc-sinh.xlsx", data, "application/octet-stream")},
        headers={"X-CSRFToken": api.csrf},
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    resp.raise_for_status()
    return elapsed, resp.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp) / "var", Path(tmp) / "stack.log")
        stack.start()
        try:
            head = ApiClient(stack.url)
            head.login("hieutruong").raise_for_status()
            # A past year of the fresh stack's own (the demo holds the current one).
            start = 2015
            year = head.create(
                "/api/v1/school-years",
                {"name": f"{start}-{start + 1}", "start_date": f"{start}-09-05", "end_date": f"{start + 1}-05-31"},
            )
            classes: dict[str, str] = {}
            for grade in range(1, 6):
                for letter in "ABCDEF":
                    made = head.create(
                        "/api/v1/classes",
                        {
                            "school_year_id": year["id"],
                            "name": f"{grade}{letter}",
                            "grade_level": grade,
                            "max_size": 35,
                        },
                    )
                    classes[made["name"]] = made["id"]
            data = workbook(args.students, sorted(classes), start, rng)
            check_s, checked = upload(head, data, year["id"], dry_run=True)
            assert not checked["errors"], checked["errors"][:5]
            import_s, imported = upload(head, data, year["id"], dry_run=False)
            assert imported["created"] == args.students, imported
            answered = time.perf_counter()
            roster_total = 0
            while time.perf_counter() - answered < 300:
                roster_total = sum(
                    len(head.items(f"/api/v1/classes/{cid}/roster", page_size=200)) for cid in classes.values()
                )
                if roster_total >= args.students:
                    break
                time.sleep(0.5)
            roster_s = time.perf_counter() - answered
        finally:
            stack.stop()
    result = {
        "benchmark": "student_import",
        "students": args.students,
        "classes": len(classes),
        "workbook_kb": round(len(data) / 1024, 1),
        "check_s": round(check_s, 2),
        "import_s": round(import_s, 2),
        "students_per_s": round(args.students / import_s, 1),
        "roster_complete_after_s": round(roster_s, 2),
        "roster_total": roster_total,
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
