"""Benchmark of the year-end học bạ print run for a 1,000-pupil school: PDFs per second.

Builds a school of N pupils (default 1,000) in 30 classes (5 grades × 6) with full pages: every
subject of the grade with a level, the CN score where a test is due and a two-sentence comment;
the 5 qualities and 10 competencies with levels and comments; the identity page filled; the year
result, an award and the completion line. Then, in this process (no services: the figures are the
renderer's and the signer's own), measures

(a) render only: one học bạ PDF per pupil (identity page + the year's two pages), as archived;
(b) render + PAdES signature (pyHanko, ECDSA P-256 demo certificate) per pupil, as archived;
(c) the whole-class print: one PDF per class holding every pupil's pages (as the GVCN prints).

With ``--processes 2`` (a) and (b) also run on a process pool, the way a print run can use both
cores. Prints one JSON line and writes bench/results/hoc_ba_pdf.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from school_grades.adapters.pdf_reportlab import ReportLabRecords  # noqa: E402
from school_grades.adapters.signing import PadesSigner, generate_demo_certificate  # noqa: E402
from school_grades.domain.programme import Period, load_programme  # noqa: E402
from school_grades.domain.records import (  # noqa: E402
    Cell,
    ClassInfo,
    HocBaPage,
    Identity,
    Pupil,
    RecordsLayout,
    SchoolInfo,
    YearOutcomeInfo,
    build_hoc_ba,
)

RESULTS = ROOT / "bench" / "results" / "hoc_ba_pdf.json"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = {"Nam": ["Văn", "Minh", "Đức", "Quang", "Hữu", "Gia"], "Nữ": ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Ánh"]}
GIVEN = {
    "Nam": ["An", "Bình", "Cường", "Dũng", "Hải", "Huy", "Khang", "Long", "Nam", "Phúc", "Quân", "Sơn"],
    "Nữ": ["Anh", "Chi", "Giang", "Hà", "Hoa", "Lan", "Linh", "Mai", "My", "Ngọc", "Trang", "Tuyết"],
}
SUBJECT_COMMENTS = [
    "Em nắm vững kiến thức, vận dụng tốt vào bài tập. Cần rèn thêm chữ viết cho đều, đẹp.",
    "Em đọc to, rõ ràng, hiểu nội dung bài. Cần mạnh dạn hơn khi trình bày trước lớp.",
    "Em làm tính nhanh, chính xác; biết giải bài toán có lời văn. Cần cẩn thận khi đặt tính.",
    "Em tích cực tham gia các hoạt động, hợp tác tốt với bạn. Cần chủ động nêu ý kiến hơn.",
]
ITEM_COMMENTS = [
    "Đi học đầy đủ, đúng giờ; biết giúp đỡ bạn bè.",
    "Tự giác hoàn thành nhiệm vụ học tập được giao.",
    "Mạnh dạn, tự tin khi giao tiếp; biết lắng nghe ý kiến của bạn.",
]
SUBJECT_LEVELS = ["T", "T", "H", "H", "H", "C"]
ITEM_LEVELS = ["T", "Đ", "Đ", "Đ", "C"]
RESULTS_BY_LEVEL = {"HTXS": ("HS_XUAT_SAC",), "HTT": ("HS_TIEU_BIEU",), "HT": (), "CHT": ()}


def school(n: int, seed: int = 5) -> list[list[HocBaPage]]:
    """The pages of every class: 5 grades × 6 classes, n pupils shared out in order."""
    rng = random.Random(seed)
    programme = load_programme("2025-2026")
    info = SchoolInfo("school-bench", "Trường Tiểu học Nguyễn Du", "Trần Văn Hiệu")
    layout = RecordsLayout(authority="Phòng Giáo dục và Đào tạo quận Đống Đa", place="Hà Nội")
    classes = [
        ClassInfo(f"c-{g}{k}", f"{g}{k}", g, "y", "2025-2026", "Lê Thị Hoa") for g in range(1, 6) for k in "ABCDEF"
    ]
    out: list[list[HocBaPage]] = [[] for _ in classes]
    for i in range(n):
        c = i % len(classes)
        klass = classes[c]
        gender = rng.choice(["Nam", "Nữ"])
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        pupil = Pupil(f"st-{i}", f"HS{i:06d}", name, date(2019 - klass.grade_level, 1 + i % 12, 1 + i % 28), gender)
        tested = programme.tested(klass.grade_level, Period.CN)
        cells = {
            s.code: Cell(
                rng.choice(SUBJECT_LEVELS),
                rng.randint(5, 10) if s.code in tested else None,
                rng.choice(SUBJECT_COMMENTS),
            )
            for s in programme.subjects_of(klass.grade_level, with_electives=False)
        }
        cells.update({code: Cell(rng.choice(ITEM_LEVELS), None, rng.choice(ITEM_COMMENTS)) for code in programme.items})
        result = rng.choice(list(RESULTS_BY_LEVEL))
        identity = Identity(
            name,
            gender,
            pupil.date_of_birth,
            "Kinh",
            "Việt Nam",
            "Bệnh viện Phụ sản Hà Nội",
            "Xã Đông Anh, Hà Nội",
            f"Số {i % 200 + 1} phố Tôn Đức Thắng, phường Văn Miếu - Quốc Tử Giám, Hà Nội",
            f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN['Nam'])}",
            f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN['Nữ'])}",
        )
        out[c].append(
            build_hoc_ba(
                programme=programme,
                school=info,
                klass=klass,
                pupil=pupil,
                cells=cells,
                identity=identity,
                outcome=YearOutcomeInfo(result, RESULTS_BY_LEVEL[result], result != "CHT"),
                layout=layout,
                signed_on=date(2026, 5, 29),
            )
        )
    return out


# Worker state for the process pool (built once per worker process).
_WORKER: dict[str, Any] = {}


def _init_worker(p12: str, password: str) -> None:
    _WORKER["renderer"] = ReportLabRecords()
    _WORKER["signer"] = PadesSigner(p12, password)


def _render_one(page: HocBaPage) -> int:
    return len(_WORKER["renderer"].hoc_ba([page]))


def _render_sign_one(page: HocBaPage) -> int:
    return len(_WORKER["signer"].sign(_WORKER["renderer"].hoc_ba([page])))


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2, help="also measure on a pool of this many processes")
    args = parser.parse_args()
    classes = school(args.students)
    pages = [p for cls in classes for p in cls]
    renderer = ReportLabRecords()
    renderer.hoc_ba(pages[:1])  # fonts loaded, caches warm
    with tempfile.TemporaryDirectory() as tmp:
        cert = generate_demo_certificate(Path(tmp), school_name="Trường Tiểu học Nguyễn Du")
        signer = PadesSigner(cert.p12_file, cert.password_file)

        start = time.perf_counter()
        sizes = [len(renderer.hoc_ba([p])) for p in pages]
        render_s = time.perf_counter() - start

        start = time.perf_counter()
        for p in pages:
            signer.sign(renderer.hoc_ba([p]))
        render_sign_s = time.perf_counter() - start

        start = time.perf_counter()
        class_pdfs = [renderer.hoc_ba(cls) for cls in classes]
        class_s = time.perf_counter() - start

        pool: dict[str, Any] = {}
        if args.processes > 1:
            with ProcessPoolExecutor(
                args.processes, initializer=_init_worker, initargs=(str(cert.p12_file), str(cert.password_file))
            ) as ex:
                list(ex.map(_render_one, pages[: args.processes * 2]))  # workers started and warm
                start = time.perf_counter()
                list(ex.map(_render_one, pages, chunksize=20))
                pool_render_s = time.perf_counter() - start
                start = time.perf_counter()
                list(ex.map(_render_sign_one, pages, chunksize=20))
                pool_sign_s = time.perf_counter() - start
            pool = {
                "processes": args.processes,
                "render_pdfs_per_s": rate(len(pages), pool_render_s),
                "render_sign_pdfs_per_s": rate(len(pages), pool_sign_s),
            }
    result = {
        "benchmark": "hoc_ba_pdf",
        "students": len(pages),
        "classes": len(classes),
        "pages_per_pdf": 3,  # the identity page and the year's two pages
        "avg_pdf_kib": round(sum(sizes) / len(sizes) / 1024, 1),
        "render_only": {"seconds": round(render_s, 2), "pdfs_per_s": rate(len(pages), render_s)},
        "render_and_sign": {"seconds": round(render_sign_s, 2), "pdfs_per_s": rate(len(pages), render_sign_s)},
        "sign_only_ms_per_pdf": round((render_sign_s - render_s) / len(pages) * 1000, 1),
        "whole_class_prints": {
            "seconds": round(class_s, 2),
            "classes_per_s": rate(len(classes), class_s),
            "avg_class_pdf_kib": round(sum(len(c) for c in class_pdfs) / len(class_pdfs) / 1024, 1),
        },
        "process_pool": pool,
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
