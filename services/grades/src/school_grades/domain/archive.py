"""The archive of records (học bạ, class summary sheets) as a hash chain anyone can verify.

Each archived file gets an entry: its SHA-256 and a link hash over the previous entry's link, the
file's hash and what the file is (school, year, period, kind, name). Changing, removing or
re-ordering any archived file, or any entry, breaks every link from there on, so a verifier who
holds the files and the entries (or only the last link, published or printed) detects it.

Pure: the caller reads the files; this module only hashes bytes and compares.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64  # the link before the first entry


@dataclass(frozen=True)
class ArchiveEntry:
    sequence: int  # 1, 2, 3 ... within one school's archive
    school_id: str
    school_year: str  # "2025-2026"
    period: str  # "CK1" (after HK I) or "CN" (end of year)
    kind: str  # "HOC_BA", "BANG_TONG_HOP", ...
    name: str  # file name in the archive
    file_sha256: str
    previous_link: str
    link: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _link(previous_link: str, file_sha256: str, sequence: int, school_id: str, school_year: str, period: str,
          kind: str, name: str) -> str:  # fmt: skip
    # A canonical JSON text, so the link can be recomputed in any language from the entry alone.
    what = json.dumps(
        [sequence, school_id, school_year, period, kind, name, file_sha256, previous_link],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return sha256_hex(what.encode("utf-8"))


def append(
    chain: Sequence[ArchiveEntry], *, school_id: str, school_year: str, period: str, kind: str, name: str, data: bytes
) -> ArchiveEntry:
    """The entry that archives ``data`` after ``chain`` (the school's entries so far, in order)."""
    previous = chain[-1].link if chain else GENESIS
    sequence = chain[-1].sequence + 1 if chain else 1
    digest = sha256_hex(data)
    return ArchiveEntry(
        sequence=sequence,
        school_id=school_id,
        school_year=school_year,
        period=period,
        kind=kind,
        name=name,
        file_sha256=digest,
        previous_link=previous,
        link=_link(previous, digest, sequence, school_id, school_year, period, kind, name),
    )


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    # The first entry that does not hold, and why (Vietnamese, shown to the principal).
    broken_at: int | None = None
    problem: str = ""


def verify(chain: Sequence[ArchiveEntry], read: Callable[[ArchiveEntry], bytes | None]) -> Verification:
    """Check every entry in order: sequence, link to the previous entry, link hash, file hash.

    ``read`` returns an archived file's bytes, or None when the file is missing.
    """
    previous = GENESIS
    for index, entry in enumerate(chain):
        expected_sequence = index + 1
        if entry.sequence != expected_sequence:
            return Verification(
                False, index, entry.sequence, f"Thiếu hoặc sai thứ tự mục lưu trữ số {expected_sequence}"
            )
        if entry.previous_link != previous:
            return Verification(False, index, entry.sequence, f"Mục {entry.sequence} không nối với mục trước")
        recomputed = _link(
            entry.previous_link,
            entry.file_sha256,
            entry.sequence,
            entry.school_id,
            entry.school_year,
            entry.period,
            entry.kind,
            entry.name,
        )
        if recomputed != entry.link:
            return Verification(False, index, entry.sequence, f"Thông tin mục {entry.sequence} đã bị sửa")
        data = read(entry)
        if data is None:
            return Verification(False, index, entry.sequence, f"Không tìm thấy tệp {entry.name}")
        if sha256_hex(data) != entry.file_sha256:
            return Verification(False, index, entry.sequence, f"Tệp {entry.name} đã bị thay đổi sau khi lưu trữ")
        previous = entry.link
    return Verification(True, len(chain))
