"""Runs every benchmark in turn (`make bench`); each writes its figures to bench/results/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "event_pipeline.py",
    "gateway_read.py",
    "login_storm.py",
    "student_search.py",
    "student_import.py",
    "hoc_ba_pdf.py",
    "gradebook_save.py",
]


def main() -> int:
    failed = 0
    for name in BENCHES:
        print(f"== {name}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
